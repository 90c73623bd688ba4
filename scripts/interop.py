#!/usr/bin/env python3
"""Interoperability checks against the real libraries (run by scripts/interop.sh in a venv).

1. `binaryllm export --format faiss-index`: faiss.read_index_binary loads it as an
   IndexBinaryFlat whose kNN of the query codes equals `binaryllm search` (same distances; same
   ids wherever the distance is not tied at the k-th place).
2. `binaryllm export --format ubinary`: the bytes equal numpy.packbits(bits) in numpy's default
   (MSB-first) order, which is what sentence-transformers' `ubinary` precision produces.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import faiss
import numpy as np


def run(binary, *args):
    subprocess.run([binary, *args], check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as d:
        p = lambda n: os.path.join(d, n)
        np.save(p("base.npy"), rng.standard_normal((2000, 48)).astype(np.float32))
        np.save(p("q.npy"), rng.standard_normal((50, 48)).astype(np.float32))
        for name in ("base", "q"):
            run(a.bin, "encode", "--input", p(f"{name}.npy"), "--bits", "128", "--projection",
                "hadamard", "--seed", "3", "--out", p(f"{name}-codes.npy"))
        run(a.bin, "search", "--codes", p("base-codes.npy"), "--query-codes", p("q-codes.npy"),
            "--k", "10", "--out", p("hits"))
        run(a.bin, "export", "--codes", p("base-codes.npy"), "--format", "faiss-index",
            "--out", p("index.bin"))
        run(a.bin, "export", "--codes", p("base-codes.npy"), "--format", "ubinary",
            "--out", p("ub.npy"))

        index = faiss.read_index_binary(p("index.bin"))
        assert isinstance(index, faiss.IndexBinaryFlat), type(index)
        assert index.ntotal == 2000 and index.d == 128
        dist, ids = index.search(np.load(p("q-codes.npy")), 10)
        our_ids = np.load(p("hits/ids.npy"))
        our_dist = np.load(p("hits/distances.npy"))
        assert (dist == our_dist).all(), "Hamming distances differ from FAISS"
        for qi in range(len(ids)):
            untied = dist[qi] < dist[qi, -1]
            assert (ids[qi][untied] == our_ids[qi][untied]).all(), f"query {qi}"
            assert set(ids[qi]) <= set(range(2000))

        codes = np.load(p("base-codes.npy"))
        bits = np.unpackbits(codes, axis=1, bitorder="little")
        assert (np.load(p("ub.npy")) == np.packbits(bits, axis=1)).all(), "ubinary != packbits"
    print(f"interop ok: faiss {faiss.__version__} (IndexBinaryFlat neighbours), numpy {np.__version__} (packbits)")


if __name__ == "__main__":
    sys.exit(main())
