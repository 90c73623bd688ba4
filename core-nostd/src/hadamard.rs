//! Structured orthogonal projection: random sign flips + fast Walsh–Hadamard transform.
//!
//! `O(P log P)` per block and matrix-free (only a seed), so a microcontroller can run it with one
//! scratch buffer of `P` floats.
//!
//! # Definition (part of the bit-exact contract)
//!
//! * `P` = the smallest power of two `>= DIMS`; the input is zero-padded to `P` values.
//! * Outputs come in blocks of `P`: block `b` produces outputs `b·P .. min((b+1)·P, BITS)`.
//! * Block `b` applies [`HADAMARD_ROUNDS`] = 3 rounds to the padded input `v`; round `r`:
//!   1. sign flips: stream `3·b + r` of [`SeededStream`] with tag `b"hadamard"`; word `c / 32`,
//!      bit `c % 32` of that stream: 1 keeps `v[c]`, 0 negates it;
//!   2. the unnormalised Walsh–Hadamard transform in Sylvester order, computed in place by the
//!      butterflies `for h in 1, 2, 4, …, P/2: for each pair (j, j + h) with j & h == 0:
//!      (v[j], v[j+h]) = (v[j] + v[j+h], v[j] − v[j+h])` (one f32 rounding per add/sub).
//! * Output `b·P + i` is `v[i]`. Values are scaled by `P^(3/2)` relative to an orthonormal
//!   transform; the scale does not change any sign.
//!
//! Each butterfly output is one f32 addition or subtraction of the same two operands however the
//! loops are vectorised, so every implementation of this definition gives the same bits.

use crate::binarize::{Threshold, check_finite, sign_bit};
use crate::code::CodeLayout;
use crate::error::{Error, Result, check_len, sat};
use crate::projection::MAX_DIMS;
use crate::rng::SeededStream;

/// Generator tag of the Hadamard sign flips.
pub const TAG_HADAMARD: [u8; 8] = *b"hadamard";
/// Number of sign-flip + transform rounds per block.
pub const HADAMARD_ROUNDS: usize = 3;

/// The in-place unnormalised fast Walsh–Hadamard transform (Sylvester order) of `v`, whose
/// length must be a power of two (other lengths: the largest power-of-two prefix is transformed).
pub fn fwht_in_place(v: &mut [f32]) {
    let p = if v.is_empty() {
        0
    } else {
        1usize << v.len().ilog2()
    };
    let Some(v) = v.get_mut(..p) else {
        return;
    };
    let mut h = 1;
    while h < p {
        for block in v.chunks_exact_mut(2 * h) {
            let (lo, hi) = block.split_at_mut(h);
            for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
                let (x, y) = (*a, *b);
                *a = x + y;
                *b = x - y;
            }
        }
        h *= 2;
    }
}

/// A seeded structured projection: `HD₃ · HD₂ · HD₁` per block (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HadamardProjection {
    seed: u64,
    dims: u32,
    bits: u32,
}

impl HadamardProjection {
    /// A projection of `dims` inputs (`1..=MAX_DIMS`) to `bits` outputs (`1..=MAX_BITS`).
    pub fn new(seed: u64, dims: usize, bits: usize) -> Result<Self> {
        if dims == 0 || dims > MAX_DIMS {
            return Err(Error::InvalidDims {
                dims: sat(dims),
                max: sat(MAX_DIMS),
            });
        }
        CodeLayout::new(bits)?;
        Ok(Self {
            seed,
            dims: sat(dims),
            bits: sat(bits),
        })
    }

    /// The seed.
    pub const fn seed(&self) -> u64 {
        self.seed
    }

    /// Number of inputs.
    pub const fn dims(&self) -> usize {
        self.dims as usize
    }

    /// Number of outputs.
    pub const fn bits(&self) -> usize {
        self.bits as usize
    }

    /// `P`, the padded transform length: the scratch size every method needs.
    pub const fn padded_dims(&self) -> usize {
        (self.dims as usize).next_power_of_two()
    }

