#!/usr/bin/env python3
"""Batch-encode a directory of Parquet shards with PySpark (`mapInArrow`, here `local[2]`).

    python examples/spark_encode.py IN_DIR OUT_DIR --dims 384 --bits 256 [--projection gaussian --seed 0]

IN_DIR holds Parquet files with an `id` column and an `embedding` column (`FixedSizeList` or
`List` of float32/float16; `--column` names another one). Every worker regenerates the same
projection from (kind, dims, bits, seed) — no matrix is shipped — and encodes its Arrow
batches with `binaryllm.Projection.encode`; OUT_DIR gets Parquet files of `id` and `code`
(Parquet `BINARY` values of ceil(bits/8) bytes — Spark has no fixed-size binary type —
binaryllm's LSB-first bytes, the bytes of `binaryllm encode`).
"""

import sys
import time

from _shards import arguments


def encoder(kind, dims, bits, seed, column):
    """The mapInArrow function: Arrow batches in, (id, code) batches out."""

    def encode(batches):
        import pyarrow as pa

        import binaryllm
        from _shards import codes_column, embedding_matrix

        projection = binaryllm.Projection(kind, dims=dims, bits=bits, seed=seed)
        for batch in batches:
            x = embedding_matrix(batch.column(column), dims)
            codes = projection.encode(x, threads=1)
            # Spark takes Arrow `binary`, not `FixedSizeBinary`: every value is ceil(bits/8) bytes.
            code = codes_column(codes).cast(pa.binary())
            yield pa.RecordBatch.from_arrays([batch.column("id"), code], ["id", "code"])

    return encode


def main(argv=None):
    ap = arguments(__doc__)
    ap.add_argument("--master", default="local[2]")
    a = ap.parse_args(argv)

    import os

    from pyspark.sql import SparkSession

    here = os.path.dirname(os.path.abspath(__file__))
    # The workers run this interpreter (with binaryllm and pyarrow), not whatever `python3` is.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master(a.master).appName("binaryllm-encode")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(a.batch_rows))
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.addPyFile(os.path.join(here, "_shards.py"))
    nb = (a.bits + 7) // 8
    start = time.perf_counter()
    df = spark.read.parquet(a.input)
    rows = df.count()
    out = df.mapInArrow(encoder(a.projection, a.dims, a.bits, a.seed, a.column),
                        f"id long, code binary")
    out.write.mode("overwrite").parquet(a.output)
    seconds = time.perf_counter() - start
    workers = spark.sparkContext.defaultParallelism
    print(f"spark: {rows} vectors → {nb}-byte codes in {seconds:.2f} s on {a.master} "
          f"({rows / seconds:,.0f} vectors/s, {rows / seconds / workers:,.0f} per worker)")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
