#!/usr/bin/env bash
# The whole test suite (the README's test command; `.ci/run` calls it after installing what it
# needs). Needs: the rustup targets and components in rust-toolchain.toml and qemu-system-arm
# on PATH; scripts/prereqs.sh checks them first and, when one is missing, prints the install
# commands and exits 1 before anything runs.
#
#   bash scripts/test.sh              # every step, in the order of --list
#   bash scripts/test.sh STEP...      # only these steps, in the order given (e.g. fmt clippy)
#   bash scripts/test.sh --list       # the step names, one line each
#
# An unknown step name exits 2 (listing the valid ones). Each step builds what it needs, so any
# one of them works alone in a fresh clone; the rustup targets and qemu-system-arm are required
# only when a selected step uses them (aarch64, cross, firmware, firmware-run).
set -euo pipefail
cd "$(dirname "$0")/.."

# name|description, in the order of a full run. Only bash builtins until check_prereqs (the
# prerequisite test runs this script with bash, sed, tr, grep and dirname alone on PATH).
steps=(
  "fmt|cargo fmt --check of the workspace and of python/"
  "layering|no import cycles among the top-level modules of engine/src and host/src (scripts/module_cycles.py)"
  "clippy|clippy of the workspace (all targets), of the core with all features and of python/, -D warnings"
  "test|cargo test --workspace (PROPTEST_CASES=512 unless set)"
  "firmware-run|firmware/learned is reproducible; binaryllm firmware run on QEMU M4F and M0 (parity, budgets)"
  "interop|FAISS (flat, IVF) and numpy interoperability of export; inspect on other tools' codes; LanceDB, sqlite-vec and pgvector (PGlite) round trips; judged metrics equal ir-measures on binaryllm's run files (venv; skipped with a notice if it cannot be made)"
  "python|the Python package: maturin wheel (release, abi3) into a fresh venv, its pytest suite against it (scripts/python.sh)"
  "distributed|the Ray and Spark batch-encoding examples give the bytes of binaryllm encode (scripts/distributed.sh; skipped with a notice if they cannot install)"
  "bench-build|the benchmarks keep building (cargo bench --no-run)"
  "core-features|core tests without default features, and with postcard"
  "portable|cargo test --workspace again with the portable kernels forced (--cfg binaryllm_portable_only)"
  "aarch64|the core for aarch64 (NEON), its tests under qemu-aarch64 when available"
  "cross|cross builds of the core for the *-none-* targets of rust-toolchain.toml"
  "firmware|firmware/: fmt, clippy, release builds per board, goldens on QEMU, panic/HardFault exits"
  "fuzz|fuzz smoke: each fuzz target FUZZ_SECONDS (10) s (skipped without cargo-fuzz + nightly)"
  "docs|cargo doc -D warnings and the core's doctests"
  "mutants|cargo mutants --in-diff of the change to core-nostd/src: a surviving mutant fails (skipped without cargo-mutants)"
)
step_names() { local s out=(); for s in "${steps[@]}"; do out+=("${s%%|*}"); done; echo "${out[*]}"; }
is_step() { local s; for s in "${steps[@]}"; do [ "${s%%|*}" = "$1" ] && return 0; done; return 1; }

selected=()
for arg in "$@"; do
  case "$arg" in
    --list)
      for s in "${steps[@]}"; do printf '%-14s %s\n' "${s%%|*}" "${s#*|}"; done
      exit 0 ;;
    -h|--help)
      echo "usage: bash scripts/test.sh [--list] [STEP...]   (no STEP: all of them)"
      echo "steps: $(step_names)"
      exit 0 ;;
    *)
      if ! is_step "$arg"; then
        echo "scripts/test.sh: unknown step \`$arg\`; the steps are: $(step_names)" >&2
        echo "(bash scripts/test.sh --list describes them)" >&2
        exit 2
      fi
      selected+=("$arg") ;;
  esac
