//! Hamming distance, and the angle and cosine it estimates.
//!
//! For one random hyperplane through the origin, two vectors at angle θ get different sign bits
//! with probability θ/π (Goemans–Williamson, Charikar's SimHash). With `B` independent
//! hyperplanes the normalised Hamming distance `d / B` is an unbiased estimate of θ/π, so
//! θ̂ = π · d / B ([`angle_estimate`]) and cos θ̂ ([`cosine_estimate`]).

pub use crate::arch::Kernel;
use crate::code::BinaryCode;
use crate::error::{Result, check_len};

/// Hamming distance of two fixed-width codes (portable kernel, inlined; never panics).
#[inline]
pub fn distance<const WORDS: usize>(a: &BinaryCode<WORDS>, b: &BinaryCode<WORDS>) -> u32 {
    crate::arch::portable::distance(a.words(), b.words())
}

/// Hamming distance of two word slices of equal length ([`crate::Error::DimensionMismatch`]
/// otherwise). Padding bits are assumed zero, as every core constructor guarantees.
pub fn distance_words(a: &[u64], b: &[u64]) -> Result<u32> {
    check_len(a.len(), b.len())?;
    Ok(distance_words_unchecked_len(a, b))
}

/// Distance over the common length of `a` and `b` (lengths validated by the caller).
#[inline]
pub(crate) fn distance_words_unchecked_len(a: &[u64], b: &[u64]) -> u32 {
    crate::arch::portable::distance(a, b)
}

/// θ̂ = π · d / B, the angle estimated from a Hamming distance `d` over `bits` hyperplanes.
///
/// Returns NaN for `bits == 0`.
#[inline]
pub fn angle_estimate(distance: u32, bits: usize) -> f64 {
    if bits == 0 {
        return f64::NAN;
    }
    core::f64::consts::PI * f64::from(distance) / bits as f64
}

/// cos θ̂, the cosine similarity estimated from a Hamming distance (NaN for `bits == 0`).
#[inline]
pub fn cosine_estimate(distance: u32, bits: usize) -> f64 {
    libm::cos(angle_estimate(distance, bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_differing_bits() {
        let a = BinaryCode::<2>::from_words([0b1011, 0]);
        let b = BinaryCode::<2>::from_words([0b0001, 1 << 63]);
        assert_eq!(distance(&a, &b), 3);
        assert_eq!(distance_words(a.words(), b.words()), Ok(3));
        assert!(distance_words(&[0], &[0, 0]).is_err());
    }

    #[test]
    fn estimates_match_the_law() {
        assert_eq!(angle_estimate(0, 256), 0.0);
        assert!((angle_estimate(128, 256) - core::f64::consts::FRAC_PI_2).abs() < 1e-15);
        assert!((cosine_estimate(256, 256) + 1.0).abs() < 1e-15);
        // cos(π · d / B) at the other ends and between them.
        assert_eq!(cosine_estimate(0, 256), 1.0);
        assert!(cosine_estimate(128, 256).abs() < 1e-15);
        assert!((cosine_estimate(64, 256) - core::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15);
        assert!(angle_estimate(1, 0).is_nan());
    }

    #[test]
    fn every_kernel_matches_portable_on_edge_words() {
        let a = [u64::MAX, 0, 0x5555_5555_5555_5555, 1, 1 << 63, 7];
        let b = [0, 0, 0xAAAA_AAAA_AAAA_AAAA, 1, 0, 6];
        for k in Kernel::available() {
            for n in 0..=a.len() {
                assert_eq!(
                    k.distance(&a[..n], &b[..n]),
                    Kernel::PORTABLE.distance(&a[..n], &b[..n]),
                    "{}",
                    k.name()
                );
            }
        }
    }
}
