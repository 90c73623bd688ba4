#!/usr/bin/env python3
"""Round trips of binaryllm codes into the engines users search them with (scripts/interop.sh).

Each engine loads the codes `binaryllm encode` wrote (FAISS byte order: LSB-first, which is
what these engines read, so the bytes load as they are), searches the query codes there, and
must return the top-k of `binaryllm search` on the same codes: the same Hamming distances,
and the same ids (ties broken by id; where an engine does not break ties by id, its ids are
compared wherever the distance is not tied with the k-th).

- pgvector 0.8 in PGlite (PostgreSQL compiled to WebAssembly, under Node.js; `--pglite DIR`):
  `binaryllm export --format pgvector-sql` loaded as it is; an exact scan
  (`ORDER BY code <~> q, id`), an HNSW `bit_hamming_ops` index (ef_search = the table's size)
  and the float re-rank subquery (the Hamming top-M re-ordered by `embedding <#> q`), against
  `binaryllm search` with and without `--base … --rerank M`.
- LanceDB / Lance: a table with the codes as `FixedSizeList<uint8>` (Arrow, zero-copy from
  the numpy array), `distance_type("hamming")`, flat and with an `IVF_FLAT` index searched
  with `nprobes = num_partitions` (exact).
- sqlite-vec (`bit[N]` columns of a `vec0` table, LSB-first): its KNN (`MATCH ... AND k = K`)
  and a full scan with `vec_distance_hamming ... ORDER BY distance, rowid`; and
  `vec_quantize_binary` is checked by `binaryllm inspect` (its layout and threshold rule).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

K = 10
RERANK = 50


def run(binary, *args):
    subprocess.run([binary, *args], check=True, capture_output=True)


def hamming(a, b):
    """numpy's Hamming distances between two uint8 code arrays (the oracle of the ids)."""
    x = np.unpackbits(a, axis=1).astype(bool)
    y = np.unpackbits(b, axis=1).astype(bool)
    return (x[:, None, :] != y[None, :, :]).sum(axis=2)


def compare(name, ids, dist, ours, ties_by_id):
    """Fails unless (ids, dist) is binaryllm's top-k `ours` (see the module docs). An engine
    that does not break ties by id is compared after sorting each of its tie groups by id,
    every position before the k-th distance exactly, and at the k-th distance every id must
    be at that distance (numpy's Hamming of the codes)."""
    our_ids, our_dist, truth = ours
    assert dist.shape == our_dist.shape, (name, dist.shape, our_dist.shape)
    assert (dist == our_dist).all(), f"{name}: Hamming distances differ from binaryllm search"
    if not ties_by_id:
        order = np.lexsort((ids, dist), axis=1)
        ids = np.take_along_axis(ids, order, axis=1)
        dist = np.take_along_axis(dist, order, axis=1)
    for q in range(len(ids)):
        assert (truth[q, ids[q]] == dist[q]).all(), f"{name}: query {q}: an id at a wrong distance"
        exact = slice(None) if ties_by_id else dist[q] < dist[q, -1]
        assert (ids[q][exact] == our_ids[q][exact]).all(), f"{name}: query {q}: ids differ"


