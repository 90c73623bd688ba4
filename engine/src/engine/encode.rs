//! The encoder fast path: the projection as a blocked matrix product `X · Wᵀ` on the
//! [`ProjectKernel`] micro-kernels, fused with the sign rule and bit packing, threads over
//! blocks of input vectors.
//!
//! **Bit-identical to the core's reference path** ([`binaryllm_core::encode_into`] /
//! [`binaryllm_core::projection::project_into`]): every output is the sequential f32 dot
//! product in index order with a separate multiply and add (the micro-kernels vectorise across
//! outputs, never across the summation), so the fast path has no differing bit and the result
//! never depends on which kernel ran. Any row whose input or output is not finite is handed to
//! the reference path, which produces the exact error; the smallest failing row is reported.

use binaryllm_core::{
    CodeLayout, ProjectKernel, Projection, Threshold,
    projection::{encode_into, project_into},
};
use rayon::prelude::*;

use super::{EncodeError, with_threads};

/// Bytes of input vectors per block (stays in L2 with its partial sums and a chunk of `W`).
const BLOCK_BYTES: usize = 192 << 10;

/// Bytes of one panel's slice of `W` per chunk of input dimensions: fits L1 (48 KiB on recent
/// cores) beside a group's inputs and sums.
const PANEL_CHUNK_BYTES: usize = 32 << 10;

/// `W` packed for the micro-kernel: panel `p` holds rows `p·nr .. p·nr + nr` column-interleaved
/// (`panel[c · nr + j] = W[p·nr + j][c]`), rows past `bits` zero.
#[derive(Clone, Debug)]
pub struct PackedProjection {
    kernel: ProjectKernel,
    dims: usize,
    bits: usize,
    panels: Vec<f32>,
}

impl PackedProjection {
    /// Packs `p` for `kernel`, or `None` when `p` has no dense rows
    /// ([`Projection::dense_row_into`]).
    pub fn new<P: Projection + ?Sized>(p: &P, kernel: ProjectKernel) -> Option<Self> {
        let (dims, bits, nr) = (p.dims(), p.bits(), kernel.nr());
        let npanels = bits.div_ceil(nr);
        let mut panels = vec![0f32; npanels * nr * dims];
        let mut row = vec![0f32; dims];
        for r in 0..bits {
            if !p.dense_row_into(r, &mut row) {
                return None;
            }
            let panel = &mut panels[(r / nr) * nr * dims..(r / nr + 1) * nr * dims];
            for (c, &v) in row.iter().enumerate() {
                panel[c * nr + r % nr] = v;
            }
        }
        Some(Self {
            kernel,
            dims,
            bits,
            panels,
        })
    }

    /// The micro-kernel the panels were packed for.
    pub fn kernel(&self) -> ProjectKernel {
        self.kernel
    }

    fn panel(&self, p: usize) -> &[f32] {
        let len = self.kernel.nr() * self.dims;
        &self.panels[p * len..(p + 1) * len]
    }

