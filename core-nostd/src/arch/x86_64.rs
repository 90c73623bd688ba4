//! x86_64 fast paths: scalar `popcnt` (rows, 4 queries per pass), AVX2 (nibble-LUT `vpshufb`
//! on word-interleaved blocks of 8 codes), AVX-512 `vpopcntq` (same layout, 8 codes per
//! register), and the AVX2 / AVX-512 projection micro-kernels (separate `mul` and `add`, the
//! reference arithmetic; and the opt-in fused ones, `vfmadd231ps`).
//!
//! Every kernel is reachable only through a [`Kernel`] / [`ProjectKernel`] built by
//! [`kernels`] / [`project_kernels`] after the CPU features were detected, and every scan is
//! called only by [`Kernel::scan`] after it validated the slice lengths: the `// SAFETY:`
//! comments below rely on both.

// The kernels index several parallel per-query register arrays (accumulators, thresholds,
// masks, query words) with one loop counter; iterator zips would hide the register block.
#![allow(clippy::needless_range_loop)]

use core::arch::x86_64::*;

use super::{Arithmetic, BLOCK, Kernel, ProjectKernel, emit, threshold};
use crate::knn::TopKCollector;

/// Queries compared per pass over a tile (the register block).
const R: usize = 4;

#[cfg(feature = "std")]
fn has_popcnt() -> bool {
    std::is_x86_feature_detected!("popcnt")
}
#[cfg(not(feature = "std"))]
fn has_popcnt() -> bool {
    cfg!(target_feature = "popcnt")
}

#[cfg(feature = "std")]
fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}
#[cfg(not(feature = "std"))]
fn has_avx2() -> bool {
    cfg!(target_feature = "avx2")
}

#[cfg(feature = "std")]
fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vpopcntdq")
}
#[cfg(not(feature = "std"))]
fn has_avx512() -> bool {
    cfg!(all(
        target_feature = "avx512f",
        target_feature = "avx512vpopcntdq"
    ))
}

/// The Hamming kernels this CPU supports, slowest first.
pub(super) fn kernels() -> [Option<Kernel>; 3] {
    [
        has_popcnt().then_some(Kernel {
            name: "x86_64-popcnt",
            block: 1,
            distance: distance_popcnt_entry,
            scan: scan_popcnt_entry,
        }),
        has_avx2().then_some(Kernel {
            name: "x86_64-avx2",
            block: BLOCK,
            distance: distance_avx2_entry,
            scan: scan_avx2_entry,
        }),
        has_avx512().then_some(Kernel {
            name: "x86_64-avx512",
            block: BLOCK,
            distance: distance_avx512_entry,
            scan: scan_avx512_entry,
        }),
    ]
}

/// The projection micro-kernels this CPU supports, slowest first within each arithmetic.
pub(super) fn project_kernels() -> [Option<ProjectKernel>; 4] {
    let avx512 = has_avx512() || avx512f_only();
    [
        has_avx2().then_some(ProjectKernel {
            name: "x86_64-avx2",
            arithmetic: Arithmetic::Separate,
            mr: AVX2_MR,
            nr: AVX2_NR,
            tile: project_avx2_entry,
            signs: signs_avx2_entry,
        }),
        // The AVX-512 micro-kernel needs only AVX512F.
        avx512.then_some(ProjectKernel {
            name: "x86_64-avx512",
            arithmetic: Arithmetic::Separate,
            mr: AVX512_MR,
            nr: AVX512_NR,
            tile: project_avx512_entry,
            signs: signs_avx512_entry,
        }),
        (has_avx2() && has_fma()).then_some(ProjectKernel {
            name: "x86_64-avx2-fma",
            arithmetic: Arithmetic::Fused,
            mr: AVX2_MR,
            nr: AVX2_NR,
            tile: project_avx2_fma_entry,
            signs: signs_avx2_entry,
        }),
        // AVX512F includes the 512-bit FMA.
        avx512.then_some(ProjectKernel {
            name: "x86_64-avx512-fma",
            arithmetic: Arithmetic::Fused,
            mr: AVX512_MR,
            nr: AVX512_NR,
            tile: project_avx512_fma_entry,
            signs: signs_avx512_entry,
        }),
    ]
}

