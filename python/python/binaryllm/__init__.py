"""binaryllm: binary embeddings from Python.

Project float embeddings with seeded random hyperplanes (or learned projections), keep the
sign bits packed, and search them exactly by Hamming distance — the same bits as the
``binaryllm`` command line and the firmware, from numpy arrays, without copies.

>>> import numpy as np, binaryllm
>>> x = np.random.default_rng(0).standard_normal((1000, 384), dtype=np.float32)
>>> p = binaryllm.Projection("gaussian", dims=384, bits=256, seed=0)
>>> codes = p.encode(x)                       # uint8 [1000, 32], FAISS byte order
>>> index = binaryllm.Index.from_codes(codes, bits=256)
>>> distances, ids = index.search(codes[:5], k=10)
>>> ids[:, 0].tolist()
[0, 1, 2, 3, 4]

Codes made by another tool (FAISS, numpy ``packbits``, sentence-transformers, pgvector,
Weaviate): :func:`inspect` tells their layout from the floats they came from, :func:`convert`
turns them into binaryllm's codes.

Errors are :class:`Error` subclasses (:class:`InvalidInputError` is also a ``ValueError``,
:class:`DTypeError` a ``TypeError``, :class:`FileError` an ``OSError``) with the library's
message: the stage, what failed and where.
"""

from binaryllm._errors import DTypeError, Error, FileError, InternalError, InvalidInputError
from binaryllm._native import (
    Index,
    Projection,
    __version__,
    convert,
    evaluate,
    hamming,
    inspect,
    knn,
    quantize,
)

__all__ = [
    "DTypeError",
    "Error",
    "FileError",
    "Index",
    "InternalError",
    "InvalidInputError",
    "Projection",
    "__version__",
    "convert",
    "evaluate",
    "hamming",
    "inspect",
    "knn",
    "quantize",
]
