#!/usr/bin/env bash
# The whole test suite (the README's test command; `.ci/run` calls it after installing what it
# needs). Needs: the rustup targets and components in rust-toolchain.toml and qemu-system-arm
# on PATH; scripts/prereqs.sh checks them first and, when one is missing, prints the install
# commands and exits 1 before anything runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/prereqs.sh
. scripts/prereqs.sh
check_prereqs || exit 1
export CARGO_TERM_COLOR=never
step() { printf '\n== %s\n' "$*"; }
t0=$(date +%s)
lap() { echo "   ($(( $(date +%s) - t0 )) s so far)"; }

step "format"
cargo fmt --all --check

step "module layering (no import cycles among the top-level modules of the library and the CLI)"
python3 scripts/module_cycles.py engine/src
python3 scripts/module_cycles.py host/src

step "clippy (workspace, all targets, -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p binaryllm-core --all-targets --all-features -- -D warnings
lap

step "tests (workspace)"
PROPTEST_CASES="${PROPTEST_CASES:-512}" cargo test --workspace
lap

step "firmware bench under QEMU: parity and budgets (binaryllm firmware run)"
# `target/debug/binaryllm` was just built by the tests (test profile: optimised), with the
# default kernels; running these here, before the forced-portable step rebuilds it, saves a
# release build.
# The learned projection in firmware/learned/ must be what the host tooling trains and exports.
rm -rf target/learned-check
BINARYLLM=target/debug/binaryllm bash firmware/learned/make.sh target/learned-check > /dev/null
cmp firmware/learned/itq-64.rs target/learned-check/itq-64.rs
diff -r -x .binaryllm-run firmware/learned/itq-64 target/learned-check/itq-64
echo "   ok: firmware/learned is reproduced by firmware/learned/make.sh"
for board in qemu-m4f qemu-m0; do
  rm -rf "target/firmware-$board"  # this script's scratch output (binaryllm refuses an existing one)
  ./target/debug/binaryllm firmware run --board "$board" --out "target/firmware-$board" --timeout 300
done
lap

step "interop: FAISS read_index_binary neighbours and numpy packbits (venv; skipped with a notice if it cannot be made)"
bash scripts/interop.sh
lap

step "benchmarks keep building (cargo bench --no-run)"
cargo bench -q --no-run -p binaryllm-core --features std
lap

step "core tests without default features, and with the report wire format (postcard)"
cargo test -p binaryllm-core --no-default-features
cargo test -q -p binaryllm-core --features postcard --lib report

step "forced-portable kernels (--cfg binaryllm_portable_only)"
# The whole test suite again with every Hamming and projection kernel forced to the portable
# one (results must not change: the fast paths are bit-identical). BINARYLLM_PORTABLE_ONLY=1
# makes the core's build script set `--cfg binaryllm_portable_only` for the core alone, so
# only our crates rebuild (RUSTFLAGS would rebuild every dependency, in a second target dir).
BINARYLLM_PORTABLE_ONLY=1 cargo test --workspace
# The next steps build the core in its default form again.
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
for target in $(toolchain_list targets); do
  [[ "$target" == *-none-* ]] || continue
  cargo build -q -p binaryllm-core --target "$target" --no-default-features
  cargo build -q -p binaryllm-core --target "$target" --no-default-features --features serde,defmt
  echo "   ok: $target (none; serde,defmt)"
done
lap

step "firmware (firmware/: fmt, clippy and release builds for every board, golden tests on QEMU M4F + M0, panic/HardFault exits)"
(
  cd firmware
  cargo fmt --check
  # Every board of boards/*/board.toml (its one file of facts), built for the target it names.
  for facts in boards/*/board.toml; do
    board=$(basename "$(dirname "$facts")")
    target=$(sed -n 's/^target = "\(.*\)"$/\1/p' "$facts")
    [ -n "$target" ] || { echo "$facts names no target" >&2; exit 1; }
    cargo clippy -q --release --all-targets --no-default-features --features "$board" --target "$target" -- -D warnings
    cargo build -q --release --no-default-features --features "$board" --target "$target" --bin bench
    echo "   ok: $board ($target): clippy, release build"
  done
  # The conformance goldens (same expected bytes as on the host) and the firmware's own checks,
  # on target; the semihosting exit code is the verdict.
  cargo golden-m4f
  cargo golden-m0
  # A panic and a HardFault must end the QEMU run with exit code 1 and a message, never hang.
  for example in panic hardfault; do
    cargo build -q --release --example "$example"
    if timeout 60 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -display none -monitor none \
        -semihosting-config enable=on,target=native -serial null \
        -kernel "target/thumbv7em-none-eabihf/release/examples/$example" > "target/$example.log" 2>&1; then
      echo "the $example example exited 0" >&2; exit 1
    fi
    grep -Eq "panic|HardFault" "target/$example.log" || { cat "target/$example.log" >&2; exit 1; }
    echo "   ok: $example -> exit code 1: $(head -n 1 "target/$example.log")"
  done
)
lap

step "fuzz smoke: each fuzz target ${FUZZ_SECONDS:-10} s (fuzz/run; skipped without cargo-fuzz + nightly)"
# The long runs (10 min per target) are recorded in fuzz/README.md; CI only checks that every
# target builds and survives a short run from its checked-in seeds.
if command -v cargo-fuzz >/dev/null 2>&1 && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  bash fuzz/run "${FUZZ_SECONDS:-10}"
else
  echo "   skipped: cargo-fuzz or the nightly toolchain is missing (.ci/run installs them)"
fi
lap

step "docs (-D warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps -q
cargo test -p binaryllm-core --doc -q

echo
echo "all test steps passed in $(( $(date +%s) - t0 )) s"