#[cfg(feature = "std")]
fn has_fma() -> bool {
    std::is_x86_feature_detected!("fma")
}
#[cfg(not(feature = "std"))]
fn has_fma() -> bool {
    cfg!(target_feature = "fma")
}

#[cfg(feature = "std")]
fn avx512f_only() -> bool {
    std::is_x86_feature_detected!("avx512f")
}
#[cfg(not(feature = "std"))]
fn avx512f_only() -> bool {
    cfg!(target_feature = "avx512f")
}

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

/// Defines a kernel's scan entry (`$entry`, the `ScanFn` stored in its [`Kernel`]) and its
/// per-width body `$scan::<W>` (compiled with `$features`), which runs `$group` on every
/// group of queries.
macro_rules! scan_kernel {
    ($entry:ident, $scan:ident, $group:ident, $features:literal) => {
        fn $entry(
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

fn distance_popcnt_entry(a: &[u64], b: &[u64]) -> u32 {
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

fn distance_avx2_entry(a: &[u64], b: &[u64]) -> u32 {
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

fn distance_avx512_entry(a: &[u64], b: &[u64]) -> u32 {
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

// ------------------------------- projection micro-kernels (separate mul + add; opt-in FMA)

const AVX2_MR: usize = 6;
const AVX2_NR: usize = 16;
const AVX512_MR: usize = 6;
const AVX512_NR: usize = 64;

fn project_avx2_entry(dims: usize, c0: usize, c1: usize, a: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: only reachable through the `ProjectKernel` built by `project_kernels`, which
    // checked `avx2`; `ProjectKernel::micro_tile_continue` checked the lengths and the range.
    unsafe { project_avx2(dims, c0, c1, a, b, out) }
}

fn project_avx2_fma_entry(
    dims: usize,
    c0: usize,
    c1: usize,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
) {
    // SAFETY: only reachable through the `ProjectKernel` built by `project_kernels`, which
    // checked `avx2` and `fma`; `ProjectKernel::micro_tile_continue` checked the lengths and
    // the range.
    unsafe { project_avx2_fma(dims, c0, c1, a, b, out) }
}

/// Defines a 6 vectors × 16 rows AVX2 micro-kernel: 12 `ymm` accumulators; per input dimension
/// 2 loads of `W`, 6 broadcasts and 12 steps `acc = $step(acc, x, w)`.
macro_rules! avx2_tile {
    ($(#[$doc:meta])* $name:ident, $features:literal, |$s:ident, $x:ident, $w:ident| $step:expr) => {
        $(#[$doc])*
        #[target_feature(enable = $features)]
        fn $name(dims: usize, c0: usize, c1: usize, a: &[f32], b: &[f32], out: &mut [f32]) {
            let mut acc = [[_mm256_setzero_ps(); 2]; AVX2_MR];
            for (accv, o) in acc.iter_mut().zip(out.chunks_exact(AVX2_NR)) {
                // SAFETY: each chunk of `out` is 16 floats.
                unsafe {
                    accv[0] = _mm256_loadu_ps(o.as_ptr());
                    accv[1] = _mm256_loadu_ps(o.as_ptr().add(8));
                }
            }
            let (ap, bp) = (a.as_ptr(), b.as_ptr());
            for c in c0..c1 {
                let k = c - c0;
                // SAFETY: k·16 + 16 <= (c1 − c0)·16 == b.len().
                let w = unsafe {
                    [
                        _mm256_loadu_ps(bp.add(k * AVX2_NR)),
                        _mm256_loadu_ps(bp.add(k * AVX2_NR + 8)),
                    ]
                };
                for (v, accv) in acc.iter_mut().enumerate() {
                    // SAFETY: v·dims + c < 6·dims == a.len() (c < c1 <= dims).
                    let $x = _mm256_set1_ps(unsafe { *ap.add(v * dims + c) });
                    for ($s, $w) in accv.iter_mut().zip(w) {
                        *$s = $step;
                    }
                }
            }
            for (o, accv) in out.chunks_exact_mut(AVX2_NR).zip(&acc) {
                // SAFETY: each chunk of `out` is 16 floats.
                unsafe {
                    _mm256_storeu_ps(o.as_mut_ptr(), accv[0]);
                    _mm256_storeu_ps(o.as_mut_ptr().add(8), accv[1]);
                }
            }
        }
    };
}

avx2_tile!(
    /// The reference arithmetic: `vmulps` + `vaddps` (Zen's separate MUL and ADD pipes run them
    /// in parallel, the throughput of FMA with the rounding of the reference).
    project_avx2,
    "avx2",
    |s, x, w| _mm256_add_ps(*s, _mm256_mul_ps(x, w))
);

avx2_tile!(
    /// The fused arithmetic: one `vfmadd231ps` per step.
    project_avx2_fma,
    "avx2,fma",
    |s, x, w| _mm256_fmadd_ps(x, w, *s)
);

fn project_avx512_entry(dims: usize, c0: usize, c1: usize, a: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: only reachable through the `ProjectKernel` built by `project_kernels`, which
    // checked `avx512f`; `ProjectKernel::micro_tile_continue` checked the lengths and the range.
    unsafe { project_avx512::<AVX512_MR, { AVX512_NR / 16 }, false>(dims, c0, c1, a, b, out) }
}

fn project_avx512_fma_entry(
    dims: usize,
    c0: usize,
    c1: usize,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
) {
    // SAFETY: only reachable through the `ProjectKernel` built by `project_kernels`, which
    // checked `avx512f` (it includes the 512-bit FMA); `ProjectKernel::micro_tile_continue`
    // checked the lengths and the range.
    unsafe { project_avx512::<AVX512_MR, { AVX512_NR / 16 }, true>(dims, c0, c1, a, b, out) }
}

/// `w · x` with `x` broadcast from memory inside the multiply (`vmulps zmm, zmm, m32{1to16}`):
/// on Zen 4 the embedded broadcast rides the load pipe, where a separate `vbroadcastss` costs
/// vector-pipe slots (measured: about 11 % of the micro-kernel's throughput). One multiply,
/// one rounding, exactly `_mm512_mul_ps(w, _mm512_set1_ps(*x))`.
///
/// # Safety
/// `x` must be valid for reading one `f32`; the CPU must support AVX512F.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn mul_bcast(w: __m512, x: *const f32) -> __m512 {
    let out: __m512;
    // SAFETY: the caller guarantees `x` is readable (4 bytes) and AVX512F is present; the
    // instruction reads only that float and writes only `out`.
    unsafe {
        core::arch::asm!(
            "vmulps {out}, {w}, dword ptr [{x}]{{1to16}}",
            out = lateout(zmm_reg) out,
            w = in(zmm_reg) w,
            x = in(reg) x,
            options(pure, readonly, nostack, preserves_flags)
        );
    }
    out
}

/// `MR` vectors × `16 · NV` rows: `MR · NV` `zmm` accumulators; per input dimension `NV` loads
/// of `W`, then per vector either (`FUSED = false`, the reference arithmetic) `MR · NV`
/// multiplies with the `x` broadcast embedded + `MR · NV` adds, or (`FUSED = true`) one
/// broadcast of `x` (a load-port uop) + `MR · NV` `vfmadd231ps` (half the vector-pipe uops).
#[target_feature(enable = "avx512f")]
fn project_avx512<const MR: usize, const NV: usize, const FUSED: bool>(
    dims: usize,
    c0: usize,
    c1: usize,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
) {
    let nr = 16 * NV;
    let mut acc = [[_mm512_setzero_ps(); NV]; MR];
    for (accv, o) in acc.iter_mut().zip(out.chunks_exact(nr)) {
        for (h, s) in accv.iter_mut().enumerate() {
            // SAFETY: each chunk of `out` is `nr` floats.
            *s = unsafe { _mm512_loadu_ps(o.as_ptr().add(16 * h)) };
        }
    }
    let (ap, bp) = (a.as_ptr(), b.as_ptr());
    for c in c0..c1 {
        let k = c - c0;
        let mut w = [_mm512_setzero_ps(); NV];
        for (h, wh) in w.iter_mut().enumerate() {
            // SAFETY: k·nr + 16·h + 16 <= (c1 − c0)·nr == b.len().
            *wh = unsafe { _mm512_loadu_ps(bp.add(k * nr + 16 * h)) };
        }
        for (v, accv) in acc.iter_mut().enumerate() {
            // SAFETY: v·dims + c < MR·dims == a.len() (c < c1 <= dims): in bounds.
            let x = unsafe { ap.add(v * dims + c) };
            if FUSED {
                // SAFETY: `x` points into `a` (above).
                let xb = _mm512_set1_ps(unsafe { *x });
                for (s, wh) in accv.iter_mut().zip(&w) {
                    *s = _mm512_fmadd_ps(xb, *wh, *s);
                }
            } else {
                for (s, wh) in accv.iter_mut().zip(&w) {
                    // SAFETY: `x` points into `a` (above); AVX512F is enabled here.
                    *s = _mm512_add_ps(*s, unsafe { mul_bcast(*wh, x) });
                }
            }
        }
    }
    for (o, accv) in out.chunks_exact_mut(nr).zip(&acc) {
        for (h, s) in accv.iter().enumerate() {
            // SAFETY: each chunk of `out` is `nr` floats.
            unsafe { _mm512_storeu_ps(o.as_mut_ptr().add(16 * h), *s) };
        }
    }
}

fn signs_avx2_entry(y: &[f32], t: &[f32]) -> (u64, bool) {
    // SAFETY: only reachable through the `ProjectKernel` built by `project_kernels`, which
    // checked `avx2`.
    unsafe { signs_avx2(y, t) }
}

/// Sign rule 8 outputs at a time: `vcmpps GE_OQ` + `vmovmskps`; finite = `|y| < ∞`.
#[target_feature(enable = "avx2")]
fn signs_avx2(y: &[f32], t: &[f32]) -> (u64, bool) {
    let n = y.len().min(t.len()).min(64);
    let (mut m, mut finite) = (0u64, true);
    let abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
    let inf = _mm256_set1_ps(f32::INFINITY);
    let mut j = 0;
    while j + 8 <= n {
        // SAFETY: j + 8 <= n <= y.len(), t.len().
        let (a, b) = unsafe {
            (
                _mm256_loadu_ps(y.as_ptr().add(j)),
                _mm256_loadu_ps(t.as_ptr().add(j)),
            )
        };
        m |= u64::from(_mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(a, b)) as u8) << j;
        let fin = _mm256_cmp_ps::<_CMP_LT_OQ>(_mm256_and_ps(a, abs), inf);
        finite &= _mm256_movemask_ps(fin) == 0xff;
        j += 8;
    }
    let (tm, tf) = super::portable::signs(y.get(j..n).unwrap_or(&[]), t.get(j..n).unwrap_or(&[]));
    (m | tm.checked_shl(j as u32).unwrap_or(0), finite && tf)
}

fn signs_avx512_entry(y: &[f32], t: &[f32]) -> (u64, bool) {
    // SAFETY: only reachable through a `ProjectKernel` whose micro-kernel needs AVX512F, built
    // after checking it.
    unsafe { signs_avx512(y, t) }
}

/// Sign rule 16 outputs at a time with masked loads: `vcmpps GE_OQ` into a mask register;
/// finite = `|y| < ∞` on every loaded lane.
#[target_feature(enable = "avx512f")]
fn signs_avx512(y: &[f32], t: &[f32]) -> (u64, bool) {
    let n = y.len().min(t.len()).min(64);
    let (mut m, mut finite) = (0u64, true);
    let inf = _mm512_set1_ps(f32::INFINITY);
    let mut j = 0;
    while j < n {
        let left = n - j;
        let k: __mmask16 = if left >= 16 {
            0xffff
        } else {
            (1u16 << left) - 1
        };
        // SAFETY: the masked loads read only lanes j..j + min(16, left) < n of both slices.
        let (a, b) = unsafe {
            (
                _mm512_maskz_loadu_ps(k, y.as_ptr().add(j)),
                _mm512_maskz_loadu_ps(k, t.as_ptr().add(j)),
            )
        };
        m |= u64::from(_mm512_mask_cmp_ps_mask::<_CMP_GE_OQ>(k, a, b)) << j;
        finite &= _mm512_mask_cmp_ps_mask::<_CMP_LT_OQ>(k, _mm512_abs_ps(a), inf) == k;
        j += 16;
    }
    (m, finite)
}
