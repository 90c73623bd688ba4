//! The CPU feature probes of a build without `std`: no run-time detection there, so a kernel
//! is offered exactly when the target features it needs are enabled at compile time
//! (`-C target-feature=…` or `-C target-cpu=…`). With `std`, `mod.rs` detects them at run time.

pub(super) fn has_popcnt() -> bool {
    cfg!(target_feature = "popcnt")
}

pub(super) fn has_avx2() -> bool {
    cfg!(target_feature = "avx2")
}

pub(super) fn has_avx512() -> bool {
    cfg!(all(
        target_feature = "avx512f",
        target_feature = "avx512vpopcntdq"
    ))
}

pub(super) fn has_fma() -> bool {
    cfg!(target_feature = "fma")
}

pub(super) fn avx512f_only() -> bool {
    cfg!(target_feature = "avx512f")
}
