//! x86_64 Hamming kernels: scalar `popcnt` (rows, 4 queries per pass), AVX2 (nibble-LUT
//! `vpshufb` on word-interleaved blocks of 8 codes) and AVX-512 `vpopcntq` (same layout).

// The kernels index several parallel per-query register arrays (accumulators, thresholds,
// masks, query words) with one loop counter; iterator zips would hide the register block.
#![allow(clippy::needless_range_loop)]

use core::arch::x86_64::*;

use super::super::{BLOCK, emit, threshold};
use crate::knn::TopKCollector;

/// Queries compared per pass over a tile (the register block).
const R: usize = 4;

/// Splits the queries into groups of `R` (and single leftovers) and calls `$group` on each.
macro_rules! by_query_group {
    ($group:ident, $W:ident, $w:expr, $queries:expr, $tile:expr, $n:expr, $base:expr, $tops:expr) => {{
        let mut qs = $queries.chunks_exact(R * $w);
        let mut ts = $tops.chunks_exact_mut(R);
        for (q, t) in (&mut qs).zip(&mut ts) {
            $group::<$W, R>($w, q, $tile, $n, $base, t);
        }
        for (q, t) in qs
            .remainder()
            .chunks_exact($w)
            .zip(ts.into_remainder().chunks_exact_mut(1))
        {
            $group::<$W, 1>($w, q, $tile, $n, $base, t);
        }
    }};
}