def sqlite_vec(codes, queries, bits, ours, floats_path, binary, d):
    try:
        import pysqlite3 as sqlite3  # a build with loadable extensions (CPython's may lack them)
        import sqlite_vec as vec
    except ImportError as e:
        print(f"   notice: sqlite-vec round trip skipped ({e})")
        return None
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    vec.load(db)
    db.enable_load_extension(False)
    version = db.execute("SELECT vec_version()").fetchone()[0]
    db.execute(f"CREATE VIRTUAL TABLE items USING vec0(embedding bit[{bits}])")
    db.executemany("INSERT INTO items(rowid, embedding) VALUES (?, vec_bit(?))",
                   [(i, c.tobytes()) for i, c in enumerate(codes)])
    knn_ids, knn_dist, scan_ids, scan_dist = [], [], [], []
    for q in queries:
        rows = db.execute("SELECT rowid, distance FROM items WHERE embedding MATCH vec_bit(?) "
                          "AND k = ? ORDER BY distance", (q.tobytes(), K)).fetchall()
        knn_ids.append([r[0] for r in rows])
        knn_dist.append([r[1] for r in rows])
        rows = db.execute("SELECT rowid, vec_distance_hamming(embedding, vec_bit(?)) AS d "
                          "FROM items ORDER BY d, rowid LIMIT ?", (q.tobytes(), K)).fetchall()
        scan_ids.append([r[0] for r in rows])
        scan_dist.append([r[1] for r in rows])
    compare("sqlite-vec vec0 KNN", np.array(knn_ids), np.array(knn_dist, dtype=np.int64), ours,
            ties_by_id=False)
    compare("sqlite-vec scan", np.array(scan_ids), np.array(scan_dist, dtype=np.int64), ours,
            ties_by_id=True)

    # vec_quantize_binary's codes of the floats, through the bit-order doctor.
    x = np.load(floats_path)
    qb = [db.execute("SELECT vec_quantize_binary(vec_f32(?))", (row.tobytes(),)).fetchone()[0]
          for row in x]
    np.save(os.path.join(d, "sqlite-vec-q.npy"), np.frombuffer(b"".join(qb), np.uint8).reshape(len(x), -1))
    r = subprocess.run([binary, "inspect", "--codes", os.path.join(d, "sqlite-vec-q.npy"),
                        "--floats", floats_path, "--json"], check=True, capture_output=True, text=True)
    rep = json.loads(r.stdout)
    assert rep["verdict"] == "identified", rep["evidence"]
    assert rep["layout"]["bit_order"] == "lsb" and rep["layout"]["polarity"] == "positive", rep["layout"]
    return f"sqlite-vec {version} (vec0 KNN, scan; vec_quantize_binary: {rep['layout']['description']}, {rep['threshold']['rule']})"


def lance(codes, queries, bits, ours):
    try:
        import lancedb
        import pyarrow as pa
        from lancedb.index import IvfFlat
    except ImportError as e:
        print(f"   notice: LanceDB round trip skipped ({e})")
        return None
    with tempfile.TemporaryDirectory() as d:
        db = lancedb.connect(d)
        nb = codes.shape[1]
        table = db.create_table("codes", pa.table({
            "id": pa.array(np.arange(len(codes), dtype=np.int64)),
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(codes.reshape(-1)), nb),
        }))
        def knn(nprobes=None):
            ids, dist = [], []
            for q in queries:
                s = table.search(q).distance_type("hamming").limit(K)
                if nprobes:
                    s = s.nprobes(nprobes)
                r = s.to_arrow()
                ids.append(r["id"].to_numpy())
                dist.append(r["_distance"].to_numpy())
            return np.array(ids), np.array(dist).astype(np.int64)
        compare("LanceDB flat", *knn(), ours, ties_by_id=False)
        partitions = 8
        table.create_index("vector", config=IvfFlat(distance_type="hamming",
                                                    num_partitions=partitions))
        plan = table.search(queries[0]).distance_type("hamming").nprobes(partitions).limit(K).explain_plan()
        assert "ANNIvfPartition" in plan and "Hamming" in plan, plan
        compare("LanceDB IVF_FLAT", *knn(partitions), ours, ties_by_id=False)
    return f"LanceDB {lancedb.__version__} (flat, IVF_FLAT with nprobes = {partitions} partitions)"


def bitstrings(codes):
    """pgvector bit-string literals of LSB-first code bytes: character j = code bit j."""
    return ["".join("1" if b else "0" for b in row)
            for row in np.unpackbits(codes, axis=1, bitorder="little").astype(bool)]


