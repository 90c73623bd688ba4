#!/usr/bin/env python3
"""Batch-encode a directory of Parquet shards with Ray Data (`map_batches`).

    python examples/ray_encode.py IN_DIR OUT_DIR --dims 384 --bits 256 [--projection gaussian --seed 0 --workers 2]

IN_DIR holds Parquet files with an `id` column and an `embedding` column (`FixedSizeList` or
`List` of float32/float16; `--column` names another one). Each Ray worker builds the same
projection from (kind, dims, bits, seed) — no matrix is shipped — and encodes its Arrow
batches with `binaryllm.Projection.encode`; OUT_DIR gets Parquet files of `id` and `code`
(`FixedSizeBinary(ceil(bits/8))`, binaryllm's LSB-first bytes, the bytes of `binaryllm encode`).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _shards import arguments  # noqa: E402  (after the path)


class Encoder:
    """A Ray actor: the projection is built once per worker, from the seed."""

    def __init__(self, kind, dims, bits, seed, column):
        import binaryllm

        self.projection = binaryllm.Projection(kind, dims=dims, bits=bits, seed=seed)
        self.dims, self.column = dims, column

    def __call__(self, batch):
        import pyarrow as pa

        from _shards import codes_column, embedding_matrix

        x = embedding_matrix(batch.column(self.column), self.dims)
        codes = self.projection.encode(x, threads=1)
        return pa.table({"id": batch.column("id"), "code": codes_column(codes)})


def main(argv=None):
    ap = arguments(__doc__)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)

    import ray

    here = os.path.dirname(os.path.abspath(__file__))
    # One CPU per encoding actor plus one for the read and write tasks (with only the actors'
    # CPUs, the reads could never be scheduled).
    ray.init(num_cpus=a.workers + 1, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": here}})
    start = time.perf_counter()
    ds = ray.data.read_parquet(a.input)
    out = ds.map_batches(Encoder, fn_constructor_args=(a.projection, a.dims, a.bits, a.seed, a.column),
                         batch_format="pyarrow", batch_size=a.batch_rows,
                         compute=ray.data.ActorPoolStrategy(size=a.workers), num_cpus=1)
    out.write_parquet(a.output)
    seconds = time.perf_counter() - start
    rows = ray.data.read_parquet(a.output).count()
    print(f"ray: {rows} vectors → {(a.bits + 7) // 8}-byte codes in {seconds:.2f} s on {a.workers} workers "
          f"({rows / seconds:,.0f} vectors/s, {rows / seconds / a.workers:,.0f} per worker)")
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
