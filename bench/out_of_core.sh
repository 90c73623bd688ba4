#!/usr/bin/env bash
# Out-of-core demo: a code file several times larger than the memory the search may use.
# Needs root and a cgroup-v1 memory controller (/sys/fs/cgroup/memory). Writes a seeded code
# file of N codes (default 150M x 256 bits = 4.8 GB) and searches it, memory-mapped, inside a
# cgroup limited to LIMIT bytes (default 1 GiB); prints the time, peak RSS and the cgroup's
# peak usage. Results: bench/results/knn_out_of_core.json.
#   sudo bash bench/out_of_core.sh [N] [LIMIT_BYTES] [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-150000000}"
LIMIT="${2:-1073741824}"
DIR="${3:-/tmp/binaryllm-ooc}"
CG=/sys/fs/cgroup/memory/binaryllm-ooc
cargo build --release -j 2 -p binaryllm
mkdir -p "$DIR" "$CG"
echo "$LIMIT" > "$CG/memory.limit_in_bytes"
BIN="$PWD/target/release/binaryllm"
OUT="$PWD/bench/results/knn_out_of_core.json"
# binaryllm refuses to overwrite a file it cannot tell it wrote: results go to $DIR (--force
# replaces an earlier run's) and are copied over the committed file at the end.
RES="$DIR/knn_out_of_core.json"
bash -c "echo \$\$ > $CG/cgroup.procs
  $BIN bench make-codes --n $N --bits 256 --out $DIR/big.codes --force
  ls -l $DIR/big.codes
  /usr/bin/time -v $BIN bench knn --codes $DIR/big.codes --nq 100 --k 10 --threads 2 --repeat 2 --out $RES --force 2>&1 \
    | grep -E 'bits|avx|popcnt|portable|neon|wrote|Elapsed|Maximum resident|Major'"
echo "cgroup peak usage: $(cat "$CG/memory.max_usage_in_bytes") bytes (limit $LIMIT)"
cp "$RES" "$OUT"
rm -f "$DIR/big.codes" "$DIR/big.codes.json"
