//! x86_64 fast paths: scalar `popcnt` (rows, 4 queries per pass), AVX2 (nibble-LUT `vpshufb`
//! on word-interleaved blocks of 8 codes), AVX-512 `vpopcntq` (same layout, 8 codes per
//! register), and the AVX2 / AVX-512 projection micro-kernels (separate `mul` and `add`, the
//! reference arithmetic; and the opt-in fused ones, `vfmadd231ps`).
//!
//! Every kernel is reachable only through a [`Kernel`] / [`ProjectKernel`] built by
//! [`kernels`] / [`project_kernels`] after the CPU features were detected, and every scan is
//! called only by [`Kernel::scan`] after it validated the slice lengths: the `// SAFETY:`
//! comments in [`hamming`] and [`project`] rely on both.
//!
//! Files: this one detects the CPU features (at run time with `std`; `static_features` holds
//! the compile-time probes of a no-std build) and builds the kernel tables; [`hamming`] holds
//! the Hamming distance and top-k scan kernels, [`project`] the projection micro-kernels.

mod hamming;
mod project;
// Without `std` the probes are the compile-time target features (a file of their own, which
// the x86_64 mutation run, built with `std`, leaves out: docs/mutants.md).
#[cfg(not(feature = "std"))]
mod static_features;
#[cfg(not(feature = "std"))]
use static_features::{avx512f_only, has_avx2, has_avx512, has_fma, has_popcnt};

use super::{Arithmetic, BLOCK, Kernel, ProjectKernel};
use hamming::{
    distance_avx2_entry, distance_avx512_entry, distance_popcnt_entry, scan_avx2_entry,
    scan_avx512_entry, scan_popcnt_entry,
};
use project::{
    AVX2_MR, AVX2_NR, AVX512_MR, AVX512_NR, fwht_avx2_entry, fwht_avx512_entry, project_avx2_entry,
    project_avx2_fma_entry, project_avx512_entry, project_avx512_fma_entry, signs_avx2_entry,
    signs_avx512_entry,
};

#[cfg(feature = "std")]
fn has_popcnt() -> bool {
    std::is_x86_feature_detected!("popcnt")
}

#[cfg(feature = "std")]
fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

#[cfg(feature = "std")]
fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vpopcntdq")
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
            fwht: fwht_avx2_entry,
        }),
        // The AVX-512 micro-kernel needs only AVX512F.
        avx512.then_some(ProjectKernel {
            name: "x86_64-avx512",
            arithmetic: Arithmetic::Separate,
            mr: AVX512_MR,
            nr: AVX512_NR,
            tile: project_avx512_entry,
            signs: signs_avx512_entry,
            fwht: fwht_avx512_entry,
        }),
        (has_avx2() && has_fma()).then_some(ProjectKernel {
            name: "x86_64-avx2-fma",
            arithmetic: Arithmetic::Fused,
            mr: AVX2_MR,
            nr: AVX2_NR,
            tile: project_avx2_fma_entry,
            signs: signs_avx2_entry,
            fwht: fwht_avx2_entry,
        }),
        // AVX512F includes the 512-bit FMA.
        avx512.then_some(ProjectKernel {
            name: "x86_64-avx512-fma",
            arithmetic: Arithmetic::Fused,
            mr: AVX512_MR,
            nr: AVX512_NR,
            tile: project_avx512_fma_entry,
            signs: signs_avx512_entry,
            fwht: fwht_avx512_entry,
        }),
    ]
}

#[cfg(feature = "std")]
fn has_fma() -> bool {
    std::is_x86_feature_detected!("fma")
}

#[cfg(feature = "std")]
fn avx512f_only() -> bool {
    std::is_x86_feature_detected!("avx512f")
}
