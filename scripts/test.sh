#!/usr/bin/env bash
# The whole test suite (the README's test command; `.ci/run` calls it after installing what it
# needs). Needs: the rustup targets in rust-toolchain.toml and qemu-system-arm on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
step() { printf '\n== %s\n' "$*"; }
t0=$(date +%s)
lap() { echo "   ($(( $(date +%s) - t0 )) s so far)"; }

step "format"
cargo fmt --all --check

step "clippy (workspace, all targets, -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p binaryllm-core --all-targets --all-features -- -D warnings
lap

step "tests (workspace)"
PROPTEST_CASES="${PROPTEST_CASES:-512}" cargo test --workspace
lap

step "benchmarks keep building (cargo bench --no-run)"
cargo bench -q --no-run -p binaryllm-core --features std
lap

step "core tests without default features"
cargo test -p binaryllm-core --no-default-features

step "forced-portable kernels (--cfg binaryllm_portable_only)"
# The whole test suite again with every Hamming and projection kernel forced to the portable
# one (results must not change: the fast paths are bit-identical). A separate target dir,
# since RUSTFLAGS rebuilds every dependency.
RUSTFLAGS="--cfg binaryllm_portable_only" CARGO_TARGET_DIR=target/portable \
  cargo test --workspace
lap

step "aarch64 (NEON kernel): build, and the core tests under qemu-aarch64 when available"
cargo build -q -p binaryllm-core --target aarch64-unknown-linux-gnu --features std
if command -v qemu-aarch64 >/dev/null 2>&1 && command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
  PROPTEST_CASES=128 cargo test -q -p binaryllm-core --features std --target aarch64-unknown-linux-gnu --lib
else
  echo "   skipped running: qemu-aarch64 or aarch64-linux-gnu-gcc not installed (.ci/run installs them)"
fi
lap

step "cross builds of the core (no alloc, no atomics)"
for target in thumbv6m-none-eabi thumbv7m-none-eabi thumbv7em-none-eabihf riscv32imc-unknown-none-elf; do
  cargo build -q -p binaryllm-core --target "$target" --no-default-features
  cargo build -q -p binaryllm-core --target "$target" --no-default-features --features serde,defmt
  echo "   ok: $target (none; serde,defmt)"
done
lap

step "docs (-D warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps -q
cargo test -p binaryllm-core --doc -q

echo
echo "all test steps passed in $(( $(date +%s) - t0 )) s"
