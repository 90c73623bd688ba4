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

/// The in-place unnormalised fast Walsh–Hadamard transform of `v` (Sylvester order); `v.len()`
/// must be a power of two (the callers check it). Stages `h = 1, 2, 4` run as one 8-point
/// transform per group of 8 values (they never mix groups), then the wide stages `h = 8, 16, …`
/// run over contiguous halves, which the compiler vectorises; every output of every stage is
/// one f32 addition or subtraction of the same operands as the textbook loop, so the bits are
/// those of the module docs of [`crate::hadamard`].
#[inline(always)]
pub(crate) fn fwht_body(v: &mut [f32]) {
    if v.len() >= 8 {
        for g in v.chunks_exact_mut(8) {
            fwht8(g);
        }
        fwht_wide(v, 8);
    } else {
        fwht_wide(v, 1);
    }
}

/// The stages `h = h0, 2·h0, …, len/2` of the transform over contiguous halves, two stages per
/// pass where two remain (radix 4: each value is loaded and stored once per two stages; each
/// output still comes from the same operands of the same stage order).
#[inline(always)]
pub(crate) fn fwht_wide(v: &mut [f32], h0: usize) {
    let p = v.len();
    let mut h = h0;
    while 4 * h <= p {
        for block in v.chunks_exact_mut(4 * h) {
            let (lo, hi) = block.split_at_mut(2 * h);
            let (q0, q1) = lo.split_at_mut(h);
            let (q2, q3) = hi.split_at_mut(h);
            for (((a, b), c), d) in q0.iter_mut().zip(q1).zip(q2).zip(q3) {
                // Stage h on the pairs (a, b) and (c, d), then stage 2h on (a, c) and (b, d).
                let (s0, s1, s2, s3) = (*a + *b, *a - *b, *c + *d, *c - *d);
                (*a, *b, *c, *d) = (s0 + s2, s1 + s3, s0 - s2, s1 - s3);
            }
        }
        h *= 4;
    }
    if h < p {
        for block in v.chunks_exact_mut(2 * h) {
            let (lo, hi) = block.split_at_mut(h);
            for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
                let (x, y) = (*a, *b);
                *a = x + y;
                *b = x - y;
            }
        }
    }
}

/// Stages `h = 1, 2, 4` of the transform on 8 values held in registers (read once, written
/// once: no partial stores for a wide load to wait on).
#[inline(always)]
fn fwht8(g: &mut [f32]) {
    let Ok(g) = <&mut [f32; 8]>::try_from(g) else {
        return;
    };
    let [a0, a1, a2, a3, a4, a5, a6, a7] = *g;
    // h = 1
    let (b0, b1, b2, b3) = (a0 + a1, a0 - a1, a2 + a3, a2 - a3);
    let (b4, b5, b6, b7) = (a4 + a5, a4 - a5, a6 + a7, a6 - a7);
    // h = 2
    let (c0, c1, c2, c3) = (b0 + b2, b1 + b3, b0 - b2, b1 - b3);
    let (c4, c5, c6, c7) = (b4 + b6, b5 + b7, b4 - b6, b5 - b7);
    // h = 4
    *g = [
        c0 + c4,
        c1 + c5,
        c2 + c6,
        c3 + c7,
        c0 - c4,
        c1 - c5,
        c2 - c6,
        c3 - c7,
    ];
}

/// The kernel entry: `v[c]` negated where `masks[c]` is the f32 sign bit (`masks` as long as
/// `v`, checked by the caller; `None`: no flips), then [`fwht_body`].
pub(crate) fn fwht(v: &mut [f32], masks: Option<&[u32]>) {
    if let Some(masks) = masks {
        flip(v, masks);
    }
    fwht_body(v);
}

/// `v[c] ^= masks[c]` on the bits of each f32 (a negation where the mask is the sign bit).
#[inline(always)]
pub(crate) fn flip(v: &mut [f32], masks: &[u32]) {
    for (x, m) in v.iter_mut().zip(masks) {
        *x = f32::from_bits(x.to_bits() ^ m);
    }
}
