#!/usr/bin/env python3
"""The numpy side of `bench/compare.py --encode-process`: one fresh process that encodes a float
matrix file the way `binaryllm encode` does, timed from outside as a whole process.

    numpy_encode.py X.npy OUT.npy BITS SEED

np.load the input, multiply by a Gaussian matrix [dims, bits] drawn from numpy's own RNG
(`default_rng(SEED)`: same shape and distribution as ours, not the same numbers, so the codes
differ from ours: the comparison is of time, not of bits), take signs (>= 0), pack LSB-first
(`np.packbits(..., bitorder="little")`, our default byte order) and np.save the uint8 codes.
Thread counts come from the environment (OPENBLAS_NUM_THREADS etc., set by the driver).
"""

import sys

import numpy as np


def main():
    inp, out, bits, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    x = np.load(inp)
    w = np.random.default_rng(seed).standard_normal((x.shape[1], bits), dtype=np.float32)
    codes = np.packbits((x @ w) >= 0, axis=1, bitorder="little")
    np.save(out, codes)


if __name__ == "__main__":
    main()
