//! `BINARYLLM_PORTABLE_ONLY=1` sets `--cfg binaryllm_portable_only` for this crate only (every
//! kernel forced to the portable one), so a forced-portable test run rebuilds this crate and its
//! dependents but not third-party dependencies, as `RUSTFLAGS="--cfg …"` would (which still
//! works).
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=BINARYLLM_PORTABLE_ONLY");
    println!("cargo::rustc-check-cfg=cfg(binaryllm_portable_only)");
    if std::env::var_os("BINARYLLM_PORTABLE_ONLY").is_some_and(|v| v == "1") {
        println!("cargo::rustc-cfg=binaryllm_portable_only");
    }
}