/// Defines a kernel's scan entry (`$entry`, the `ScanFn` stored in its [`Kernel`](crate::Kernel)) and its
/// per-width body `$scan::<W>` (compiled with `$features`), which runs `$group` on every
/// group of queries.
macro_rules! scan_kernel {
    ($entry:ident, $scan:ident, $group:ident, $features:literal) => {
        pub(super) fn $entry(
            words: usize,
            queries: &[u64],
            tile: &[u64],
            n: usize,
            base: u32,
            tops: &mut [TopKCollector<'_>],
        ) {
            // SAFETY: only reachable through the `Kernel` built by `kernels`, which checked
            // the CPU features `$features`; `Kernel::scan` validated the lengths.
            unsafe { by_width!($scan, words, words, queries, tile, n, base, tops) }
        }

        #[target_feature(enable = $features)]
        fn $scan<const W: usize>(
            words: usize,
            queries: &[u64],
            tile: &[u64],
            n: usize,
            base: u32,
            tops: &mut [TopKCollector<'_>],
        ) {
            let w = if W == 0 { words } else { W };
            by_query_group!($group, W, w, queries, tile, n, base, tops);
        }
    };
}

// ---------------------------------------------------------------- scalar popcnt, row layout

pub(super) fn distance_popcnt_entry(a: &[u64], b: &[u64]) -> u32 {
    // SAFETY: only reachable through the `Kernel` built by `kernels`, which checked `popcnt`.
    unsafe { distance_popcnt(a, b) }
}

/// Four independent accumulators so the `popcnt` latency chains overlap.
#[target_feature(enable = "popcnt")]
fn distance_popcnt(a: &[u64], b: &[u64]) -> u32 {
    let n = a.len().min(b.len());
    let (a, b) = (a.get(..n).unwrap_or(&[]), b.get(..n).unwrap_or(&[]));
    let mut acc = [0u32; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for ((s, p), q) in acc.iter_mut().zip(x).zip(y) {
            *s += (p ^ q).count_ones();
        }
    }
    let mut sum = acc.iter().sum::<u32>();
    for (p, q) in ca.remainder().iter().zip(cb.remainder()) {
        sum += (p ^ q).count_ones();
    }
    sum
}

scan_kernel!(scan_popcnt_entry, scan_popcnt, group_popcnt, "popcnt");

/// `Q` queries against the first `n` row-major codes of `tile`: each code word is loaded once
/// and XORed with the same word of the `Q` queries (`Q` independent `popcnt` chains).
#[target_feature(enable = "popcnt")]
#[inline]
fn group_popcnt<const W: usize, const Q: usize>(
    w: usize,
    q: &[u64],
    tile: &[u64],
    n: usize,
    base: u32,
    tops: &mut [TopKCollector<'_>],
) {
    let mut thr = [u32::MAX; Q];
    for (t, top) in thr.iter_mut().zip(tops.iter()) {
        *t = threshold(top);
    }
    let (tp, qp) = (tile.as_ptr(), q.as_ptr());
    for i in 0..n {
        let mut d = [0u32; Q];
        for j in 0..w {
            // SAFETY: i·w + j < n·w <= tile.len() (Kernel::scan).
            let x = unsafe { *tp.add(i * w + j) };
            for r in 0..Q {
                // SAFETY: r·w + j < Q·w == q.len().
                d[r] += (x ^ unsafe { *qp.add(r * w + j) }).count_ones();
            }
        }
        for r in 0..Q {
            if d[r] < thr[r]
                && let Some(top) = tops.get_mut(r)
            {
                top.push(base + i as u32, d[r]);
                thr[r] = threshold(top);
            }
        }
    }
}

// ------------------------------------------------------- AVX2, interleaved blocks of 8 codes

pub(super) fn distance_avx2_entry(a: &[u64], b: &[u64]) -> u32 {
    // SAFETY: only reachable through the `Kernel` built by `kernels`, which checked `avx2`.
    unsafe { distance_avx2(a, b) }
}

/// Byte-wise popcount of `x` with the nibble lookup table `lut` (Muła's `vpshufb` method).
#[target_feature(enable = "avx2")]
#[inline]
fn popcnt_bytes(x: __m256i, lut: __m256i, low: __m256i) -> __m256i {
    let lo = _mm256_and_si256(x, low);
    let hi = _mm256_and_si256(_mm256_srli_epi16::<4>(x), low);
    _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi))
}

#[target_feature(enable = "avx2")]
#[inline]
fn nibble_lut() -> (__m256i, __m256i) {
    let lut = _mm256_setr_epi8(
        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3,
        3, 4,
    );
    (lut, _mm256_set1_epi8(0x0f))
}

#[target_feature(enable = "avx2")]
fn distance_avx2(a: &[u64], b: &[u64]) -> u32 {
    let n = a.len().min(b.len());
    let (lut, low) = nibble_lut();
    let mut total = _mm256_setzero_si256();
    let mut i = 0;
    while i + 4 <= n {
        // Byte counters hold at most 8 per word: flush every 31 vectors.
        let end = (i + 4 * 31).min(n & !3);
        let mut acc = _mm256_setzero_si256();
        while i < end {
            // SAFETY: i + 4 <= n <= a.len(), b.len().
            let (x, y) = unsafe {
                (
                    _mm256_loadu_si256(a.as_ptr().add(i).cast()),
                    _mm256_loadu_si256(b.as_ptr().add(i).cast()),
                )
            };
            acc = _mm256_add_epi8(acc, popcnt_bytes(_mm256_xor_si256(x, y), lut, low));
            i += 4;
        }
        total = _mm256_add_epi64(total, _mm256_sad_epu8(acc, _mm256_setzero_si256()));
    }
    let mut lanes = [0u64; 4];
    // SAFETY: `lanes` is 32 bytes.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), total) };
    let mut sum = lanes.iter().sum::<u64>() as u32;
    for (p, q) in a
        .get(i..n)
        .unwrap_or(&[])
        .iter()
        .zip(b.get(i..n).unwrap_or(&[]))
    {
        sum += (p ^ q).count_ones();
    }
    sum
}

scan_kernel!(scan_avx2_entry, scan_avx2, group_avx2, "avx2");

/// Mask of the valid lanes of block `b` of a tile of `n` codes.
#[inline(always)]
fn valid_lanes(b: usize, n: usize) -> u32 {
    let left = n - b * BLOCK;
    if left >= BLOCK {
        (1 << BLOCK) - 1
    } else {
        (1 << left) - 1
    }
}

/// `Q` queries against the first `n` codes of an interleaved tile: per word, two loads of 4
/// codes, per query XOR + nibble-LUT byte counts accumulated as bytes, summed by `vpsadbw`
/// every 31 words; then one compare with the running thresholds per 8 codes.
#[target_feature(enable = "avx2")]
#[inline]
fn group_avx2<const W: usize, const Q: usize>(
    w: usize,
    q: &[u64],
    tile: &[u64],
    n: usize,
    base: u32,
    tops: &mut [TopKCollector<'_>],
) {
    let (lut, low) = nibble_lut();
    let zero = _mm256_setzero_si256();
    let mut thr = [zero; Q];
    for (t, top) in thr.iter_mut().zip(tops.iter()) {
        *t = _mm256_set1_epi64x(i64::from(threshold(top)));
    }
    let (tp, qp) = (tile.as_ptr(), q.as_ptr());
    for b in 0..n.div_ceil(BLOCK) {
        let mut lo = [zero; Q];
        let mut hi = [zero; Q];
        let mut j = 0;
        while j < w {
            let end = (j + 31).min(w);
            let mut blo = [zero; Q];
            let mut bhi = [zero; Q];
            while j < end {
                // SAFETY: (b·w + j)·8 + 8 <= ceil(n/8)·8·w <= tile.len() (Kernel::scan).
                let (v0, v1) = unsafe {
                    let p = tp.add((b * w + j) * BLOCK);
                    (
                        _mm256_loadu_si256(p.cast()),
                        _mm256_loadu_si256(p.add(4).cast()),
                    )
                };
                for r in 0..Q {
                    // SAFETY: r·w + j < Q·w == q.len().
                    let qv = _mm256_set1_epi64x(unsafe { *qp.add(r * w + j) } as i64);
                    let c0 = popcnt_bytes(_mm256_xor_si256(v0, qv), lut, low);
                    let c1 = popcnt_bytes(_mm256_xor_si256(v1, qv), lut, low);
                    blo[r] = _mm256_add_epi8(blo[r], c0);
                    bhi[r] = _mm256_add_epi8(bhi[r], c1);
                }
                j += 1;
            }
            for r in 0..Q {
                lo[r] = _mm256_add_epi64(lo[r], _mm256_sad_epu8(blo[r], zero));
                hi[r] = _mm256_add_epi64(hi[r], _mm256_sad_epu8(bhi[r], zero));
            }
        }
        let valid = valid_lanes(b, n);
        let mut m = [0u32; Q];
        let mut any = 0;
        for r in 0..Q {
            let l = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(thr[r], lo[r])));
            let h = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(thr[r], hi[r])));
            m[r] = ((l as u32) | ((h as u32) << 4)) & valid;
            any |= m[r];
        }
        if any != 0 {
            for r in 0..Q {
                if m[r] == 0 {
                    continue;
                }
                let mut d = [0u64; BLOCK];
                // SAFETY: `d` is 64 bytes.
                unsafe {
                    _mm256_storeu_si256(d.as_mut_ptr().cast(), lo[r]);
                    _mm256_storeu_si256(d.as_mut_ptr().add(4).cast(), hi[r]);
                }
                if let Some(top) = tops.get_mut(r) {
                    emit(&d, m[r], base + (b * BLOCK) as u32, top);
                    thr[r] = _mm256_set1_epi64x(i64::from(threshold(top)));
                }
            }
        }
    }
}