    /// Runs the micro-kernel over every panel for the vectors `x` (`rows · dims`, any count)
    /// and hands `sink(vector, first_row, outputs)` each vector's `nr` outputs of each panel
    /// (only the valid ones: the last panel may be shorter).
    ///
    /// Cache-blocked like a GEMM: the input dimensions are split into chunks of
    /// [`PANEL_CHUNK_BYTES`] of panel, and for each chunk and panel every group of `mr`
    /// vectors continues its partial sums ([`ProjectKernel::micro_tile_continue`]) while that
    /// slice of `W` stays in L1. Each sum still runs over the dimensions in index order and is
    /// stored and reloaded exactly, so the bits are those of one unblocked pass.
    fn for_each_tile(&self, x: &[f32], mut sink: impl FnMut(usize, usize, &[f32])) {
        let (mr, nr, dims) = (self.kernel.mr(), self.kernel.nr(), self.dims);
        let rows = x.len() / dims;
        if rows == 0 {
            return;
        }
        let groups = rows.div_ceil(mr);
        let npanels = self.bits.div_ceil(nr);
        let tile = mr * nr;
        let kc = self.chunk_dims();
        // The last, partial group of vectors padded with zero rows.
        let mut pad = vec![0f32; mr * dims];
        let full = rows / mr;
        pad[..(rows - full * mr) * dims].copy_from_slice(&x[full * mr * dims..]);
        let mut acc = vec![0f32; groups * npanels * tile];
        for c0 in (0..dims).step_by(kc) {
            let c1 = (c0 + kc).min(dims);
            for p in 0..npanels {
                let b = &self.panel(p)[c0 * nr..c1 * nr];
                for g in 0..groups {
                    let a = if g < full {
                        &x[g * mr * dims..(g + 1) * mr * dims]
                    } else {
                        &pad[..]
                    };
                    let out = &mut acc[(g * npanels + p) * tile..(g * npanels + p + 1) * tile];
                    // Cannot fail: the shapes are built above.
                    let _ = self.kernel.micro_tile_continue(dims, c0..c1, a, b, out);
                }
            }
        }
        for g in 0..groups {
            let count = mr.min(rows - g * mr);
            for p in 0..npanels {
                let valid = nr.min(self.bits - p * nr);
                let t = &acc[(g * npanels + p) * tile..(g * npanels + p + 1) * tile];
                for v in 0..count {
                    sink(g * mr + v, p * nr, &t[v * nr..v * nr + valid]);
                }
            }
        }
    }

    /// Input dimensions per chunk: one panel's slice of `W` fills [`PANEL_CHUNK_BYTES`].
    fn chunk_dims(&self) -> usize {
        (PANEL_CHUNK_BYTES / (self.kernel.nr() * 4)).max(1)
    }

    /// Vectors per block for threads and cache.
    fn block_rows(&self) -> usize {
        let mr = self.kernel.mr();
        (BLOCK_BYTES / (self.dims * 4)).max(mr) / mr * mr
    }
}

/// Per-bit thresholds as a table, padded with zeros to whole panels.
fn thresholds(t: Threshold<'_>, bits: usize, nr: usize) -> Vec<f32> {
    (0..bits.div_ceil(nr) * nr)
        .map(|j| if j < bits { t.get(j) } else { 0.0 })
        .collect()
}

/// Fast [`super::encode_matrix`] over packed panels: the codes of `x` (`n · dims`), the words
/// row-major. The caller validated the shape and the threshold.
pub(crate) fn encode_packed<P: Projection + Sync + ?Sized>(
    p: &P,
    packed: &PackedProjection,
    threshold: Threshold<'_>,
    x: &[f32],
    threads: usize,
) -> Result<Vec<u64>, EncodeError> {
    let layout = CodeLayout::new(packed.bits).map_err(|error| EncodeError { row: None, error })?;
    let w = layout.words();
    let kernel = packed.kernel;
    let thr = thresholds(threshold, packed.bits, kernel.nr());
    by_blocks(
        packed,
        x,
        w,
        threads,
        |out, xb, bad| {
            packed.for_each_tile(xb, |v, r0, y| {
                let t = &thr[r0..r0 + y.len()];
                // `nr` divides 64 and panels start at multiples of `nr`: one word.
                let (m, finite) = kernel.signs(y, t).unwrap_or((0, false));
                if !finite {
                    bad.push(v);
                }
                out[v * w + r0 / 64] |= m << (r0 % 64);
            });
        },
        |xv, code| encode_into(p, xv, threshold, code),
    )
}

/// Fast [`super::project_matrix`] over packed panels (bit-identical floats).
pub(crate) fn project_packed<P: Projection + Sync + ?Sized>(
    p: &P,
    packed: &PackedProjection,
    x: &[f32],
    threads: usize,
) -> Result<Vec<f32>, EncodeError> {
    let bits = packed.bits;
    by_blocks(
        packed,
        x,
        bits,
        threads,
        |out, xb, bad| {
            packed.for_each_tile(xb, |v, r0, ys| {
                if ys.iter().any(|f| !f.is_finite()) {
                    bad.push(v);
                }
                out[v * bits + r0..v * bits + r0 + ys.len()].copy_from_slice(ys);
            });
        },
        |xv, yv| project_into(p, xv, yv),
    )
}

