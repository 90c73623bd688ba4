#!/usr/bin/env bash
# FAISS and numpy interoperability of `binaryllm export` (scripts/interop.py), and the judged
# metrics against ir-measures on binaryllm's TREC run files (scripts/check_judged.py), in a venv
# with numpy + faiss-cpu + ir-measures under target/ (reused when present). Skips with a notice, exit 0, when the
# venv cannot be made (no network, no python3-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${BINARYLLM_INTEROP_VENV:-target/interop-venv}
BIN=${BINARYLLM_BIN:-target/debug/binaryllm}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import faiss, numpy, ir_measures" 2>/dev/null; then
  if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q numpy faiss-cpu ir-measures==0.4.3 pytrec-eval-terrier==0.5.11; } >/dev/null 2>&1; then
    echo "   notice: cannot make a venv with numpy + faiss-cpu + ir-measures in $VENV: interop checks skipped"
    exit 0
  fi
fi
[ -x "$BIN" ] || cargo build -q -p binaryllm
"$VENV/bin/python" scripts/interop.py --bin "$BIN"
"$VENV/bin/python" scripts/check_judged.py --bin "$BIN"
