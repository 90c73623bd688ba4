//! The portable kernels: the oracles and the fallbacks. No `unsafe`.

use super::threshold;
use crate::knn::TopKCollector;

/// Hamming distance of two word slices (over the shorter length).
#[inline]
pub(crate) fn distance(a: &[u64], b: &[u64]) -> u32 {
    let mut sum = 0u32;
    for (x, y) in a.iter().zip(b) {
        sum += (x ^ y).count_ones();
    }
    sum
}

/// Row-major scan: one distance per (query, code), one compare against the running threshold.
pub(crate) fn scan(
    words: usize,
    queries: &[u64],
    tile: &[u64],
    n: usize,
    base: u32,
    tops: &mut [TopKCollector<'_>],
) {
    scan_rows(distance, words, queries, tile, n, base, tops);
}

/// The row-major scan over any distance function (shared by the row kernels without a
/// specialised scan).
#[inline(always)]
pub(crate) fn scan_rows(
    distance: impl Fn(&[u64], &[u64]) -> u32,
    words: usize,
    queries: &[u64],
    tile: &[u64],
    n: usize,
    base: u32,
    tops: &mut [TopKCollector<'_>],
) {
    for (q, top) in queries.chunks_exact(words).zip(tops.iter_mut()) {
        let mut thr = threshold(top);
        for (i, code) in tile.chunks_exact(words).take(n).enumerate() {
            let d = distance(q, code);
            if d < thr {
                top.push(base + i as u32, d);
                thr = threshold(top);
            }
        }
    }
}

/// Vectors per portable projection micro-tile.
pub(crate) const PROJECT_MR: usize = 4;
/// Rows per portable projection micro-tile.
pub(crate) const PROJECT_NR: usize = 8;

/// The reference arithmetic on a `PROJECT_MR × PROJECT_NR` tile: every accumulator starts at
/// its value in `out` and takes `acc = acc + a · b` (two roundings) for `c` in `c0..c1`, index
/// order. The lanes are independent, so a compiler may vectorise across them without changing
/// any bit.
pub(crate) fn project_tile(
    dims: usize,
    c0: usize,
    c1: usize,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
) {
    tile_with(|x, w, s| s + x * w, dims, c0, c1, a, b, out);
}

/// The fused arithmetic on a `PROJECT_MR × PROJECT_NR` tile: `acc = fma(a, b, acc)` (one
/// rounding) for `c` in `c0..c1`, index order: the oracle of the fused fast kernels.
pub(crate) fn project_tile_fused(
    dims: usize,
    c0: usize,
    c1: usize,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
) {
    tile_with(super::fmaf, dims, c0, c1, a, b, out);
}

#[inline(always)]
fn tile_with(
    step: impl Fn(f32, f32, f32) -> f32,
    dims: usize,
    c0: usize,
    c1: usize,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
) {
    let mut acc = [[0.0f32; PROJECT_NR]; PROJECT_MR];
    for (accv, o) in acc.iter_mut().zip(out.chunks_exact(PROJECT_NR)) {
        accv.copy_from_slice(o);
    }
    for (c, bc) in (c0..c1).zip(b.chunks_exact(PROJECT_NR)) {
        for (v, accv) in acc.iter_mut().enumerate() {
            let x = a.get(v * dims + c).copied().unwrap_or(0.0);
            for (s, w) in accv.iter_mut().zip(bc) {
                *s = step(x, *w, *s);
            }
        }
    }
    for (o, s) in out.chunks_exact_mut(PROJECT_NR).zip(&acc) {
        o.copy_from_slice(s);
    }
}

/// Sign bits `y[j] >= t[j]` (at most 64) and whether every `y[j]` is finite.
pub(crate) fn signs(y: &[f32], t: &[f32]) -> (u64, bool) {
    let mut m = 0u64;
    let mut finite = true;
    for (j, (a, b)) in y.iter().zip(t).enumerate() {
        m |= u64::from(*a >= *b) << j;
        finite &= a.is_finite();
    }
    (m, finite)
}
