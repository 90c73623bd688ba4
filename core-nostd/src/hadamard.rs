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

use crate::arch::{ProjectKernel, portable};
use crate::binarize::{Threshold, check_finite};
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
/// The portable form of [`ProjectKernel::fwht`].
pub fn fwht_in_place(v: &mut [f32]) {
    let p = if v.is_empty() {
        0
    } else {
        1usize << v.len().ilog2()
    };
    if let Some(v) = v.get_mut(..p) {
        portable::fwht_body(v);
    }
}

/// The sign flips of a round: generated from the seed, or read from masks made once.
#[derive(Clone, Copy)]
enum Signs<'a> {
    Stream,
    /// `0x8000_0000` (the f32 sign bit) where a round negates, else 0:
    /// [`HadamardPlan::masks_len`] words in (block, round, coordinate) order.
    Masks(&'a [u32]),
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
    #[cfg(test)]
    fn block_into(&self, block: usize, x: &[f32], scratch: &mut [f32]) {
        self.block_with(Signs::Stream, &ProjectKernel::PORTABLE, block, x, scratch);
    }

    /// [`block_into`](Self::block_into) with the signs and the transform given.
    fn block_with(
        &self,
        signs: Signs<'_>,
        kernel: &ProjectKernel,
        block: usize,
        x: &[f32],
        scratch: &mut [f32],
    ) {
        let n = x.len().min(scratch.len());
        let (head, tail) = scratch.split_at_mut(n);
        head.copy_from_slice(x.get(..n).unwrap_or(&[]));
        tail.fill(0.0);
        self.rounds_with(signs, kernel, block, scratch);
    }

    fn check_io(&self, x: &[f32], scratch: &[f32]) -> Result<()> {
        check_len(self.dims(), x.len())?;
        check_len(self.padded_dims(), scratch.len())?;
        check_finite(x)
    }

    /// Writes all `bits` outputs into `out`, using `scratch` (`P` values).
    pub fn project_into(&self, x: &[f32], scratch: &mut [f32], out: &mut [f32]) -> Result<()> {
        self.project_with(Signs::Stream, &ProjectKernel::PORTABLE, x, scratch, out)
    }

    fn project_with(
        &self,
        signs: Signs<'_>,
        kernel: &ProjectKernel,
        x: &[f32],
        scratch: &mut [f32],
        out: &mut [f32],
    ) -> Result<()> {
        check_len(self.bits(), out.len())?;
        self.check_io(x, scratch)?;
        for (block, chunk) in out.chunks_mut(self.padded_dims()).enumerate() {
            self.block_with(signs, kernel, block, x, scratch);
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
        self.encode_with(
            Signs::Stream,
            &ProjectKernel::PORTABLE,
            x,
            threshold,
            scratch,
            out,
        )
    }

    fn encode_with(
        &self,
        signs: Signs<'_>,
        kernel: &ProjectKernel,
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
            self.block_with(signs, kernel, block, x, scratch);
            let start = block * p;
            let end = (start + p).min(self.bits());
            if let Err(e) = signs_into(kernel, scratch, start..end, threshold, out) {
                out.fill(0);
                return Err(e);
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
        self.rounds_with(Signs::Stream, &ProjectKernel::PORTABLE, block, scratch);
    }

    fn rounds_with(
        &self,
        signs: Signs<'_>,
        kernel: &ProjectKernel,
        block: usize,
        scratch: &mut [f32],
    ) {
        let p = self.padded_dims();
        for round in 0..HADAMARD_ROUNDS {
            let stream = block * HADAMARD_ROUNDS + round;
            let masks = match signs {
                Signs::Stream => {
                    let mut words = SeededStream::new(self.seed, TAG_HADAMARD, stream as u64);
                    for chunk in scratch.chunks_mut(32) {
                        let w = words.next_u32();
                        for (i, v) in chunk.iter_mut().enumerate() {
                            if (w >> i) & 1 == 0 {
                                *v = -*v;
                            }
                        }
                    }
                    None
                }
                // `HadamardPlan::masks_len` words: this round's `P` are flipped by the kernel.
                Signs::Masks(masks) => masks.get(stream * p..(stream + 1) * p),
            };
            (kernel.fwht)(scratch, masks);
        }
    }
}

/// ORs the sign bits of outputs `rows` (held in `y`, from its start) into `out`, one piece per
/// word of `out` the rows touch, with `kernel`'s sign rule (`y >= threshold`, finiteness checked
/// on the way). [`Error::ProjectionOverflow`] names the first non-finite output.
fn signs_into(
    kernel: &ProjectKernel,
    y: &[f32],
    rows: core::ops::Range<usize>,
    threshold: Threshold<'_>,
    out: &mut [u64],
) -> Result<()> {
    let uniform = [threshold.get(0); 64];
    for word in rows.start / 64..rows.end.div_ceil(64) {
        let (lo, hi) = (rows.start.max(64 * word), rows.end.min(64 * word + 64));
        let values = y.get(lo - rows.start..hi - rows.start).unwrap_or(&[]);
        let thresholds = match threshold {
            Threshold::PerBit(ts) => ts.get(lo..hi).unwrap_or(&[]),
            Threshold::Zero | Threshold::Uniform(_) => uniform.get(..hi - lo).unwrap_or(&[]),
        };
        let (mask, finite) = kernel.signs(values, thresholds)?;
        if !finite {
            let bad = values.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(Error::ProjectionOverflow { row: sat(lo + bad) });
        }
        if let Some(w) = out.get_mut(word) {
            *w |= mask << (lo % 64);
        }
    }
    Ok(())
}

/// A [`HadamardProjection`] ready for many vectors: its sign flips expanded once into
/// caller-owned masks and the transform of a chosen [`ProjectKernel`], so a row costs three
/// XOR passes and three transforms per block instead of regenerating the signs. Gives the bits
/// of the projection's own [`encode_into`](HadamardProjection::encode_into) and
/// [`project_into`](HadamardProjection::project_into) (negation is a sign-bit flip; every
/// kernel's transform is the same f32 operations).
#[derive(Clone, Copy, Debug)]
pub struct HadamardPlan<'a> {
    projection: HadamardProjection,
    kernel: ProjectKernel,
    masks: &'a [u32],
}

impl<'a> HadamardPlan<'a> {
    /// Words of mask storage a plan of `projection` needs: `blocks · HADAMARD_ROUNDS · P`.
    pub const fn masks_len(projection: &HadamardProjection) -> usize {
        projection.blocks() * HADAMARD_ROUNDS * projection.padded_dims()
    }

    /// A plan of `projection` using `kernel`'s transform; fills `masks` (exactly
    /// [`masks_len`](Self::masks_len) words, else [`Error::DimensionMismatch`]) with its signs.
    pub fn new(
        projection: HadamardProjection,
        kernel: ProjectKernel,
        masks: &'a mut [u32],
    ) -> Result<Self> {
        let p = projection.padded_dims();
        check_len(Self::masks_len(&projection), masks.len())?;
        for (stream, round) in masks.chunks_exact_mut(p).enumerate() {
            let mut words = SeededStream::new(projection.seed, TAG_HADAMARD, stream as u64);
            for chunk in round.chunks_mut(32) {
                let w = words.next_u32();
                for (i, m) in chunk.iter_mut().enumerate() {
                    *m = (!w >> i & 1) << 31;
                }
            }
        }
        Ok(Self {
            projection,
            kernel,
            masks,
        })
    }

    /// The projection.
    pub const fn projection(&self) -> &HadamardProjection {
        &self.projection
    }

    /// The kernel whose transform the plan runs.
    pub const fn kernel(&self) -> &ProjectKernel {
        &self.kernel
    }

    /// [`HadamardProjection::encode_into`], with the plan's masks and transform.
    pub fn encode_into(
        &self,
        x: &[f32],
        threshold: Threshold<'_>,
        scratch: &mut [f32],
        out: &mut [u64],
    ) -> Result<()> {
        let (signs, kernel) = (Signs::Masks(self.masks), &self.kernel);
        self.projection
            .encode_with(signs, kernel, x, threshold, scratch, out)
    }

    /// [`HadamardProjection::project_into`], with the plan's masks and transform.
    pub fn project_into(&self, x: &[f32], scratch: &mut [f32], out: &mut [f32]) -> Result<()> {
        let (signs, kernel) = (Signs::Masks(self.masks), &self.kernel);
        self.projection.project_with(signs, kernel, x, scratch, out)
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

    /// Every kernel's plan against the projection's own per-row path: codes for zero, uniform
    /// and per-bit thresholds, projections bit for bit, widths below one word (`P < 64`, blocks
    /// not word-aligned) and over several blocks.
    #[test]
    fn a_plan_gives_the_bits_of_the_per_row_path_on_every_kernel() {
        use crate::arch::{Arithmetic, ProjectKernel};
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let kernels: Vec<ProjectKernel> = ProjectKernel::available()
            .chain(ProjectKernel::available_with(Arithmetic::Fused))
            .collect();
        let case = (
            any::<u64>(),
            1usize..70,
            1usize..300,
            proptest::collection::vec(-3.0f32..3.0, 70),
            0usize..3,
        );
        // Shapes that must be in every run: blocks inside one word (P = 8), word-aligned blocks
        // over several words (P = 64, 128), the last block partial, and the README's 384 → 256.
        let fixed = [
            (5, 70),
            (40, 100),
            (100, 300),
            (65, 200),
            (384, 256),
            (1, 9),
        ];
        let vals: Vec<f32> = (0..384)
            .map(|i| ((i * 37) % 23) as f32 / 7.0 - 1.5)
            .collect();
        for (i, &(dims, bits)) in fixed.iter().enumerate() {
            for mode in 0..3 {
                check_plan(&kernels, i as u64, dims, bits, &vals, mode).unwrap();
            }
        }
        TestRunner::new(Config::with_cases(64))
            .run(&case, |(seed, dims, bits, vals, mode)| {
                check_plan(&kernels, seed, dims, bits, &vals, mode)
            })
            .unwrap();
    }

    fn check_plan(
        kernels: &[crate::arch::ProjectKernel],
        seed: u64,
        dims: usize,
        bits: usize,
        vals: &[f32],
        mode: usize,
    ) -> core::result::Result<(), proptest::test_runner::TestCaseError> {
        use proptest::prelude::*;
        {
            {
                let p = HadamardProjection::new(seed, dims, bits).unwrap();
                let x = &vals[..dims];
                let per_bit: Vec<f32> = (0..bits).map(|j| vals[j % dims] * 0.5).collect();
                let th = [
                    Threshold::Zero,
                    Threshold::Uniform(0.25),
                    Threshold::PerBit(&per_bit),
                ][mode];
                let mut scratch = vec![0f32; p.padded_dims()];
                let words = bits.div_ceil(64);
                let (mut want, mut want_y) = (vec![0u64; words], vec![0f32; bits]);
                p.encode_into(x, th, &mut scratch, &mut want).unwrap();
                p.project_into(x, &mut scratch, &mut want_y).unwrap();
                let want_y: Vec<u32> = want_y.iter().map(|v| v.to_bits()).collect();
                // The code is the sign rule on the projection, bit for bit.
                for (j, v) in f32s(&want_y).iter().enumerate() {
                    let bit = (want[j / 64] >> (j % 64)) & 1 == 1;
                    prop_assert_eq!(bit, *v >= th.get(j), "bit {} of {:?}", j, p);
                }
                prop_assert!(
                    bits.is_multiple_of(64) || want[words - 1] >> (bits % 64) == 0,
                    "padding"
                );
                for &k in kernels {
                    let mut masks = vec![7u32; HadamardPlan::masks_len(&p)];
                    let plan = HadamardPlan::new(p, k, &mut masks).unwrap();
                    assert_eq!(plan.projection(), &p);
                    assert_eq!(plan.kernel().name(), k.name());
                    let mut got = vec![u64::MAX; words];
                    plan.encode_into(x, th, &mut scratch, &mut got).unwrap();
                    prop_assert_eq!(&got, &want, "{} {:?}", k.name(), p);
                    let mut y = vec![f32::NAN; bits];
                    plan.project_into(x, &mut scratch, &mut y).unwrap();
                    let y: Vec<u32> = y.iter().map(|v| v.to_bits()).collect();
                    prop_assert_eq!(&y, &want_y, "{} {:?}", k.name(), p);
                }
                Ok(())
            }
        }
    }

    fn f32s(bits: &[u32]) -> Vec<f32> {
        bits.iter().map(|&b| f32::from_bits(b)).collect()
    }

    /// Encoding names the first non-finite output exactly (not the block's or the word's first
    /// row): over seeds, inputs whose first overflow lies inside a block, checked against the
    /// block's outputs computed on their own.
    #[test]
    fn an_overflow_names_the_first_non_finite_output() {
        let k = ProjectKernel::detect();
        let mut inside = 0;
        for (seed, div) in (0..16u64).flat_map(|s| (2..24).map(move |d| (s, d as f32))) {
            let p = HadamardProjection::new(seed, 3, 8).unwrap();
            let x = [
                f32::MAX / div,
                f32::MAX / (2.0 * div),
                f32::MAX / (4.0 * div),
            ];
            let mut s = [0.0f32; 4];
            let first = (0..p.blocks()).find_map(|b| {
                p.block_into(b, &x, &mut s);
                s.iter().position(|v| !v.is_finite()).map(|i| b * 4 + i)
            });
            let Some(row) = first else { continue };
            inside += usize::from(row % 4 != 0);
            let mut code = [u64::MAX; 1];
            let want = Err(Error::ProjectionOverflow { row: row as u32 });
            assert_eq!(
                p.encode_into(&x, Threshold::Zero, &mut s, &mut code),
                want,
                "seed {seed}"
            );
            let mut masks = vec![0u32; HadamardPlan::masks_len(&p)];
            let plan = HadamardPlan::new(p, k, &mut masks).unwrap();
            assert_eq!(
                plan.encode_into(&x, Threshold::Zero, &mut s, &mut code),
                want
            );
            assert_eq!(code, [0]);
        }
        assert!(inside > 0, "no seed overflows inside a block");
    }

    #[test]
    fn a_plan_s_masks_are_the_documented_signs_and_errors_match_the_per_row_path() {
        let p = HadamardProjection::new(9, 40, 100).unwrap();
        assert_eq!(HadamardPlan::masks_len(&p), 2 * 3 * 64);
        let k = ProjectKernel::detect();
        assert!(HadamardPlan::new(p, k, &mut [0u32; 383]).is_err());
        let mut masks = vec![0u32; 384];
        HadamardPlan::new(p, k, &mut masks).unwrap();
        for b in 0..2 {
            for r in 0..HADAMARD_ROUNDS {
                let mut s = SeededStream::new(9, TAG_HADAMARD, (3 * b + r) as u64);
                let words: Vec<u32> = (0..2).map(|_| s.next_u32()).collect();
                for c in 0..64 {
                    let negate = (words[c / 32] >> (c % 32)) & 1 == 0;
                    let m = masks[(3 * b + r) * 64 + c];
                    assert_eq!(m, if negate { 0x8000_0000 } else { 0 }, "b{b} r{r} c{c}");
                }
            }
        }
        // The overflow of the per-row path's test, and a NaN input: same errors, no output.
        let p = HadamardProjection::new(0, 3, 8).unwrap();
        let mut masks = vec![0u32; HadamardPlan::masks_len(&p)];
        let plan = HadamardPlan::new(p, k, &mut masks).unwrap();
        let mut s = [0.0f32; 4];
        for x in [
            [f32::MAX / 5.0, 0.0, 0.0],
            [0.0, f32::NAN, 1.0],
            [f32::MAX; 3],
        ] {
            let (mut a, mut b) = ([u64::MAX; 1], [u64::MAX; 1]);
            let want = p.encode_into(&x, Threshold::Zero, &mut s, &mut a);
            assert_eq!(plan.encode_into(&x, Threshold::Zero, &mut s, &mut b), want);
            assert!(want.is_err());
            assert_eq!((a, b), ([0], [0]));
            let (mut ya, mut yb) = ([1.0f32; 8], [1.0f32; 8]);
            let want = p.project_into(&x, &mut s, &mut ya);
            assert_eq!(plan.project_into(&x, &mut s, &mut yb), want);
            assert_eq!(ya, yb);
        }
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
