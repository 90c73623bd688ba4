//! x86_64 projection micro-kernels: AVX2 and AVX-512, with separate `mul` and `add` (the
//! reference arithmetic) or fused `vfmadd231ps` (opt-in), and their sign-packing kernels.

// The kernels index several parallel per-query register arrays (accumulators, thresholds,
// masks, query words) with one loop counter; iterator zips would hide the register block.
#![allow(clippy::needless_range_loop)]

use core::arch::x86_64::*;

// ------------------------------- projection micro-kernels (separate mul + add; opt-in FMA)

pub(super) const AVX2_MR: usize = 6;
pub(super) const AVX2_NR: usize = 16;
pub(super) const AVX512_MR: usize = 6;
pub(super) const AVX512_NR: usize = 64;

pub(super) fn project_avx2_entry(
    dims: usize,
    c0: usize,
    c1: usize,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
) {
    // SAFETY: only reachable through the `ProjectKernel` built by `project_kernels`, which
    // checked `avx2`; `ProjectKernel::micro_tile_continue` checked the lengths and the range.
    unsafe { project_avx2(dims, c0, c1, a, b, out) }
}

pub(super) fn project_avx2_fma_entry(
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

pub(super) fn project_avx512_entry(
    dims: usize,
    c0: usize,
    c1: usize,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
) {
    // SAFETY: only reachable through the `ProjectKernel` built by `project_kernels`, which
    // checked `avx512f`; `ProjectKernel::micro_tile_continue` checked the lengths and the range.
    unsafe { project_avx512::<AVX512_MR, { AVX512_NR / 16 }, false>(dims, c0, c1, a, b, out) }
}

pub(super) fn project_avx512_fma_entry(
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

pub(super) fn signs_avx2_entry(y: &[f32], t: &[f32]) -> (u64, bool) {
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
    let (tm, tf) =
        super::super::portable::signs(y.get(j..n).unwrap_or(&[]), t.get(j..n).unwrap_or(&[]));
    (m | tm.checked_shl(j as u32).unwrap_or(0), finite && tf)
}

pub(super) fn signs_avx512_entry(y: &[f32], t: &[f32]) -> (u64, bool) {
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

pub(super) fn fwht_avx2_entry(v: &mut [f32], masks: Option<&[u32]>) {
    // SAFETY: only reachable through a `ProjectKernel` built by `project_kernels` after checking
    // `avx2`.
    unsafe { fwht_avx2(v, masks) }
}

/// The transform with AVX2: the sign flips and stages `h = 1, 2, 4` on one register per group
/// of 8 values ([`fwht8_avx`]), then the portable wide stages compiled for AVX2 (8 lanes). Each
/// output of every stage is the same f32 addition or subtraction as the portable kernel's.
#[target_feature(enable = "avx2")]
fn fwht_avx2(v: &mut [f32], masks: Option<&[u32]>) {
    if v.len() >= 8 {
        fwht8_avx(v, masks);
        super::super::portable::fwht_wide(v, 8);
    } else {
        super::super::portable::fwht(v, masks);
    }
}

pub(super) fn fwht_avx512_entry(v: &mut [f32], masks: Option<&[u32]>) {
    // SAFETY: only reachable through a `ProjectKernel` whose micro-kernel needs AVX512F, built
    // after checking it.
    unsafe { fwht_avx512(v, masks) }
}

/// [`fwht_avx2`] with the wide stages compiled for AVX512F (16 lanes).
#[target_feature(enable = "avx512f")]
fn fwht_avx512(v: &mut [f32], masks: Option<&[u32]>) {
    if v.len() >= 8 {
        fwht8_avx(v, masks);
        super::super::portable::fwht_wide(v, 8);
    } else {
        super::super::portable::fwht(v, masks);
    }
}

/// The sign flips (XOR with `masks`, as long as `v`) and stages `h = 1, 2, 4` of the transform
/// on every group of 8 values of `v` (a multiple of 8 long), one `__m256` per group: per stage,
/// `t` = the register with lanes `j` and `j ^ h` swapped, and lane `j` becomes `x + t`
/// (= `v[j] + v[j+h]`) where `j & h == 0`, else `t − x` (= `v[j−h] − v[j]`).
#[target_feature(enable = "avx")]
#[inline]
fn fwht8_avx(v: &mut [f32], masks: Option<&[u32]>) {
    match masks {
        Some(masks) => {
            for (g, m) in v.chunks_exact_mut(8).zip(masks.chunks_exact(8)) {
                // SAFETY: `g` is 8 floats and `m` 8 words.
                let x = unsafe {
                    _mm256_xor_ps(
                        _mm256_loadu_ps(g.as_ptr()),
                        _mm256_loadu_ps(m.as_ptr().cast::<f32>()),
                    )
                };
                // SAFETY: `g` is 8 floats.
                unsafe { _mm256_storeu_ps(g.as_mut_ptr(), fwht8_register(x)) };
            }
        }
        None => {
            for g in v.chunks_exact_mut(8) {
                // SAFETY: `g` is 8 floats.
                let x = unsafe { _mm256_loadu_ps(g.as_ptr()) };
                // SAFETY: `g` is 8 floats.
                unsafe { _mm256_storeu_ps(g.as_mut_ptr(), fwht8_register(x)) };
            }
        }
    }
}

/// Stages `h = 1, 2, 4` on the 8 lanes of `x` (see [`fwht8_avx`]).
#[target_feature(enable = "avx")]
#[inline]
fn fwht8_register(x: __m256) -> __m256 {
    let t = _mm256_permute_ps::<0b1011_0001>(x);
    let x = _mm256_blend_ps::<0b1010_1010>(_mm256_add_ps(x, t), _mm256_sub_ps(t, x));
    let t = _mm256_permute_ps::<0b0100_1110>(x);
    let x = _mm256_blend_ps::<0b1100_1100>(_mm256_add_ps(x, t), _mm256_sub_ps(t, x));
    let t = _mm256_permute2f128_ps::<1>(x, x);
    _mm256_blend_ps::<0b1111_0000>(_mm256_add_ps(x, t), _mm256_sub_ps(t, x))
}
