#!/usr/bin/env python3
"""The batch-encoding examples against the command line (scripts/distributed.sh runs it).

Writes a generated data set as SHARDS Parquet shards (ids shuffled across shards, embeddings
as FixedSizeList<float32> in some shards and List<float> in others), encodes it with
examples/spark_encode.py (local[2]) and examples/ray_encode.py (2 workers), and asserts that
the codes, ordered by id, are byte-identical to `binaryllm encode` of the concatenated input.
Prints the throughput of 1 and 2 workers for docs/scale.md.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))


def write_shards(d, rows, dims, shards, seed=11):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, dims)).astype(np.float32)
    x[rng.random((rows, dims)) < 0.01] = 0.0
    order = rng.permutation(rows)
    os.makedirs(os.path.join(d, "in"))
    for s, part in enumerate(np.array_split(order, shards)):
        flat = pa.array(x[part].reshape(-1))
        emb = (pa.FixedSizeListArray.from_arrays(flat, dims) if s % 2 == 0
               else pa.ListArray.from_arrays(pa.array(np.arange(len(part) + 1) * dims, pa.int32()), flat))
        pq.write_table(pa.table({"id": pa.array(part.astype(np.int64)), "embedding": emb}),
                       os.path.join(d, "in", f"part-{s:03d}.parquet"), row_group_size=700)
    np.save(os.path.join(d, "all.npy"), x)
    return x


def read_codes(out_dir):
    t = pq.read_table(out_dir).sort_by("id")
    ids = t.column("id").to_numpy()
    nb = t.schema.field("code").type.byte_width if pa.types.is_fixed_size_binary(t.schema.field("code").type) else None
    codes = np.frombuffer(b"".join(c.as_py() for c in t.column("code")), np.uint8)
    return ids, codes.reshape(len(ids), -1), nb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--dims", type=int, default=384)
    ap.add_argument("--bits", type=int, default=256)
    ap.add_argument("--shards", type=int, default=6)
    ap.add_argument("--engines", default="spark,ray")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        write_shards(d, a.rows, a.dims, a.shards)
        subprocess.run([a.bin, "encode", "--input", os.path.join(d, "all.npy"), "--bits", str(a.bits),
                        "--projection", "gaussian", "--seed", "5", "--out", os.path.join(d, "want.npy")],
                       check=True, capture_output=True)
        want = np.load(os.path.join(d, "want.npy"))
        for engine in a.engines.split(","):
            script = os.path.join(HERE, f"{engine}_encode.py")
            for workers in (1, 2):
                out = os.path.join(d, f"{engine}-{workers}")
                extra = ["--master", f"local[{workers}]"] if engine == "spark" else ["--workers", str(workers)]
                r = subprocess.run([sys.executable, script, os.path.join(d, "in"), out, "--dims", str(a.dims),
                                    "--bits", str(a.bits), "--seed", "5", *extra],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    sys.stderr.write(r.stdout[-4000:] + r.stderr[-4000:])
                    raise SystemExit(f"{engine} with {workers} workers failed")
                print("   " + r.stdout.strip().splitlines()[-1])
                ids, codes, nb = read_codes(out)
                assert (ids == np.arange(a.rows)).all(), f"{engine}: ids"
                assert codes.shape == want.shape, (engine, codes.shape, want.shape)
                assert (codes == want).all(), f"{engine} ({workers} workers): codes differ from binaryllm encode"
        print(f"distributed ok: {a.engines} codes of {a.rows} × {a.dims} in {a.shards} shards "
              f"are byte-identical to binaryllm encode (1 and 2 workers)")


if __name__ == "__main__":
    sys.exit(main())
