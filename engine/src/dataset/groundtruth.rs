//! Exact float ground truth: top-k base rows per query by inner product, ties to the smaller
//! index, computed with a blocked f64 matrix multiply (`faer`'s `matmul`).
//!
//! Inputs are f32; their products are exact in f64 and the sums round far below the f32
//! resolution, so the order equals numpy's float64 `queries @ base.T` except for pairs whose
//! inner products differ by less than about 1e-15.

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::data::Matrix;
use crate::dataset::Neighbors;
use crate::engine::with_threads;

/// Queries per multiply block.
const BLOCK: usize = 32;

/// `f64` copy of a matrix.
fn widen(m: &Matrix) -> Vec<f64> {
    m.data.iter().map(|&v| f64::from(v)).collect()
}

/// The order of candidates: larger score first, then the smaller index.
#[inline]
pub fn by_score_then_index(sa: f64, a: u32, sb: f64, b: u32) -> Ordering {
    sb.total_cmp(&sa).then(a.cmp(&b))
}

/// The `k` best of `scores` (all base rows) into `out`, ordered by [`by_score_then_index`].
pub fn top_k_of_scores(scores: &[f64], k: usize, out: &mut Vec<u32>) {
    out.clear();
    let k = k.min(scores.len());
    if k == 0 {
        return;
    }
    let mut idx: Vec<u32> = (0..scores.len() as u32).collect();
    let cmp =
        |a: &u32, b: &u32| by_score_then_index(scores[*a as usize], *a, scores[*b as usize], *b);
    if k < idx.len() {
        idx.select_nth_unstable_by(k - 1, cmp);
        idx.truncate(k);
    }
    idx.sort_unstable_by(cmp);
    out.extend_from_slice(&idx);
}

/// Exact top-`k` base rows per query by inner product (`k` clamped to the base size).
pub fn exact_topk(base: &Matrix, queries: &Matrix, k: usize, threads: usize) -> Neighbors {
    let n = base.rows;
    let d = base.cols;
    let k = k.min(n);
    let b64 = widen(base);
    let q64 = widen(queries);
    let mut ids = vec![0u32; queries.rows * k];
    with_threads(threads, || {
        ids.par_chunks_mut(BLOCK * k)
            .zip(q64.par_chunks(BLOCK * d))
            .for_each(|(out, qb)| {
                let m = qb.len() / d;
                let mut c = vec![0f64; m * n];
                // C[m × n] = Q[m × d] · baseᵀ.
                gemm_abt(m, d, n, qb, &b64, &mut c);
                let mut top = Vec::with_capacity(k);
                for (row, o) in c.chunks_exact(n).zip(out.chunks_exact_mut(k)) {
                    top_k_of_scores(row, k, &mut top);
                    o.copy_from_slice(&top);
                }
            });
    });
    Neighbors { k, ids }
}

/// Every query–base inner product, `[queries × base]` row-major f64 (blocked GEMM, threads
/// over query blocks; the values do not depend on the thread count).
pub fn similarity_matrix(base: &Matrix, queries: &Matrix, threads: usize) -> Vec<f64> {
    let (n, d) = (base.rows, base.cols);
    let b64 = widen(base);
    let q64 = widen(queries);
    let mut sims = vec![0f64; queries.rows * n];
    with_threads(threads, || {
        sims.par_chunks_mut(BLOCK * n)
            .zip(q64.par_chunks(BLOCK * d))
            .for_each(|(c, qb)| gemm_abt(qb.len() / d, d, n, qb, &b64, c));
    });
    sims
}

/// Top-`k` per row of a similarity matrix with `n` columns (ties to the smaller index).
pub fn topk_of_matrix(sims: &[f64], n: usize, k: usize, threads: usize) -> Neighbors {
    let k = k.min(n);
    let rows = sims.len() / n.max(1);
    let mut ids = vec![0u32; rows * k];
    with_threads(threads, || {
        ids.par_chunks_mut(k)
            .zip(sims.par_chunks(n))
            .for_each(|(o, row)| {
                let mut top = Vec::with_capacity(k);
                top_k_of_scores(row, k, &mut top);
                o.copy_from_slice(&top);
            });
    });
    Neighbors { k, ids }
}

/// `c[m × n] = a[m × d] · bᵀ` with `a` `[m × d]`, `b` `[n × d]` and `c` `[m × n]`, all
/// row-major f64 (single-threaded: callers parallelise over blocks).
pub fn gemm_abt(m: usize, d: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
    let a = faer::MatRef::from_row_major_slice(&a[..m * d], m, d);
    let b = faer::MatRef::from_row_major_slice(&b[..n * d], n, d);
    let c = faer::MatMut::from_row_major_slice_mut(&mut c[..m * n], m, n);
    faer::linalg::matmul::matmul(
        c,
        faer::Accum::Replace,
        a,
        b.transpose(),
        1.0,
        faer::Par::Seq,
    );
}

