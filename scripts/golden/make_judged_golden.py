#!/usr/bin/env python3
"""Reference values of the judged metrics (nDCG@10, MRR@10, MAP@100, Recall@100, P@10) from
ir-measures, for engine::eval::judged's test (engine/src/eval/judged.rs).

Two cases, each a ranking (top-100 base rows per query, best first) and its qrels:
- `sample-lemmaq`: the shipped sample's judged task (data/sample/*_lemmaq.*), ranked by exact
  float inner product (float64 of the stored float16 values, ties to the smaller row);
- `graded`: 40 seeded queries over 300 documents with graded judgments rel in {-1, 0, 1, 2, 3}
  and seeded rankings, so graded gains, unjudged and negative judgments are exercised.

ir-measures' nDCG uses the judgment as the gain; binaryllm's gain is 2^rel - 1, so the qrels given
to ir-measures carry 2^rel - 1 for rel > 0 and rel itself otherwise (every other metric only asks
rel > 0, which the mapping keeps). Run scores are 100 - rank, so ir-measures ranks exactly as given.

Usage (from the repository root; a venv with numpy and ir-measures, e.g. bench/.venv):
    bench/.venv/bin/python scripts/golden/make_judged_golden.py
writes engine/tests/golden/judged-v1.json (path configurable with --out).
"""
import argparse
import json

import ir_measures
import numpy as np
from ir_measures import AP, P, R, RR, nDCG

MEASURES = {"ndcg@10": nDCG @ 10, "mrr@10": RR @ 10, "map@100": AP @ 100, "recall@100": R @ 100, "p@10": P @ 10}


def ir_values(qrels, ranking):
    """Mean and per-query values of MEASURES; qrels: {q: {d: rel}}, ranking: [[d, ...]]."""
    irq = {str(q): {str(d): (2 ** r - 1 if r > 0 else r) for d, r in js.items()} for q, js in qrels.items()}
    run = {str(q): {str(d): float(100 - i) for i, d in enumerate(ds)} for q, ds in enumerate(ranking)}
    per = {name: [0.0] * len(ranking) for name in MEASURES}
    for m in ir_measures.iter_calc(list(MEASURES.values()), irq, run):
        name = next(k for k, v in MEASURES.items() if v == m.measure)
        per[name][int(m.query_id)] = float(m.value)
    means = {name: float(np.mean(v)) for name, v in per.items()}
    return means, per


def sample_case():
    base = np.load("data/sample/wordnet_minilm_sample_base.npy").astype(np.float64)
    q = np.load("data/sample/wordnet_minilm_sample_lemmaq.npy").astype(np.float64)
    qrels = {}
    for line in open("data/sample/wordnet_minilm_sample_lemmaq.qrels"):
        qid, _, did, rel = line.split()
        qrels.setdefault(int(qid[1:]), {})[int(did[1:])] = int(rel)
    sims = q @ base.T
    idx = np.arange(base.shape[0])
    ranking = [np.lexsort((idx, -s))[:100].tolist() for s in sims]
    return qrels, ranking


def graded_case():
    rng = np.random.default_rng(15)
    nq, nd = 40, 300
    qrels = {}
    for qi in range(nq):
        docs = rng.choice(nd, size=int(rng.integers(1, 25)), replace=False)
        qrels[qi] = {int(d): int(rng.choice([-1, 0, 1, 2, 3], p=[0.05, 0.25, 0.3, 0.25, 0.15])) for d in docs}
    ranking = [rng.permutation(nd)[: int(rng.integers(5, 101))].tolist() for _ in range(nq)]
    # Some relevant documents near the top, so the metrics are not all near 0.
    for qi in range(0, nq, 2):
        rel = [d for d, r in qrels[qi].items() if r > 0]
        ranking[qi] = rel[:3] + [d for d in ranking[qi] if d not in rel[:3]]
        ranking[qi] = ranking[qi][:100]
    return qrels, ranking


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="engine/tests/golden/judged-v1.json")
    a = ap.parse_args()
    cases = {}
    for name, (qrels, ranking) in (("sample-lemmaq", sample_case()), ("graded", graded_case())):
        means, per = ir_values(qrels, ranking)
        cases[name] = {
            "qrels": [[q, d, r] for q, js in sorted(qrels.items()) for d, r in sorted(js.items())],
            "ranking": ranking,
            "mean": means,
            "per_query": per,
        }
        print(name, {k: round(v, 6) for k, v in means.items()})
    doc = {"format": "binaryllm-judged-golden-v1", "ir_measures": ir_measures.__version__, "cases": cases}
    with open(a.out, "w") as f:
        json.dump(doc, f)
        f.write("\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