/// The threaded driver: blocks of input vectors in parallel, `fast(out, x_block, flagged)`
/// fills a block's `per_row` outputs per vector and flags rows with non-finite outputs (a
/// non-finite input makes every output non-finite: each output has a term `w · x` for every
/// input, so no separate pass over the inputs is needed). Flagged rows are recomputed by
/// `reference(x_row, out_row)`, whose exact error is reported for the smallest failing row (or,
/// should it succeed, which the arithmetic rules out, whose output is kept).
fn by_blocks<T: Copy + Default + Send>(
    packed: &PackedProjection,
    x: &[f32],
    per_row: usize,
    threads: usize,
    fast: impl Fn(&mut [T], &[f32], &mut Vec<usize>) + Sync,
    reference: impl Fn(&[f32], &mut [T]) -> binaryllm_core::Result<()> + Sync,
) -> Result<Vec<T>, EncodeError> {
    let dims = packed.dims;
    let mut out = vec![T::default(); x.len() / dims * per_row];
    let block = packed.block_rows();
    let errors: Vec<EncodeError> = with_threads(threads, || {
        out.par_chunks_mut(block * per_row)
            .zip(x.par_chunks(block * dims))
            .enumerate()
            .filter_map(|(bi, (ob, xb))| {
                let mut bad = Vec::new();
                fast(ob, xb, &mut bad);
                bad.sort_unstable();
                bad.dedup();
                bad.into_iter().find_map(|v| {
                    let xv = &xb[v * dims..(v + 1) * dims];
                    let row = &mut ob[v * per_row..(v + 1) * per_row];
                    row.fill(T::default());
                    reference(xv, row).err().map(|error| EncodeError {
                        row: Some(bi * block + v),
                        error,
                    })
                })
            })
            .collect()
    });
    match errors.into_iter().min_by_key(|e| e.row) {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{encode_matrix, project_matrix};
    use binaryllm_core::{Arithmetic, DenseProjection, Error, ProjectionKind, SeededProjection};
    use proptest::prelude::*;

    fn data(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut s = binaryllm_core::rng::SeededStream::new(seed, *b"encodetx", 0);
        (0..n * dims)
            .map(|i| match i % 11 {
                0 => 0.0,
                1 => -0.0,
                _ => s.next_symmetric_uniform() * 3.0,
            })
            .collect()
    }

    /// The reference: the core's per-row path, rows in order.
    fn reference<P: Projection + ?Sized>(p: &P, t: Threshold<'_>, x: &[f32]) -> Vec<u64> {
        let w = CodeLayout::new(p.bits()).unwrap().words();
        let mut out = vec![0u64; x.len() / p.dims() * w];
        for (o, xv) in out.chunks_exact_mut(w).zip(x.chunks_exact(p.dims())) {
            encode_into(p, xv, t, o).unwrap();
        }
        out
    }

    fn kind() -> impl Strategy<Value = ProjectionKind> {
        prop_oneof![
            Just(ProjectionKind::Gaussian),
            Just(ProjectionKind::Rademacher),
            Just(ProjectionKind::Achlioptas)
        ]
    }

    #[test]
    fn inputs_wider_than_a_panel_chunk_are_summed_across_chunks_exactly() {
        // PANEL_CHUNK_BYTES / (nr · 4) input dimensions per chunk (2,048 at nr = 4): 4,200
        // dimensions take three chunks with every kernel, and the bits stay the reference's.
        let (dims, bits) = (4200, 40);
        let p = SeededProjection::new(ProjectionKind::Gaussian, 5, dims, bits).unwrap();
        let x = data(11, dims, 9);
        let want = reference(&p, Threshold::Zero, &x);
        for k in ProjectKernel::available() {
            let packed = PackedProjection::new(&p, k).unwrap();
            assert!(dims > packed.chunk_dims() * 2, "{}", k.name());
            assert_eq!(
                encode_packed(&p, &packed, Threshold::Zero, &x, 1).unwrap(),
                want,
                "{}",
                k.name()
            );
            let y = project_packed(&p, &packed, &x, 2).unwrap();
            for (r, xv) in x.chunks_exact(dims).enumerate() {
                let mut yr = vec![0f32; bits];
                project_into(&p, xv, &mut yr).unwrap();
                assert!(
                    yr.iter()
                        .zip(&y[r * bits..])
                        .all(|(a, b)| a.to_bits() == b.to_bits())
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn fast_encode_and_project_are_bit_identical_to_the_reference(
            kind in kind(), seed in any::<u64>(), dims in 1usize..70, bits in 1usize..300,
            n in 0usize..40, thr in 0u8..3, threads in 1usize..3,
        ) {
            let p = SeededProjection::new(kind, seed, dims, bits).unwrap();
            let x = data(n, dims, seed ^ 5);
            let per_bit: Vec<f32> = (0..bits).map(|j| (j % 5) as f32 * 0.1 - 0.2).collect();
            let t = match thr { 0 => Threshold::Zero, 1 => Threshold::Uniform(0.05), _ => Threshold::PerBit(&per_bit) };
            let want = reference(&p, t, &x);
            for k in ProjectKernel::available() {
                let packed = PackedProjection::new(&p, k).unwrap();
                let got = encode_packed(&p, &packed, t, &x, threads).unwrap();
                prop_assert_eq!(&got, &want, "{}", k.name());
                let y = project_packed(&p, &packed, &x, threads).unwrap();
                for (r, xv) in x.chunks_exact(dims).enumerate() {
                    let mut yr = vec![0f32; bits];
                    project_into(&p, xv, &mut yr).unwrap();
                    let a: Vec<u32> = yr.iter().map(|v| v.to_bits()).collect();
                    let b: Vec<u32> = y[r * bits..(r + 1) * bits].iter().map(|v| v.to_bits()).collect();
                    prop_assert_eq!(a, b);
                }
            }
            // The façade takes the fast path and agrees too.
            prop_assert_eq!(encode_matrix(&p, t, &x, threads).unwrap().into_words(), want.clone());
            let mut m = vec![0f32; dims * bits];
            p.materialize_into(&mut m).unwrap();
            let d = DenseProjection::new(&m, dims, bits).unwrap();
            prop_assert_eq!(encode_matrix(&d, t, &x, threads).unwrap().into_words(), want);
            prop_assert_eq!(project_matrix(&d, &x, threads).unwrap().len(), n * bits);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn fused_encode_is_the_sign_of_the_fused_sequential_dot_product(
            seed in any::<u64>(), dims in 1usize..70, bits in 1usize..300,
            n in 0usize..40, threads in 1usize..3,
        ) {
            let p = SeededProjection::new(ProjectionKind::Gaussian, seed, dims, bits).unwrap();
            let mut m = vec![0f32; dims * bits];
            p.materialize_into(&mut m).unwrap();
            let x = data(n, dims, seed ^ 9);
            let t: Vec<f32> = (0..bits).map(|j| (j % 7) as f32 * 0.05 - 0.15).collect();
            let words = bits.div_ceil(64);
            let mut want = vec![0u64; n * words];
            for (r, xv) in x.chunks_exact(dims).enumerate() {
                for (j, row) in m.chunks_exact(dims).enumerate() {
                    let y = binaryllm_core::projection::dot_fused_sequential(row, xv);
                    want[r * words + j / 64] |= u64::from(y >= t[j]) << (j % 64);
                }
            }
            for k in ProjectKernel::available_with(Arithmetic::Fused) {
                let packed = PackedProjection::new(&p, k).unwrap();
                let got = encode_packed(&p, &packed, Threshold::PerBit(&t), &x, threads).unwrap();
                prop_assert_eq!(&got, &want, "{}", k.name());
            }
        }
    }

    #[test]
    fn errors_name_the_smallest_failing_row_like_the_reference() {
        let p = SeededProjection::new(ProjectionKind::Gaussian, 1, 6, 40).unwrap();
        let mut x = data(300, 6, 2);
        x[250 * 6 + 4] = f32::NAN;
        x[130 * 6] = f32::MAX; // overflows some output of row 130
        x[130 * 6 + 1] = f32::MAX;
        for k in ProjectKernel::available() {
            let packed = PackedProjection::new(&p, k).unwrap();
            for threads in [1, 2] {
                let e = encode_packed(&p, &packed, Threshold::Zero, &x, threads).unwrap_err();
                let mut tmp = [0u64; 1];
                let want = encode_into(&p, &x[130 * 6..131 * 6], Threshold::Zero, &mut tmp);
                assert_eq!(e.row, Some(130));
                assert_eq!(Err(e.error), want);
                assert!(matches!(e.error, Error::ProjectionOverflow { .. }));
                let e = project_packed(&p, &packed, &x, threads).unwrap_err();
                assert_eq!(e.row, Some(130));
            }
        }
        x[130 * 6] = 0.0;
        x[130 * 6 + 1] = 0.0;
        let e = encode_matrix(&p, Threshold::Zero, &x, 2).unwrap_err();
        assert_eq!((e.row, e.error), (Some(250), Error::NonFinite { index: 4 }));
    }

    #[test]
    fn errors_past_the_first_block_name_their_row() {
        // 4,200 dimensions: a block holds a few dozen vectors, so row 70 is in a later block.
        let dims = 4200;
        let p = SeededProjection::new(ProjectionKind::Gaussian, 2, dims, 16).unwrap();
        let mut x = data(90, dims, 4);
        x[70 * dims + 3] = f32::INFINITY;
        for k in ProjectKernel::available() {
            let packed = PackedProjection::new(&p, k).unwrap();
            assert!(packed.block_rows() < 70, "{}", k.name());
            let e = encode_packed(&p, &packed, Threshold::Zero, &x, 2).unwrap_err();
            assert_eq!(e.row, Some(70), "{}", k.name());
            let e = project_packed(&p, &packed, &x, 1).unwrap_err();
            assert_eq!(e.row, Some(70), "{}", k.name());
            // The reference's own error for that row, not one of a misplaced output row.
            let mut y = vec![0f32; 16];
            assert_eq!(
                Err(e.error),
                project_into(&p, &x[70 * dims..71 * dims], &mut y)
            );
        }
    }

    #[test]
    fn blocks_are_whole_micro_tiles_of_about_block_bytes() {
        for k in ProjectKernel::available() {
            for dims in [1, 7, 100, 384, 5000, 40_000] {
                let q = SeededProjection::new(ProjectionKind::Gaussian, 1, dims, 8).unwrap();
                let packed = PackedProjection::new(&q, k).unwrap();
                let (b, mr, row) = (packed.block_rows(), k.mr(), dims * 4);
                assert!(
                    b > 0 && b.is_multiple_of(mr),
                    "{} dims {dims}: {b}",
                    k.name()
                );
                if row * mr <= BLOCK_BYTES {
                    // As many rows as fit, rounded down to whole micro-tiles.
                    assert!(
                        b * row <= BLOCK_BYTES && (b + mr) * row > BLOCK_BYTES,
                        "{} dims {dims}: {b}",
                        k.name()
                    );
                } else {
                    assert_eq!(b, mr, "{} dims {dims}", k.name());
                }
            }
            // Chunks of input dimensions: as many as fit PANEL_CHUNK_BYTES for one panel.
            let packed = PackedProjection::new(
                &SeededProjection::new(ProjectionKind::Gaussian, 1, 8, 8).unwrap(),
                k,
            )
            .unwrap();
            let (kc, nr) = (packed.chunk_dims(), k.nr());
            assert!(kc * nr * 4 <= PANEL_CHUNK_BYTES && (kc + 1) * nr * 4 > PANEL_CHUNK_BYTES);
        }
    }

    /// A projection without dense rows takes the reference path.
    struct Opaque(SeededProjection);
    impl Projection for Opaque {
        fn dims(&self) -> usize {
            self.0.dims()
        }
        fn bits(&self) -> usize {
            self.0.bits()
        }
        fn project_row(&self, row: usize, x: &[f32]) -> f32 {
            self.0.project_row(row, x)
        }
    }

    #[test]
    fn projections_without_dense_rows_use_the_reference_path() {
        let p = SeededProjection::new(ProjectionKind::Rademacher, 4, 9, 70).unwrap();
        assert!(PackedProjection::new(&Opaque(p), ProjectKernel::PORTABLE).is_none());
        let x = data(20, 9, 3);
        assert_eq!(
            encode_matrix(&Opaque(p), Threshold::Zero, &x, 2).unwrap(),
            encode_matrix(&p, Threshold::Zero, &x, 2).unwrap()
        );
    }
}