// ---------------------------------------------------- AVX-512, interleaved blocks of 8 codes

pub(super) fn distance_avx512_entry(a: &[u64], b: &[u64]) -> u32 {
    // SAFETY: only reachable through the `Kernel` built by `kernels`, which checked `avx512f`
    // and `avx512vpopcntdq`.
    unsafe { distance_avx512(a, b) }
}

#[target_feature(enable = "avx512f,avx512vpopcntdq")]
fn distance_avx512(a: &[u64], b: &[u64]) -> u32 {
    let n = a.len().min(b.len());
    let mut acc = _mm512_setzero_si512();
    let mut i = 0;
    while i < n {
        let left = n - i;
        let mask: __mmask8 = if left >= 8 { 0xff } else { (1u8 << left) - 1 };
        // SAFETY: the masked loads read only words i..i + min(8, left) < n of both slices.
        let (x, y) = unsafe {
            (
                _mm512_maskz_loadu_epi64(mask, a.as_ptr().add(i).cast()),
                _mm512_maskz_loadu_epi64(mask, b.as_ptr().add(i).cast()),
            )
        };
        acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
        i += 8;
    }
    _mm512_reduce_add_epi64(acc) as u32
}

scan_kernel!(
    scan_avx512_entry,
    scan_avx512,
    group_avx512,
    "avx512f,avx512vpopcntdq"
);

/// `Q` queries against the first `n` codes of an interleaved tile: per word, one load of 8
/// codes and per query XOR + `vpopcntq` + add (vertical sums, no horizontal reduction); then one
/// masked unsigned compare with the running thresholds per 8 codes.
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
#[inline]
fn group_avx512<const W: usize, const Q: usize>(
    w: usize,
    q: &[u64],
    tile: &[u64],
    n: usize,
    base: u32,
    tops: &mut [TopKCollector<'_>],
) {
    let zero = _mm512_setzero_si512();
    let mut thr = [zero; Q];
    for (t, top) in thr.iter_mut().zip(tops.iter()) {
        *t = _mm512_set1_epi64(i64::from(threshold(top)));
    }
    let (tp, qp) = (tile.as_ptr(), q.as_ptr());
    for b in 0..n.div_ceil(BLOCK) {
        let mut acc = [zero; Q];
        for j in 0..w {
            // SAFETY: (b·w + j)·8 + 8 <= ceil(n/8)·8·w <= tile.len() (Kernel::scan).
            let v = unsafe { _mm512_loadu_si512(tp.add((b * w + j) * BLOCK).cast()) };
            for r in 0..Q {
                // SAFETY: r·w + j < Q·w == q.len().
                let qv = _mm512_set1_epi64(unsafe { *qp.add(r * w + j) } as i64);
                acc[r] = _mm512_add_epi64(acc[r], _mm512_popcnt_epi64(_mm512_xor_si512(v, qv)));
            }
        }
        let valid = valid_lanes(b, n) as __mmask8;
        let mut m = [0u8; Q];
        let mut any = 0u8;
        for r in 0..Q {
            m[r] = _mm512_mask_cmplt_epu64_mask(valid, acc[r], thr[r]);
            any |= m[r];
        }
        if any != 0 {
            for r in 0..Q {
                if m[r] == 0 {
                    continue;
                }
                let mut d = [0u64; BLOCK];
                // SAFETY: `d` is 64 bytes.
                unsafe { _mm512_storeu_si512(d.as_mut_ptr().cast(), acc[r]) };
                if let Some(top) = tops.get_mut(r) {
                    emit(&d, u32::from(m[r]), base + (b * BLOCK) as u32, top);
                    thr[r] = _mm512_set1_epi64(i64::from(threshold(top)));
                }
            }
        }
    }
}
