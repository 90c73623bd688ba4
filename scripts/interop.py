#!/usr/bin/env python3
"""Interoperability checks against the real libraries (run by scripts/interop.sh in a venv).

1. `binaryllm export --format faiss-index`: faiss.read_index_binary loads it as an
   IndexBinaryFlat whose kNN of the query codes equals `binaryllm search` (same distances; same
   ids wherever the distance is not tied at the k-th place).
2. `binaryllm export --format faiss-ivf`: faiss.read_index_binary loads an IndexBinaryIVF whose
   search at nprobe = nlist equals the flat search, and its bytes are those faiss.write_index_binary
   writes for the same index (an IndexBinaryIVF over the same centroids, the codes added by FAISS):
   with most lists filled ("full") and with most empty ("sprs").
3. `binaryllm export --format ubinary`: the bytes equal numpy.packbits(bits) in numpy's default
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


def check_ivf(binary, p, codes, queries, flat_dist, nlist, name="base-codes"):
    src = p(f"{name}.npy")
    run(binary, "export", "--codes", src, "--bits", "128", "--format", "faiss-ivf", "--nlist",
        str(nlist), "--seed", "7", "--out", p(f"{name}-ivf.bin"))
    index = faiss.read_index_binary(p(f"{name}-ivf.bin"))
    assert isinstance(index, faiss.IndexBinaryIVF), type(index)
    assert (index.nlist, index.nprobe, index.ntotal, index.d) == (nlist, 1, len(codes), 128)
    index.nprobe = nlist
    dist, ids = index.search(queries, 10)
    flat = faiss.IndexBinaryFlat(128)
    flat.add(codes)
    fd, fi = flat.search(queries, 10)
    assert (dist == fd).all(), f"{name}: IVF at nprobe = nlist differs from the flat search"
    if flat_dist is not None:
        assert (dist == flat_dist).all(), f"{name}: IVF differs from binaryllm search"
    # FAISS's own file of the same index: its quantizer holds our centroids, FAISS adds the codes.
    quantizer = faiss.downcast_IndexBinary(index.quantizer)
    centroids = faiss.rev_swig_ptr(quantizer.xb.data(), quantizer.ntotal * 16).copy().reshape(-1, 16)
    q2 = faiss.IndexBinaryFlat(128)
    q2.add(centroids)
    own = faiss.IndexBinaryIVF(q2, 128, nlist)
    own.add(codes)
    faiss.write_index_binary(own, p(f"{name}-faiss-own.bin"))
    with open(p(f"{name}-ivf.bin"), "rb") as f, open(p(f"{name}-faiss-own.bin"), "rb") as g:
        assert f.read() == g.read(), f"{name}: the IVF file differs from FAISS's own"


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
        check_ivf(a.bin, p, codes, np.load(p("q-codes.npy")), dist, nlist=60)
        # Few distinct codes: most lists stay empty (FAISS's sparse list sizes).
        few = codes[np.arange(len(codes)) % 3]
        np.save(p("few.npy"), few)
        check_ivf(a.bin, p, few, np.load(p("q-codes.npy")), None, nlist=20, name="few")

        bits = np.unpackbits(codes, axis=1, bitorder="little")
        assert (np.load(p("ub.npy")) == np.packbits(bits, axis=1)).all(), "ubinary != packbits"
    print(f"interop ok: faiss {faiss.__version__} (IndexBinaryFlat neighbours; IndexBinaryIVF at nprobe = nlist, "
          f"byte-identical to FAISS's own file, full and sparse lists), numpy {np.__version__} (packbits)")


if __name__ == "__main__":
    sys.exit(main())
