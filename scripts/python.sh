#!/usr/bin/env bash
# The Python package (python/): builds the wheel once with maturin (release, abi3), installs it
# into a fresh venv and runs its pytest suite there, from a temporary directory, so nothing of
# the source tree is on sys.path; the identity tests run target/debug/binaryllm (built if
# missing). Needs python3 with venv and pip access to PyPI (maturin, numpy, pytest, faiss-cpu).
# Under CI (CI set) a missing prerequisite fails the step; elsewhere it skips with a notice.
#
#   bash scripts/python.sh            # wheel + venv + pytest
#   bash scripts/python.sh --wheel    # only the wheel, into target/wheels (scripts/distributed.sh)
#   PYTEST_ARGS="-k index" bash scripts/python.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_VENV=${BINARYLLM_MATURIN_VENV:-target/py-build-venv}
TEST_VENV=target/py-test-venv
WHEELS=target/wheels
BIN=${BINARYLLM_BIN:-target/debug/binaryllm}

unavailable() {
  if [ -n "${CI:-}" ]; then
    echo "   error: $1" >&2
    exit 1
  fi
  echo "   notice: $1: Python package tests skipped"
  exit 0
}

if [ ! -x "$BUILD_VENV/bin/maturin" ]; then
  { python3 -m venv "$BUILD_VENV" && "$BUILD_VENV/bin/pip" install -q "maturin>=1.9,<2"; } >/dev/null 2>&1 ||
    unavailable "cannot make a venv with maturin in $BUILD_VENV"
fi
rm -rf "$WHEELS"
CARGO_TARGET_DIR=$ROOT/target/python "$BUILD_VENV/bin/maturin" build --release --quiet \
  -m python/Cargo.toml --out "$WHEELS"
wheel=$(ls "$WHEELS"/binaryllm-*.whl)
echo "   built $(basename "$wheel")"
[ "${1:-}" = "--wheel" ] && exit 0

rm -rf "$TEST_VENV"
{ python3 -m venv "$TEST_VENV" && "$TEST_VENV/bin/pip" install -q "$wheel" pytest faiss-cpu; } >/dev/null 2>&1 ||
  unavailable "cannot install the wheel with pytest and faiss-cpu into $TEST_VENV"

[ -x "$BIN" ] || cargo build -q -p binaryllm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
BINARYLLM_CLI=$ROOT/$BIN BINARYLLM_REPO=$ROOT "$ROOT/$TEST_VENV/bin/python" -m pytest -q \
  -p no:cacheprovider "$ROOT/python/tests" ${PYTEST_ARGS:-}