done
if [ ${#selected[@]} -eq 0 ]; then
  for s in "${steps[@]}"; do selected+=("${s%%|*}"); done
fi

# shellcheck source=scripts/prereqs.sh
. scripts/prereqs.sh
# Only the steps that build for the rustup targets or run QEMU need those.
need=(--no-targets --no-qemu)
for name in "${selected[@]}"; do
  case "$name" in
    aarch64|cross) need[0]="" ;;
    firmware) need=("" "") ;;
    firmware-run) need[1]="" ;;
  esac
done
check_prereqs "${need[@]}" || exit 1
export CARGO_TERM_COLOR=never
step() { printf '\n== %s\n' "$*"; }
t0=$(date +%s)
lap() { echo "   ($(( $(date +%s) - t0 )) s so far)"; }

# target/debug/binaryllm with the default kernels, optimised like the test step's (the test
# profile: opt-level 2, same path). After the test step of this run it is already there, so a
# full run builds it once; alone, a step builds it (the portable step rebuilds it with the
# portable kernels, so it always comes after the steps that use it in a full run).
have_binaryllm=""
need_binaryllm() {
  if [ -z "$have_binaryllm" ]; then
    echo "   building target/debug/binaryllm (cargo build --profile test -p binaryllm)"
    cargo build -q --profile test -p binaryllm
    have_binaryllm=1
  fi
}

step_fmt() {
  step "format"
  cargo fmt --all --check
  cargo fmt --check --manifest-path python/Cargo.toml   # the Python package's crate (own workspace)
}

step_layering() {
  step "module layering (no import cycles among the top-level modules of the library and the CLI)"
  python3 scripts/module_cycles.py engine/src
  python3 scripts/module_cycles.py host/src
}

step_clippy() {
  step "clippy (workspace, all targets, -D warnings)"
  cargo clippy --workspace --all-targets -- -D warnings
  cargo clippy -p binaryllm-core --all-targets --all-features -- -D warnings
  # The Python package's crate (its own workspace; pyo3 finds python3 at build time).
  CARGO_TARGET_DIR=target/python cargo clippy --manifest-path python/Cargo.toml --all-targets -- -D warnings
}

step_test() {
  step "tests (workspace)"
  PROPTEST_CASES="${PROPTEST_CASES:-512}" cargo test --workspace
  have_binaryllm=1  # the tests built target/debug/binaryllm (test profile, default kernels)
}

step_firmware_run() {
  step "firmware bench under QEMU: parity and budgets (binaryllm firmware run)"
  # `target/debug/binaryllm` (test profile: optimised, default kernels; built by the test step
  # of a full run, else here); running these before the forced-portable step rebuilds it saves
  # a release build.
  need_binaryllm
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
}

step_mutants() {
  step "mutants: cargo mutants --in-diff of the change to core-nostd/src (docs/mutants.md)"
  if ! command -v cargo-mutants >/dev/null 2>&1; then
    echo "   notice: cargo-mutants is not installed (cargo install --locked cargo-mutants): skipped"
    return
  fi
  # The change: against the merge base with main on a branch, else the last commit.
  local base
  base=$(git merge-base HEAD origin/main 2>/dev/null || true)
  if [ -z "$base" ] || [ "$base" = "$(git rev-parse HEAD)" ]; then
    base=$(git rev-parse -q --verify HEAD~1 || true)
  fi
  if [ -z "$base" ]; then
    echo "   notice: no parent commit to diff against: skipped"
    return
  fi
  mkdir -p target
  git diff "$base" HEAD -- core-nostd/src > target/mutants-in.diff
  echo "   change: $(git rev-parse --short "$base")..$(git rev-parse --short HEAD), $(grep -c '^+[^+]' target/mutants-in.diff || true) added lines under core-nostd/src"
  # cargo-mutants exits non-zero when a mutant of the changed lines survives or times out.
  PROPTEST_CASES="${PROPTEST_CASES:-64}" cargo mutants -p binaryllm-core --test-workspace false \
    --in-diff target/mutants-in.diff -j 2 -o target/mutants-in-diff
}

