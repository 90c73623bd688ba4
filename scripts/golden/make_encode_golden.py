#!/usr/bin/env python3
"""Goldens for `binaryllm encode`: codes computed by numpy from the matrix `binaryllm projection` writes.

For each case (kind, bits, seed) this script
  1. runs `binaryllm projection --dims D --bits B --projection KIND --seed S --out W.npy`,
  2. computes bits = (X @ W.T) >= 0 in float64 (X is a seeded float32 matrix saved as x.npy),
  3. writes numpy.packbits(bits, axis=1, bitorder="little")  -> <case>-faiss.npy
     and     numpy.packbits(bits, axis=1)  (MSB first)        -> <case>-packbits.npy,
and checks that no projected value is within 1e-4 of 0 (where float32 and float64 sums could
disagree on the sign). The Rust test (host/tests/golden.rs) re-runs `projection` (byte-equal
W) and `encode` (byte-equal codes) against these files; it needs no Python.

Usage (repository root, numpy installed):
    cargo build --release -p binaryllm
    python3 scripts/golden/make_encode_golden.py --bin target/release/binaryllm
"""

import argparse
import json
import os
import subprocess

import numpy as np

CASES = [("gaussian", 100, 7), ("rademacher", 64, 1), ("achlioptas", 130, 3)]
N, D = 40, 37


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/binaryllm")
    ap.add_argument("--out", default="host/tests/golden/encode")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20261124)
    x = rng.standard_normal((N, D)).astype(np.float32)
    np.save(os.path.join(args.out, "x.npy"), x)
    meta = {"x": {"shape": [N, D], "dtype": "float32", "generator": "numpy default_rng(20261124).standard_normal"}, "cases": []}
    for kind, bits, seed in CASES:
        case = f"{kind}-{bits}-s{seed}"
        w_path = os.path.join(args.out, f"{case}-w.npy")
        subprocess.run([args.bin, "projection", "--dims", str(D), "--bits", str(bits),
                        "--projection", kind, "--seed", str(seed), "--out", w_path], check=True)
        w = np.load(w_path)
        assert w.shape == (bits, D) and w.dtype == np.float32
        y = x.astype(np.float64) @ w.astype(np.float64).T
        margin = float(np.abs(y).min())
        assert margin > 1e-4, f"{case}: a projection is {margin} from 0; change the data seed"
        b = y >= 0
        np.save(os.path.join(args.out, f"{case}-faiss.npy"), np.packbits(b, axis=1, bitorder="little"))
        np.save(os.path.join(args.out, f"{case}-packbits.npy"), np.packbits(b, axis=1))
        meta["cases"].append({"kind": kind, "bits": bits, "seed": seed, "min_abs_projection": margin})
        print(f"{case}: min |y| = {margin:.3e}")
    meta["numpy"] = np.__version__
    with open(os.path.join(args.out, "README.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
