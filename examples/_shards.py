"""Shared by the batch-encoding examples: Arrow embedding columns to numpy and back."""

import argparse

import numpy as np
import pyarrow as pa


def arguments(doc: str) -> argparse.ArgumentParser:
    """The examples' common command line: IN_DIR OUT_DIR, the projection, the column."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("input", help="directory of Parquet shards (id, embedding)")
    ap.add_argument("output", help="directory for the Parquet codes (id, code)")
    ap.add_argument("--dims", type=int, required=True)
    ap.add_argument("--bits", type=int, required=True)
    ap.add_argument("--projection", default="gaussian")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--column", default="embedding")
    ap.add_argument("--batch-rows", type=int, default=4096, help="rows per Arrow batch")
    return ap


def embedding_matrix(column: pa.ChunkedArray | pa.Array, dims: int) -> np.ndarray:
    """A `FixedSizeList<float32|float16>` or `List<float>` column as a float32 `[rows, dims]`
    array: zero-copy for a float32 column without nulls (the values buffer is reshaped),
    one conversion otherwise. Rows of another length or nulls are a ValueError."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if column.null_count:
        raise ValueError(f"embedding column: {column.null_count} null rows")
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        lengths = column.value_lengths().to_numpy(zero_copy_only=False)
        if len(lengths) and (lengths != dims).any():
            bad = int(np.argmax(lengths != dims))
            raise ValueError(f"embedding column: row {bad} has {lengths[bad]} values, expected {dims}")
    elif pa.types.is_fixed_size_list(column.type):
        if column.type.list_size != dims:
            raise ValueError(f"embedding column: {column.type.list_size} values per row, expected {dims}")
    else:
        raise ValueError(f"embedding column: type {column.type} is not a list of floats")
    values = column.flatten()
    if not pa.types.is_floating(values.type):
        raise ValueError(f"embedding column: values of type {values.type} are not floats")
    x = values.to_numpy(zero_copy_only=False)
    return x.astype(np.float32, copy=False).reshape(len(column), dims)


def codes_column(codes: np.ndarray) -> pa.FixedSizeBinaryArray:
    """`uint8 [rows, bytes]` codes as a `FixedSizeBinary(bytes)` column (one buffer, no copy)."""
    rows, nb = codes.shape
    buf = pa.py_buffer(np.ascontiguousarray(codes))
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(nb), rows, [None, buf])
