#!/usr/bin/env python3
"""Independent numpy recall@10 on the full WordNet x MiniLM set, for host/tests/wordnet.rs.

Takes the Gaussian projection matrix from `binaryllm projection` (seed 0, 1024 x 384; the
256-bit codes are its first 256 rows), then does everything else in numpy: signs of
X @ W.T (float64), numpy.packbits(bitorder="little"), Hamming distances by XOR + bit count,
top-10 by (distance, index), and recall@10 against the shipped float top-100
(wordnet_minilm_gt100.npy). Writes host/tests/golden/wordnet-recall-v1.json; the Rust test
checks that `binaryllm eval` agrees within 0.005 (it skips when ../shared is absent).

Usage (repository root, numpy installed):
    cargo build --release -p binaryllm
    python3 scripts/golden/wordnet_recall.py --bin target/release/binaryllm --data ../shared/data
"""

import argparse
import json
import os
import subprocess
import tempfile

import numpy as np


def hamming_topk(qc, bc, k):
    out = np.empty((qc.shape[0], k), dtype=np.int64)
    for s in range(0, qc.shape[0], 50):
        x = np.bitwise_xor(qc[s:s + 50, None, :], bc[None, :, :])
        d = np.bitwise_count(x).sum(axis=2, dtype=np.int64)
        out[s:s + 50] = np.argsort(d, axis=1, kind="stable")[:, :k]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/binaryllm")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", default="host/tests/golden/wordnet-recall-v1.json")
    args = ap.parse_args()
    base = np.load(os.path.join(args.data, "wordnet_minilm_base.npy"))
    queries = np.load(os.path.join(args.data, "wordnet_minilm_queries.npy"))
    gt = np.load(os.path.join(args.data, "wordnet_minilm_gt100.npy"))
    with tempfile.TemporaryDirectory() as tmp:
        w_path = os.path.join(tmp, "w.npy")
        subprocess.run([args.bin, "projection", "--dims", "384", "--bits", "1024",
                        "--projection", "gaussian", "--seed", "0", "--out", w_path], check=True)
        w = np.load(w_path).astype(np.float64)
    yb = base.astype(np.float64) @ w.T
    yq = queries.astype(np.float64) @ w.T
    result = {"projection": "gaussian", "seed": 0, "k": 10, "numpy": np.__version__, "recall@10": {}}
    for bits in (256, 1024):
        bc = np.packbits(yb[:, :bits] >= 0, axis=1, bitorder="little")
        qc = np.packbits(yq[:, :bits] >= 0, axis=1, bitorder="little")
        top = hamming_topk(qc, bc, 10)
        hits = sum(len(set(top[i]) & set(gt[i, :10])) for i in range(len(top)))
        r = hits / (10 * len(top))
        result["recall@10"][str(bits)] = r
        print(f"{bits} bits: recall@10 = {r:.4f}")
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
