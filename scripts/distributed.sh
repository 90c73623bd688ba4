#!/usr/bin/env bash
# The batch-encoding examples on a local 2-worker cluster (examples/check_distributed.py):
# examples/spark_encode.py (PySpark, local[1] and local[2], the machine's Java 17) and
# examples/ray_encode.py (Ray Data, 1 and 2 workers) over Parquet shards of a generated data
# set must give the bytes of `binaryllm encode`. A venv under target/ with the wheel
# (scripts/python.sh --wheel), pyspark, ray[data] and pyarrow (reused when present). When
# something cannot install (no network, no Java) it skips with a notice, exit 0: the issue asks
# for these tests where the packages install.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${BINARYLLM_DISTRIBUTED_VENV:-target/distributed-venv}
BIN=${BINARYLLM_BIN:-target/debug/binaryllm}
notice() { echo "   notice: $1: the Ray / Spark examples are not checked"; exit 0; }

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import pyspark, ray, pyarrow" 2>/dev/null; then
  { python3 -m venv "$VENV" &&
    "$VENV/bin/pip" install -q numpy pyarrow==26.0.1 pyspark==4.0.1 "ray[data]==2.52.1"; } >/dev/null 2>&1 ||
    notice "cannot install pyspark + ray[data] into $VENV"
fi
engines=ray
if command -v java >/dev/null 2>&1; then
  engines=spark,ray
else
  echo "   notice: no java on PATH: the Spark example is not checked"
fi
ls target/wheels/binaryllm-*.whl >/dev/null 2>&1 || bash scripts/python.sh --wheel
"$VENV/bin/pip" install -q --force-reinstall --no-deps target/wheels/binaryllm-*.whl
[ -x "$BIN" ] || cargo build -q -p binaryllm
"$VENV/bin/python" examples/check_distributed.py --bin "$BIN" --engines "$engines"
