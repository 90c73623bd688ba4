#!/usr/bin/env bash
# Same-run comparison with FAISS and numpy: creates a venv (numpy, faiss-cpu) unless VENV points
# to one, builds the release binary, then runs bench/compare.py with the given arguments.
#   bash bench/compare.sh --out bench/results/compare.json   # full: 1M codes x 1000 queries, 100k vectors, 3 runs
#   bash bench/compare.sh --knn-n 100000 --enc-n 10000 --runs 3   # quick (to runs/<UTC>-bench-compare/)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-bench/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "numpy==2.4.6" "faiss-cpu==1.15.1"
fi
cargo build --release -j 2 -p binaryllm
exec "$VENV/bin/python" bench/compare.py "$@"
