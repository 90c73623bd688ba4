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