def pgvector(codes, queries, bits, ours, floats_path, binary, d, pglite, base, qf, rescored):
    if not pglite:
        print("   notice: pgvector round trip skipped (no PGlite: node + npm)")
        return None
    run(binary, "export", "--codes", os.path.join(d, "base-codes.npy"), "--format", "pgvector-sql",
        "--out", os.path.join(d, "codes.sql"))
    literal = lambda v: "[" + ",".join(repr(float(x)) for x in v) + "]"
    src, dst = os.path.join(d, "pgv-in.json"), os.path.join(d, "pgv-out.json")
    with open(src, "w") as f:
        json.dump({"sql": os.path.join(d, "codes.sql"), "queries": bitstrings(queries),
                   "floats": [literal(v) for v in base], "float_queries": [literal(v) for v in qf],
                   "k": K, "rerank": RERANK}, f)
    subprocess.run(["node", os.path.join(pglite, "pgvector.mjs"), "search", src, dst], check=True)
    with open(dst) as f:
        got = json.load(f)
    as_arrays = lambda rs: (np.array([[r[0] for r in q] for q in rs]),
                            np.array([[r[1] for r in q] for q in rs]))
    ids, dist = as_arrays(got["scan"])
    compare("pgvector scan", ids, dist.astype(np.int64), ours, ties_by_id=True)
    ids, dist = as_arrays(got["hnsw"])
    compare("pgvector HNSW", ids, dist.astype(np.int64), ours, ties_by_id=False)
    # The float re-rank: the same ids as binaryllm search --base --rerank, scores to float32.
    ids, score = as_arrays(got["rescored"])
    our_ids, our_scores = rescored
    assert (ids == our_ids).all(), "pgvector re-rank: ids differ from binaryllm search --rerank"
    assert np.allclose(score, our_scores, rtol=1e-5, atol=1e-5), "pgvector re-rank: scores"
    return f"pgvector {got['pgvector']} in PGlite (bit({bits}) scan, HNSW bit_hamming_ops, float re-rank of the top {RERANK})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--pglite", help="directory with pgvector.mjs and its node_modules")
    a = ap.parse_args()
    rng = np.random.default_rng(5)
    bits = 256
    checked = []
    with tempfile.TemporaryDirectory() as d:
        p = lambda n: os.path.join(d, n)
        base = rng.standard_normal((3000, 64)).astype(np.float32)
        np.save(p("base.npy"), base)
        np.save(p("q.npy"), rng.standard_normal((40, 64)).astype(np.float32))
        for name in ("base", "q"):
            run(a.bin, "encode", "--input", p(f"{name}.npy"), "--bits", str(bits), "--projection",
                "gaussian", "--seed", "1", "--out", p(f"{name}-codes.npy"))
        run(a.bin, "search", "--codes", p("base-codes.npy"), "--query-codes", p("q-codes.npy"),
            "--k", str(K), "--out", p("hits"))
        run(a.bin, "search", "--codes", p("base-codes.npy"), "--queries", p("q.npy"), "--base",
            p("base.npy"), "--rerank", str(RERANK), "--k", str(K), "--out", p("rescored"))
        rescored = (np.load(p("rescored/ids.npy")), np.load(p("rescored/scores.npy")))
        codes, queries = np.load(p("base-codes.npy")), np.load(p("q-codes.npy"))
        ours = (np.load(p("hits/ids.npy")), np.load(p("hits/distances.npy")).astype(np.int64),
                hamming(queries, codes))
        # Floats with exact zeros for the quantizers' threshold rules.
        x = base[:200].copy()
        x[np.abs(x) < 0.05] = 0.0
        np.save(p("x.npy"), x)
        got = lance(codes, queries, bits, ours)
        checked += [got] if got else []
        got = sqlite_vec(codes, queries, bits, ours, p("x.npy"), a.bin, d)
        checked += [got] if got else []
        got = pgvector(codes, queries, bits, ours, p("x.npy"), a.bin, d, a.pglite, base,
                       np.load(p("q.npy")), rescored)
        checked += [got] if got else []
    print(f"interop ok: engines return binaryllm's top-{K}: {'; '.join(checked) or 'none installed'}")


if __name__ == "__main__":
    sys.exit(main())