/// Inner product in f64 (four interleaved partial sums; the same order every call).
#[inline]
pub fn dot64(a: &[f32], b: &[f32]) -> f64 {
    let mut acc = [0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..4 {
            acc[i] += f64::from(x[i]) * f64::from(y[i]);
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += f64::from(*x) * f64::from(*y);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// L2 norm of every row, in f64.
pub fn row_norms(m: &Matrix) -> Vec<f64> {
    m.iter_rows().map(|r| dot64(r, r).sqrt()).collect()
}

/// Queries in the spot-check of a ground-truth file.
pub const GT_CHECK_SAMPLE: usize = 16;

/// Relative tolerance of the spot-check: two inner products are equal (a tie) when they differ
/// by at most this times `‖q‖ · max(‖a‖, ‖b‖)` (1e-5 of a cosine for unit rows: a file computed in
/// float32 arithmetic, e.g. by FAISS or numpy, passes; a file of other neighbours does not).
pub const GT_CHECK_TOLERANCE: f64 = 1e-5;

const TAG_GT_CHECK: [u8; 8] = *b"gtcheck_";

/// `count` distinct rows of `0..n` (all of them when `n <= count`), ascending, drawn from the
/// seeded stream of `seed` (Floyd's algorithm).
pub fn sample_rows(n: usize, count: usize, seed: u64) -> Vec<usize> {
    if n <= count {
        return (0..n).collect();
    }
    let mut s = binaryllm_core::rng::SeededStream::new(seed, TAG_GT_CHECK, 0);
    let mut chosen = std::collections::BTreeSet::new();
    for j in n - count..n {
        let w = (u64::from(s.next_u32()) << 32) | u64::from(s.next_u32());
        let t = ((u128::from(w) * (j as u128 + 1)) >> 64) as usize;
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    chosen.into_iter().collect()
}

/// A ground-truth row that an exact search contradicts.
#[derive(Clone, Debug, PartialEq)]
pub struct GtMismatch {
    /// The query row.
    pub row: usize,
    /// The first rank where the file's id is not tied with the exact one.
    pub rank: usize,
    /// The file's first `depth` ids.
    pub file: Vec<u32>,
    /// The exact first `depth` ids.
    pub exact: Vec<u32>,
    /// Inner product of the query with the file's id at `rank`.
    pub file_score: f64,
    /// Inner product of the query with the exact id at `rank`.
    pub exact_score: f64,
}

/// Spot-checks the first `depth` ids of `gt` at the query `rows` against an exact search:
/// at every rank the file's id must have the exact id's inner product (within
/// [`GT_CHECK_TOLERANCE`]), so ties may come in any order; an id listed twice is a mismatch.
pub fn spot_check(
    base: &Matrix,
    queries: &Matrix,
    gt: &Neighbors,
    depth: usize,
    rows: &[usize],
    threads: usize,
) -> Result<(), GtMismatch> {
    let depth = depth.min(gt.k).min(base.rows);
    // Row by row in f32 → f64 (no widened copy of the base: it may be large and out of core).
    let exact: Vec<Vec<u32>> = with_threads(threads, || {
        rows.par_iter()
            .map(|&r| {
                let q = queries.row(r);
                let scores: Vec<f64> = base.iter_rows().map(|b| dot64(q, b)).collect();
                let mut top = Vec::with_capacity(depth);
                top_k_of_scores(&scores, depth, &mut top);
                top
            })
            .collect()
    });
    let norm = |v: &[f32]| dot64(v, v).sqrt();
    for (i, &row) in rows.iter().enumerate() {
        let q = queries.row(row);
        let (file, ex) = (&gt.query(row)[..depth], &exact[i][..]);
        let mut seen = file.to_vec();
        seen.sort_unstable();
        let dup = seen.windows(2).find(|w| w[0] == w[1]).map(|w| w[0]);
        let dup_rank = dup.and_then(|d| file.iter().rposition(|&x| x == d));
        let score = |id: u32| dot64(q, base.row(id as usize));
        let bad = (0..depth).find(|&r| {
            let (a, b) = (base.row(file[r] as usize), base.row(ex[r] as usize));
            let tol = GT_CHECK_TOLERANCE * norm(q) * norm(a).max(norm(b));
            Some(r) == dup_rank || (score(file[r]) - score(ex[r])).abs() > tol
        });
        if let Some(rank) = bad {
            return Err(GtMismatch {
                row,
                rank,
                file: file.to_vec(),
                exact: ex.to_vec(),
                file_score: score(file[rank]),
                exact_score: score(ex[rank]),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use binaryllm_core::rng::{SeededStream, TAG_SYNTHETIC};

    fn random(rows: usize, cols: usize, seed: u64) -> Matrix {
        let mut s = SeededStream::new(seed, TAG_SYNTHETIC, 0);
        Matrix::new(
            rows,
            cols,
            (0..rows * cols)
                .map(|_| s.next_symmetric_uniform())
                .collect(),
        )
    }

    #[test]
    fn gemm_top_k_equals_naive_sort() {
        let base = random(300, 19, 1);
        let q = random(70, 19, 2);
        let gt = exact_topk(&base, &q, 25, 2);
        for i in 0..q.rows {
            let mut all: Vec<(f64, u32)> = (0..base.rows)
                .map(|j| {
                    let s: f64 = q
                        .row(i)
                        .iter()
                        .zip(base.row(j))
                        .map(|(a, b)| f64::from(*a) * f64::from(*b))
                        .sum();
                    (s, j as u32)
                })
                .collect();
            all.sort_by(|x, y| by_score_then_index(x.0, x.1, y.0, y.1));
            let want: Vec<u32> = all[..25].iter().map(|p| p.1).collect();
            assert_eq!(gt.query(i), &want[..], "query {i}");
        }
    }

    #[test]
    fn similarity_matrix_top_k_equals_blocked_top_k() {
        let base = random(130, 7, 3);
        let q = random(45, 7, 4);
        let sims = similarity_matrix(&base, &q, 2);
        assert_eq!(
            topk_of_matrix(&sims, 130, 12, 1),
            exact_topk(&base, &q, 12, 2)
        );
        for (i, row) in sims.chunks(130).enumerate() {
            for (j, &v) in row.iter().enumerate() {
                assert!((v - dot64(q.row(i), base.row(j))).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn ties_go_to_the_smaller_index_and_k_is_clamped() {
        let base = Matrix::new(4, 2, vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.5, 0.0]);
        let q = Matrix::new(1, 2, vec![1.0, 0.0]);
        let gt = exact_topk(&base, &q, 10, 1);
        assert_eq!(gt.k, 4);
        assert_eq!(gt.query(0), &[0, 2, 3, 1]);
    }

    #[test]
    fn spot_check_accepts_the_exact_answer_and_reordered_ties() {
        let base = random(200, 9, 5);
        let q = random(30, 9, 6);
        let gt = exact_topk(&base, &q, 20, 1);
        let rows = sample_rows(30, 16, 0);
        assert_eq!(rows.len(), 16);
        assert!(rows.windows(2).all(|w| w[0] < w[1]) && rows[15] < 30);
        assert_eq!(rows, sample_rows(30, 16, 0), "seeded");
        assert_eq!(sample_rows(5, 16, 0), [0, 1, 2, 3, 4]);
        assert_eq!(spot_check(&base, &q, &gt, 20, &rows, 2), Ok(()));
        // Exact ties (duplicate base rows) in either order pass.
        let tied = Matrix::new(3, 2, vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0]);
        let q1 = Matrix::new(1, 2, vec![1.0, 0.0]);
        let swapped = Neighbors {
            k: 3,
            ids: vec![1, 0, 2],
        };
        assert_eq!(spot_check(&tied, &q1, &swapped, 3, &[0], 1), Ok(()));
        let dup = Neighbors {
            k: 3,
            ids: vec![0, 0, 2],
        };
        assert_eq!(
            spot_check(&tied, &q1, &dup, 3, &[0], 1).unwrap_err().rank,
            1
        );
    }

    #[test]
    fn spot_check_names_the_first_disagreeing_row_and_rank() {
        let base = random(200, 9, 5);
        let q = random(30, 9, 6);
        let mut gt = exact_topk(&base, &q, 20, 1);
        let rows = sample_rows(30, 16, 0);
        let victim = rows[3];
        gt.ids[victim * 20..(victim + 1) * 20].reverse();
        let e = spot_check(&base, &q, &gt, 20, &rows, 1).unwrap_err();
        assert_eq!((e.row, e.rank), (victim, 0));
        assert_eq!(e.file, gt.query(victim));
        assert!(e.exact_score > e.file_score);
    }

    #[test]
    fn gemm_small_product_is_exact() {
        // a = [[1, 2], [3, 4], [5, 6]], b = [[1, 0], [0, 1], [1, 1]] -> a·bᵀ
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let mut c = [f64::NAN; 9];
        gemm_abt(3, 2, 3, &a, &b, &mut c);
        assert_eq!(c, [1.0, 2.0, 3.0, 3.0, 4.0, 7.0, 5.0, 6.0, 11.0]);
    }

    #[test]
    fn dot64_is_exact_on_small_integers() {
        let a: Vec<f32> = (0..11).map(|i| i as f32).collect();
        assert_eq!(dot64(&a, &a), (0..11).map(|i| (i * i) as f64).sum::<f64>());
    }
}