    /// Number of transform blocks, `ceil(bits / P)`.
    pub const fn blocks(&self) -> usize {
        (self.bits as usize).div_ceil(self.padded_dims())
    }

    /// Runs block `block` on `x` into `scratch` (`P` values).
    fn block_into(&self, block: usize, x: &[f32], scratch: &mut [f32]) {
        for (s, v) in scratch
            .iter_mut()
            .zip(x.iter().copied().chain(core::iter::repeat(0.0)))
        {
            *s = v;
        }
        self.rounds_in_place(block, scratch);
    }

    fn check_io(&self, x: &[f32], scratch: &[f32]) -> Result<()> {
        check_len(self.dims(), x.len())?;
        check_len(self.padded_dims(), scratch.len())?;
        check_finite(x)
    }

    /// Writes all `bits` outputs into `out`, using `scratch` (`P` values).
    pub fn project_into(&self, x: &[f32], scratch: &mut [f32], out: &mut [f32]) -> Result<()> {
        check_len(self.bits(), out.len())?;
        self.check_io(x, scratch)?;
        for (block, chunk) in out.chunks_mut(self.padded_dims()).enumerate() {
            self.block_into(block, x, scratch);
            for (o, &v) in chunk.iter_mut().zip(scratch.iter()) {
                if !v.is_finite() {
                    out.fill(0.0);
                    return Err(Error::ProjectionOverflow {
                        row: sat(block * self.padded_dims()),
                    });
                }
                *o = v;
            }
        }
        Ok(())
    }

    /// Encodes one vector (sign rule `y >= threshold`) into `out` (`ceil(bits/64)` words), using
    /// `scratch` (`P` values). On error `out` is all-zero.
    pub fn encode_into(
        &self,
        x: &[f32],
        threshold: Threshold<'_>,
        scratch: &mut [f32],
        out: &mut [u64],
    ) -> Result<()> {
        let layout = CodeLayout::new(self.bits())?;
        check_len(layout.words(), out.len())?;
        out.fill(0);
        threshold.validate(self.bits())?;
        self.check_io(x, scratch)?;
        let p = self.padded_dims();
        for block in 0..self.blocks() {
            self.block_into(block, x, scratch);
            let start = block * p;
            let end = (start + p).min(self.bits());
            for (j, &v) in (start..end).zip(scratch.iter()) {
                if !v.is_finite() {
                    out.fill(0);
                    return Err(Error::ProjectionOverflow { row: sat(j) });
                }
                if sign_bit(v, threshold.get(j))
                    && let Some(w) = out.get_mut(j / 64)
                {
                    *w |= 1u64 << (j % 64);
                }
            }
        }
        Ok(())
    }

    /// The equivalent dense matrix `[bits, dims]` (column `c` = the transform of `e_c`), for
    /// inspection and export. Mathematically equal to the transform; its sequential dot products
    /// round differently, so encode with [`encode_into`](Self::encode_into) for parity.
    pub fn materialize_into(&self, scratch: &mut [f32], out: &mut [f32]) -> Result<()> {
        let (dims, bits, p) = (self.dims(), self.bits(), self.padded_dims());
        check_len(p, scratch.len())?;
        let n = dims.checked_mul(bits).ok_or(Error::Capacity {
            required: u32::MAX,
            capacity: sat(out.len()),
        })?;
        check_len(n, out.len())?;
        for c in 0..dims {
            for block in 0..self.blocks() {
                // e_c padded: write it straight into scratch, then run the rounds.
                scratch.fill(0.0);
                if let Some(s) = scratch.get_mut(c) {
                    *s = 1.0;
                }
                self.rounds_in_place(block, scratch);
                let start = block * p;
                for (i, &v) in scratch.iter().enumerate().take(bits.saturating_sub(start)) {
                    if let Some(o) = out.get_mut((start + i) * dims + c) {
                        *o = v;
                    }
                }
            }
        }
        Ok(())
    }

