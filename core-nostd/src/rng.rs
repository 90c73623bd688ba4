//! The seeded random streams and the normal sampler: part of the bit-exact contract.
//!
//! # Streams
//!
//! Every random matrix row comes from its own ChaCha8 stream (`rand_chacha::ChaCha8Rng`), so
//! a row can be regenerated without generating the rows before it (matrix-free projection):
//!
//! * key (32 bytes) = `seed.to_le_bytes()` ‖ the 8-byte ASCII `tag` of the generator
//!   (`b"gaussian"`, `b"rademach"`, `b"achliopt"`, `b"synthset"`) ‖ 16 zero bytes;
//! * stream number (ChaCha nonce) = the row index; word position 0;
//! * values are read as consecutive `next_u32()` outputs (little-endian words of the
//!   ChaCha8 keystream).
//!
//! # Normal sampler (Box–Muller, f32, `libm`)
//!
//! One pair of N(0, 1) values from two consecutive words `a`, `b`:
//!
//! ```text
//! u1 = ((a >> 8) + 1) as f32 · 2⁻²⁴      ∈ (0, 1]   (exact: 24-bit integers)
//! u2 =  (b >> 8)      as f32 · 2⁻²⁴      ∈ [0, 1)
//! r  = libm::sqrtf(-2.0 · libm::logf(u1))
//! (s, c) = libm::sincosf(TAU_f32 · u2)
//! z0 = r · c,   z1 = r · s
//! ```
//!
//! All arithmetic is f32 with one rounding per operation (Rust never fuses into FMA), and the
//! `libm` crate is pure Rust (its `arch` feature is off), so x86_64, Cortex-M0 and Cortex-M4F
//! produce the same bits. A row of `DIMS` Gaussian entries uses `ceil(DIMS / 2)` pairs in order
//! (`W[r][2i] = z0`, `W[r][2i+1] = z1`; an odd row drops the last `z1`).

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// Generator tag of the Gaussian projection.
pub const TAG_GAUSSIAN: [u8; 8] = *b"gaussian";
/// Generator tag of the Rademacher projection.
pub const TAG_RADEMACHER: [u8; 8] = *b"rademach";
/// Generator tag of the sparse Achlioptas projection.
pub const TAG_ACHLIOPTAS: [u8; 8] = *b"achliopt";
/// Generator tag of the conformance synthetic data set.
pub const TAG_SYNTHETIC: [u8; 8] = *b"synthset";

/// A seeded ChaCha8 word stream (see the module docs for the exact key layout).
#[derive(Clone, Debug)]
pub struct SeededStream {
    rng: ChaCha8Rng,
}

impl SeededStream {
    /// The stream `stream` of generator `tag` under `seed`, at word position 0.
    pub fn new(seed: u64, tag: [u8; 8], stream: u64) -> Self {
        let mut key = [0u8; 32];
        for (k, b) in key
            .iter_mut()
            .zip(seed.to_le_bytes().into_iter().chain(tag))
        {
            *k = b;
        }
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(stream);
        Self { rng }
    }

    /// The next 32-bit word.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        self.rng.next_u32()
    }

    /// The next pair of standard normal values (Box–Muller, see the module docs).
    #[inline]
    pub fn next_normal_pair(&mut self) -> (f32, f32) {
        let a = self.next_u32();
        let b = self.next_u32();
        box_muller(a, b)
    }

    /// A uniform value in `[-1, 1)` with 24 random bits: `(w >> 8) · 2⁻²³ − 1` (exact in f32).
    #[inline]
    pub fn next_symmetric_uniform(&mut self) -> f32 {
        let w = self.next_u32();
        (w >> 8) as f32 * TWO_POW_M23 - 1.0
    }
}

const TWO_POW_M24: f32 = 1.0 / 16_777_216.0;
const TWO_POW_M23: f32 = 1.0 / 8_388_608.0;

/// Box–Muller transform of two raw words into two N(0, 1) values (see the module docs).
#[inline]
pub fn box_muller(a: u32, b: u32) -> (f32, f32) {
    let u1 = ((a >> 8) + 1) as f32 * TWO_POW_M24;
    let u2 = (b >> 8) as f32 * TWO_POW_M24;
    let r = libm::sqrtf(-2.0 * libm::logf(u1));
    let (s, c) = libm::sincosf(core::f32::consts::TAU * u2);
    (r * c, r * s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_muller_at_known_words() {
        // a = 0: u1 = 2^-24, r = sqrt(48 ln 2); b = 0: angle 0; b = 2^30: u2 = 1/4, angle π/2.
        let r = (48.0f64 * core::f64::consts::LN_2).sqrt();
        let (x, y) = box_muller(0, 0);
        assert!((f64::from(x) - r).abs() < 1e-5 && y == 0.0, "{x} {y}");
        let (x, y) = box_muller(0, 1 << 30);
        assert!(x.abs() < 1e-5 && (f64::from(y) - r).abs() < 1e-5, "{x} {y}");
        // a = 2^32 − 1: u1 = 1 exactly, so r = 0 whatever b.
        assert_eq!(box_muller(u32::MAX, 12345), (0.0, 0.0));
    }

    #[test]
    fn streams_differ_by_seed_tag_and_stream() {
        let a = SeededStream::new(1, TAG_GAUSSIAN, 0).next_u32();
        assert_ne!(a, SeededStream::new(2, TAG_GAUSSIAN, 0).next_u32());
        assert_ne!(a, SeededStream::new(1, TAG_RADEMACHER, 0).next_u32());
        assert_ne!(a, SeededStream::new(1, TAG_GAUSSIAN, 1).next_u32());
        assert_eq!(a, SeededStream::new(1, TAG_GAUSSIAN, 0).next_u32());
    }

    #[test]
    fn box_muller_extremes_are_finite() {
        for (a, b) in [(0, 0), (u32::MAX, u32::MAX), (0, u32::MAX), (255, 1 << 31)] {
            let (z0, z1) = box_muller(a, b);
            assert!(z0.is_finite() && z1.is_finite());
        }
        // u1 = 1 gives r = 0.
        assert_eq!(box_muller(u32::MAX, 12345), (0.0, 0.0));
    }

    #[test]
    fn normal_moments_are_plausible() {
        let mut s = SeededStream::new(7, TAG_GAUSSIAN, 3);
        let (mut sum, mut sq) = (0f64, 0f64);
        let n = 20_000;
        for _ in 0..n / 2 {
            let (a, b) = s.next_normal_pair();
            sum += f64::from(a) + f64::from(b);
            sq += f64::from(a) * f64::from(a) + f64::from(b) * f64::from(b);
        }
        let mean = sum / n as f64;
        let var = sq / n as f64 - mean * mean;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "var {var}");
    }

    #[test]
    fn symmetric_uniform_stays_in_range() {
        let mut s = SeededStream::new(0, TAG_SYNTHETIC, 0);
        for _ in 0..1000 {
            let v = s.next_symmetric_uniform();
            assert!((-1.0..1.0).contains(&v));
        }
    }
}