step_interop() {
  step "interop: FAISS read_index_binary (flat, IVF), numpy packbits, inspect on other tools' codes, LanceDB / sqlite-vec / pgvector round trips, judged metrics = ir-measures (venv; skipped with a notice if it cannot be made)"
  need_binaryllm
  bash scripts/interop.sh
}

step_python() {
  step "python: wheel built with maturin, installed into a fresh venv, pytest from outside the source tree"
  need_binaryllm
  bash scripts/python.sh
}

step_distributed() {
  step "distributed: examples/spark_encode.py and examples/ray_encode.py on 1 and 2 local workers = binaryllm encode"
  need_binaryllm
  bash scripts/distributed.sh
}

step_bench_build() {
  step "benchmarks keep building (cargo bench --no-run)"
  cargo bench -q --no-run -p binaryllm-core --features std
}

step_core_features() {
  step "core tests without default features, and with the report wire format (postcard)"
  cargo test -p binaryllm-core --no-default-features
  cargo test -q -p binaryllm-core --features postcard --lib report
}

step_portable() {
  step "forced-portable kernels (--cfg binaryllm_portable_only)"
  # The whole test suite again with every Hamming and projection kernel forced to the portable
  # one (results must not change: the fast paths are bit-identical). BINARYLLM_PORTABLE_ONLY=1
  # makes the core's build script set `--cfg binaryllm_portable_only` for the core alone, so
  # only our crates rebuild (RUSTFLAGS would rebuild every dependency, in a second target dir).
  BINARYLLM_PORTABLE_ONLY=1 cargo test --workspace
  # The next steps build the core in its default form again (target/debug/binaryllm is now the
  # portable one: a later firmware-run or interop step rebuilds it).
  have_binaryllm=""
}

step_aarch64() {
  step "aarch64 (NEON kernel): build, and the core tests under qemu-aarch64 when available"
  cargo build -q -p binaryllm-core --target aarch64-unknown-linux-gnu --features std
  if command -v qemu-aarch64 >/dev/null 2>&1 && command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
    PROPTEST_CASES=128 cargo test -q -p binaryllm-core --features std --target aarch64-unknown-linux-gnu --lib
  else
    echo "   skipped running: qemu-aarch64 or aarch64-linux-gnu-gcc not installed (.ci/run installs them)"
  fi
}

step_cross() {
  step "cross builds of the core (no alloc, no atomics)"
  for target in $(toolchain_list targets); do
    [[ "$target" == *-none-* ]] || continue
    cargo build -q -p binaryllm-core --target "$target" --no-default-features
    cargo build -q -p binaryllm-core --target "$target" --no-default-features --features serde,defmt
    echo "   ok: $target (none; serde,defmt)"
  done
}

step_firmware() {
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
}

step_fuzz() {
  step "fuzz smoke: each fuzz target ${FUZZ_SECONDS:-10} s (fuzz/run; skipped without cargo-fuzz + nightly)"
  # The long runs (10 min per target) are recorded in fuzz/README.md; CI only checks that every
  # target builds and survives a short run from its checked-in seeds.
  if command -v cargo-fuzz >/dev/null 2>&1 && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    bash fuzz/run "${FUZZ_SECONDS:-10}"
  else
    echo "   skipped: cargo-fuzz or the nightly toolchain is missing (.ci/run installs them)"
  fi
}

step_docs() {
  step "docs (-D warnings)"
  RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps -q
  cargo test -p binaryllm-core --doc -q
}

for name in "${selected[@]}"; do
  "step_${name//-/_}"
  lap
done

echo
if [ $# -eq 0 ]; then
  echo "all test steps passed in $(( $(date +%s) - t0 )) s"
else
  echo "test steps passed (${selected[*]}) in $(( $(date +%s) - t0 )) s"
fi