    /// The rounds of block `block` applied to an already padded `scratch`.
    fn rounds_in_place(&self, block: usize, scratch: &mut [f32]) {
        for round in 0..HADAMARD_ROUNDS {
            let stream = (block * HADAMARD_ROUNDS + round) as u64;
            let mut signs = SeededStream::new(self.seed, TAG_HADAMARD, stream);
            for chunk in scratch.chunks_mut(32) {
                let w = signs.next_u32();
                for (i, v) in chunk.iter_mut().enumerate() {
                    if (w >> i) & 1 == 0 {
                        *v = -*v;
                    }
                }
            }
            fwht_in_place(scratch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    /// Dense Sylvester Hadamard matrix entry: (-1)^popcount(i & j).
    fn h(i: usize, j: usize) -> f64 {
        if (i & j).count_ones().is_multiple_of(2) {
            1.0
        } else {
            -1.0
        }
    }

    #[test]
    fn fwht_matches_the_dense_sylvester_matrix() {
        for p in [1usize, 2, 4, 8, 64] {
            let x: Vec<f32> = (0..p).map(|i| (i as f32 * 0.37).sin()).collect();
            let mut v = x.clone();
            fwht_in_place(&mut v);
            for (i, got) in v.iter().enumerate() {
                let want: f64 = (0..p).map(|j| h(i, j) * f64::from(x[j])).sum();
                assert!((f64::from(*got) - want).abs() < 1e-4, "p {p} i {i}");
            }
        }
    }

    /// The module docs' definition, computed independently: per block `b` and round `r`, the
    /// sign words of stream `3·b + r` (word `c / 32`, bit `c % 32`: 0 negates `v[c]`), then the
    /// dense Sylvester matrix. Integer inputs keep every sum exact in f32, so the bits must equal.
    #[test]
    fn projection_follows_the_documented_definition() {
        let (seed, dims, bits) = (11u64, 40usize, 128usize);
        let p = HadamardProjection::new(seed, dims, bits).unwrap();
        let big_p = p.padded_dims();
        assert_eq!((big_p, p.blocks()), (64, 2));
        let x: Vec<f32> = (0..dims).map(|i| (i % 7) as f32 - 3.0).collect();
        let mut scratch = vec![0.0; big_p];
        let mut out = vec![0.0; bits];
        p.project_into(&x, &mut scratch, &mut out).unwrap();
        for b in 0..p.blocks() {
            let mut v: Vec<f64> = (0..big_p)
                .map(|c| x.get(c).map_or(0.0, |&t| f64::from(t)))
                .collect();
            for r in 0..HADAMARD_ROUNDS {
                let mut s = SeededStream::new(seed, TAG_HADAMARD, (3 * b + r) as u64);
                let words: Vec<u32> = (0..big_p / 32).map(|_| s.next_u32()).collect();
                for (c, val) in v.iter_mut().enumerate() {
                    if (words[c / 32] >> (c % 32)) & 1 == 0 {
                        *val = -*val;
                    }
                }
                v = (0..big_p)
                    .map(|i| (0..big_p).map(|j| h(i, j) * v[j]).sum())
                    .collect();
            }
            for (i, want) in v.iter().enumerate() {
                assert_eq!(f64::from(out[b * big_p + i]), *want, "block {b} output {i}");
            }
        }
    }

    #[test]
    fn fwht_twice_is_p_times_identity() {
        let x: Vec<f32> = (0..16).map(|i| i as f32 - 7.0).collect();
        let mut v = x.clone();
        fwht_in_place(&mut v);
        fwht_in_place(&mut v);
        assert!(v.iter().zip(&x).all(|(a, b)| *a == 16.0 * b));
    }

    #[test]
    fn transform_equals_its_materialised_matrix_and_preserves_norms() {
        let p = HadamardProjection::new(5, 6, 20).unwrap();
        assert_eq!((p.padded_dims(), p.blocks()), (8, 3));
        let mut scratch = [0f32; 8];
        let mut w = vec![0f32; 6 * 20];
        p.materialize_into(&mut scratch, &mut w).unwrap();
        let x = [0.3f32, -0.1, 0.7, 0.2, -0.5, 0.05];
        let mut y = [0f32; 20];
        p.project_into(&x, &mut scratch, &mut y).unwrap();
        for r in 0..20 {
            let dense: f64 = (0..6)
                .map(|c| f64::from(w[r * 6 + c]) * f64::from(x[c]))
                .sum();
            assert!((dense - f64::from(y[r])).abs() < 1e-4, "row {r}");
        }
        // Each full block is P^(3/2) times an orthogonal map: norms scale by 8^(3/2).
        let nx: f64 = x.iter().map(|v| f64::from(*v).powi(2)).sum();
        let ny: f64 = y[..8].iter().map(|v| f64::from(*v).powi(2)).sum();
        assert!((ny / nx - 512.0).abs() < 1e-3, "{}", ny / nx);
    }

    #[test]
    fn encode_matches_sign_of_projection_and_keeps_padding() {
        let p = HadamardProjection::new(1, 5, 70).unwrap();
        let mut scratch = [0f32; 8];
        let x = [0.5f32, -1.0, 0.25, 2.0, -0.75];
        let mut y = [0f32; 70];
        p.project_into(&x, &mut scratch, &mut y).unwrap();
        let mut code = [0u64; 2];
        p.encode_into(&x, Threshold::Zero, &mut scratch, &mut code)
            .unwrap();
        for (j, v) in y.iter().enumerate() {
            assert_eq!((code[j / 64] >> (j % 64)) & 1 == 1, *v >= 0.0, "bit {j}");
        }
        assert_eq!(code[1] >> 6, 0);
    }

    #[test]
    fn an_overflow_in_a_later_block_names_that_block_s_first_row() {
        // Seed 0, 3 dims (P = 4), 8 bits: block 0 of [MAX/5, 0, 0] stays finite, block 1
        // overflows (found by a search over seeds and inputs).
        let p = HadamardProjection::new(0, 3, 8).unwrap();
        let x = [f32::MAX / 5.0, 0.0, 0.0];
        let mut s = [0.0f32; 4];
        p.block_into(0, &x, &mut s);
        assert!(s.iter().all(|v| v.is_finite()), "{s:?}");
        let mut out = [1.0f32; 8];
        assert_eq!(
            p.project_into(&x, &mut s, &mut out),
            Err(Error::ProjectionOverflow { row: 4 })
        );
        assert_eq!(out, [0.0; 8], "no half-written output");
        let mut code = [u64::MAX; 1];
        assert!(matches!(
            p.encode_into(&x, Threshold::Zero, &mut s, &mut code),
            Err(Error::ProjectionOverflow { row }) if row >= 4
        ));
        assert_eq!(code, [0]);
    }

    #[test]
    fn accessors_report_the_construction() {
        let p = HadamardProjection::new(0xDEAD_BEEF, 5, 20).unwrap();
        assert_eq!(
            (p.seed(), p.dims(), p.bits(), p.padded_dims(), p.blocks()),
            (0xDEAD_BEEF, 5, 20, 8, 3)
        );
        assert_eq!(HadamardProjection::new(3, 8, 8).unwrap().blocks(), 1);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(HadamardProjection::new(0, 0, 8).is_err());
        assert!(HadamardProjection::new(0, 8, 0).is_err());
        let p = HadamardProjection::new(0, 3, 8).unwrap();
        let mut out = [0u64; 1];
        assert!(
            p.encode_into(&[0.0; 3], Threshold::Zero, &mut [0.0; 3], &mut out)
                .is_err()
        );
        assert_eq!(
            p.encode_into(
                &[0.0, f32::NAN, 0.0],
                Threshold::Zero,
                &mut [0.0; 4],
                &mut out
            ),
            Err(Error::NonFinite { index: 1 })
        );
        assert!(matches!(
            p.encode_into(&[f32::MAX; 3], Threshold::Zero, &mut [0.0; 4], &mut out),
            Err(Error::ProjectionOverflow { .. })
        ));
        assert_eq!(out, [0]);
    }
}
