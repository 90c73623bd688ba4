#!/usr/bin/env bash
# FAISS and numpy interoperability of `binaryllm export` (scripts/interop.py), the bit-order
# doctor `binaryllm inspect` on codes of FAISS, numpy, sentence-transformers' forms, Weaviate's
# polarity and pgvector (scripts/interop_inspect.py), round trips of the codes into the engines
# (scripts/interop_engines.py: LanceDB, sqlite-vec, pgvector), and the judged
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
# The engines of scripts/interop_engines.py (each one skipped with a notice when it does not
# install): sqlite-vec with a SQLite build that loads extensions (pysqlite3-binary), LanceDB.
"$VENV/bin/python" -c "import sqlite_vec, pysqlite3" 2>/dev/null ||
  "$VENV/bin/pip" install -q sqlite-vec==0.1.9 pysqlite3-binary==0.5.4.post2 >/dev/null 2>&1 ||
  echo "   notice: sqlite-vec / pysqlite3-binary did not install: their round trip is skipped"
"$VENV/bin/python" -c "import lancedb" 2>/dev/null ||
  "$VENV/bin/pip" install -q lancedb==0.40.0 pyarrow==26.0.1 >/dev/null 2>&1 ||
  echo "   notice: lancedb did not install: its round trip is skipped"
[ -x "$BIN" ] || cargo build -q -p binaryllm
"$VENV/bin/python" scripts/interop.py --bin "$BIN"
# pgvector in PGlite (PostgreSQL compiled to WebAssembly, run by Node.js) for the bit-order
# doctor and the engine round trips; the pinned npm packages go to target/pglite (reused).
PGLITE=${BINARYLLM_PGLITE:-target/pglite}
pglite=()
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  mkdir -p "$PGLITE"
  cp scripts/pglite/package.json scripts/pglite/package-lock.json scripts/pglite/pgvector.mjs "$PGLITE/"
  if [ -d "$PGLITE/node_modules/@electric-sql/pglite-pgvector" ] \
    || (cd "$PGLITE" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1); then
    pglite=(--pglite "$PGLITE")
  else
    echo "   notice: npm install of PGlite + pgvector failed: the pgvector checks are skipped"
  fi
else
  echo "   notice: no node/npm: the pgvector checks are skipped"
fi
"$VENV/bin/python" scripts/interop_inspect.py --bin "$BIN" "${pglite[@]}"
"$VENV/bin/python" scripts/interop_engines.py --bin "$BIN" "${pglite[@]}"
"$VENV/bin/python" scripts/check_judged.py --bin "$BIN"
