#!/usr/bin/env python3
"""Make the shipped sample data set (`data/sample/`) from the full WordNet x MiniLM set.

The sample is the first 5,000 base rows and the first 500 query rows of
`wordnet_minilm_{base,queries}.npy` (those files are already a seeded random permutation of
WordNet, so a prefix is a uniform random subset), stored as float16 to keep the repository small,
with their labels and the exact float top-100 ground truth recomputed on the subset (inner
products in float64 of the stored float16 values, ties to the smaller base row).

The judged task: the "reverse dictionary" lemma queries (`wordnet_minilm_lemmaq.npy`) whose one
relevant gloss (`wordnet_minilm_lemmaq_target.npy`) is among the sample's base rows, in their
order, as float16 (`..._lemmaq.npy`), with their relevance judgments as TREC qrels
(`..._lemmaq.qrels`: `q<i> 0 d<base row> 1`, one line per query).

Usage (from the repository root; needs numpy):

    python3 scripts/make_sample.py --src ../shared/data --out data/sample

Every output file's sha256 goes into the sidecar `wordnet_minilm_sample.json` and into the
catalog entry `wordnet-minilm-sample` of `configs/datasets.toml` (checked on load).
"""

import argparse
import datetime
import hashlib
import json
import os
import sys

import numpy as np

PREFIX = "wordnet_minilm_sample"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def exact_topk(queries, base, k):
    """Top-k base rows per query by inner product in float64; ties to the smaller index."""
    q = queries.astype(np.float64)
    b = base.astype(np.float64)
    sims = q @ b.T
    out = np.empty((q.shape[0], k), dtype=np.int32)
    idx = np.arange(b.shape[0])
    for i in range(q.shape[0]):
        # lexsort: last key is primary -> sort by -sim, then by index.
        order = np.lexsort((idx, -sims[i]))
        out[i] = order[:k]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default="../shared/data")
    ap.add_argument("--out", default="data/sample")
    ap.add_argument("--n-base", type=int, default=5000)
    ap.add_argument("--n-queries", type=int, default=500)
    ap.add_argument("--k", type=int, default=100)
    args = ap.parse_args()

    src = lambda name: os.path.join(args.src, f"wordnet_minilm_{name}.npy")
    base32 = np.load(src("base"))[: args.n_base]
    queries32 = np.load(src("queries"))[: args.n_queries]
    labels = np.load(src("labels"))[: args.n_base].astype(np.int32)
    qlabels = np.load(src("query_labels"))[: args.n_queries].astype(np.int32)

    base = base32.astype(np.float16)
    queries = queries32.astype(np.float16)
    for name, x in (("base", base), ("queries", queries)):
        norms = np.linalg.norm(x.astype(np.float64), axis=1)
        dev = np.abs(norms - 1.0).max()
        print(f"{name}: max |norm - 1| after float16 = {dev:.2e}")
        assert dev < 1e-3, "float16 rounding moved a norm by more than 1e-3"
    gt = exact_topk(queries, base, args.k)

    lemmaq32 = np.load(src("lemmaq"))
    target = np.load(src("lemmaq_target")).astype(np.int64)
    judged_rows = np.flatnonzero(target < args.n_base)
    lemmaq = lemmaq32[judged_rows].astype(np.float16)
    judged_target = target[judged_rows]
    print(f"judged lemma queries with their gloss in the sample: {len(judged_rows)} of {len(target)}")
    dev = np.abs(np.linalg.norm(lemmaq.astype(np.float64), axis=1) - 1.0).max()
    print(f"lemmaq: max |norm - 1| after float16 = {dev:.2e}")
    assert dev < 1e-3, "float16 rounding moved a norm by more than 1e-3"

    os.makedirs(args.out, exist_ok=True)
    files = {
        "base": (base, "float16 [n_base, 384] embeddings (rows of wordnet_minilm_base.npy)"),
        "queries": (queries, "float16 [n_queries, 384] embeddings (rows of wordnet_minilm_queries.npy)"),
        "labels": (labels, "int32 [n_base] WordNet lexicographer-file class of each base row"),
        "query_labels": (qlabels, "int32 [n_queries] class of each query"),
        "gt100": (gt, "int32 [n_queries, 100] exact float top-100 base rows per query (float64 inner products of the stored float16 values, ties to the smaller row)"),
        "lemmaq": (lemmaq, "float16 [n_judged, 384] lemma-list queries (rows of wordnet_minilm_lemmaq.npy whose target gloss is a sample base row, in order)"),
    }
    entries = {}
    for key, (arr, desc) in files.items():
        path = os.path.join(args.out, f"{PREFIX}_{key}.npy")
        np.save(path, np.ascontiguousarray(arr))
        entries[key] = {
            "file": os.path.basename(path),
            "shape": list(arr.shape),
            "dtype": str(arr.dtype),
            "sha256": sha256(path),
            "description": desc,
        }
        print(f"wrote {path} {arr.shape} {arr.dtype} sha256={entries[key]['sha256']}")

    qrels_path = os.path.join(args.out, f"{PREFIX}_lemmaq.qrels")
    with open(qrels_path, "w") as f:
        for i, t in enumerate(judged_target):
            f.write(f"q{i} 0 d{t} 1\n")
    entries["lemmaq_qrels"] = {
        "file": os.path.basename(qrels_path),
        "format": "TREC qrels: qid iter docid rel; q<i> is row i of the lemmaq file, d<r> base row r",
        "judgments": int(len(judged_target)),
        "sha256": sha256(qrels_path),
        "description": "the one relevant base row (the synset's gloss) of each judged lemma query",
    }
    print(f"wrote {qrels_path} ({len(judged_target)} judgments) sha256={entries['lemmaq_qrels']['sha256']}")

    src_meta = json.load(open(os.path.join(args.src, "wordnet_minilm_labels.json")))
    script = os.path.abspath(__file__)
    sidecar = {
        "dataset": "wordnet-minilm-sample",
        "description": "Shipped sample of the WordNet glosses x all-MiniLM-L6-v2 developer set: "
        f"the first {args.n_base} base and first {args.n_queries} query rows, float16.",
        "created_utc": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "script": "scripts/make_sample.py",
        "script_sha256": sha256(script),
        "command": "python3 scripts/make_sample.py " + " ".join(sys.argv[1:]),
        "numpy": np.__version__,
        "source": {
            "dataset": "wordnet_minilm (see ../shared/data/README.md)",
            "files": {
                f"wordnet_minilm_{n}.npy": sha256(src(n))
                for n in ("base", "queries", "labels", "query_labels", "lemmaq", "lemmaq_target")
            },
            "rows": {"base": [0, args.n_base], "queries": [0, args.n_queries]},
            "lemmaq_rows": [int(r) for r in judged_rows],
            "selection": "prefix of a numpy default_rng(0) permutation of WordNet synsets (uniform random subset)",
            "conversion": "float32 -> float16 (round to nearest even); no re-normalisation",
        },
        "encoder": src_meta.get("encoder", {}).get("model", "sentence-transformers/all-MiniLM-L6-v2"),
        "license": "WordNet 3.0 license (Princeton) for the texts; all-MiniLM-L6-v2 is Apache-2.0",
        "ground_truth": "exact float top-100 by inner product, float64 arithmetic on the stored float16 values, ties to the smaller base row",
        "labels": src_meta["labels"],
        "files": entries,
    }
    with open(os.path.join(args.out, f"{PREFIX}.json"), "w") as f:
        json.dump(sidecar, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
