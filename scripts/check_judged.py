#!/usr/bin/env python3
"""binaryllm's judged metrics equal ir-measures' on binaryllm's own TREC run files (issue 15).

Runs `binaryllm eval` on the shipped sample's judged task with every run file written
(`[output] trec_runs = "all"`: float, and hamming / rerank/x<m> / asym_rerank/x<m> of each
projection, width and seed; one projection with learned median thresholds, so the asymmetric
scores see centred queries), then computes nDCG@10, RR@10 (MRR@10), AP@100 (MAP@100), R@100 and
P@10 with ir-measures (pytrec_eval) from `trec/*.run` and the qrels file, and asserts that each
mean equals results.json (`judged_float`, `runs[].judged[mode]`) to 1e-9.

binaryllm's nDCG gain is 2^rel - 1 and ir-measures' is rel, so the qrels handed to ir-measures
carry 2^rel - 1 for rel > 0 (the same for the sample's rel = 1; kept for graded qrels).

Usage: python scripts/check_judged.py --bin target/debug/binaryllm  (from the repository root,
in a venv with ir-measures; scripts/interop.sh makes one).
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import ir_measures
from ir_measures import AP, P, R, RR, nDCG

MEASURES = {"ndcg@10": nDCG @ 10, "mrr@10": RR @ 10, "map@100": AP @ 100, "recall@100": R @ 100, "p@10": P @ 10}
CONFIG = """
name = "judged-check"
bits = [64, 256]
seeds = [0, 1]
[dataset]
id = "wordnet-minilm-sample"
normalization = "require"
[[projection]]
kind = "gaussian"
[[projection]]
kind = "rademacher"
threshold = "median"
[metrics]
rerank_oversample = [2, 5]
[output]
plots = false
png = false
report = false
trec_runs = "all"
"""


def qrels_of(path):
    """ir-measures qrels with gains 2^rel - 1 for rel > 0."""
    out = []
    for q in ir_measures.read_trec_qrels(str(path)):
        rel = 2 ** q.relevance - 1 if q.relevance > 0 else q.relevance
        out.append(ir_measures.Qrel(q.query_id, q.doc_id, rel))
    return out


def means(qrels, run_file):
    run = list(ir_measures.read_trec_run(str(run_file)))
    agg = ir_measures.calc_aggregate(list(MEASURES.values()), qrels, run)
    return {name: float(agg[m]) for name, m in MEASURES.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/debug/binaryllm")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "judged.toml").write_text(CONFIG)
        out = tmp / "run"
        subprocess.run([a.bin, "eval", "--config", str(tmp / "judged.toml"), "--out", str(out), "-q"], check=True)
        results = json.loads((out / "results.json").read_text())
        qrels_file = next(f["path"] for f in results["judged"]["files"] if f["role"] == "qrels")
        qrels = qrels_of(qrels_file)
        checks = [("float.run", results["judged_float"])]
        for r in results["runs"]:
            for mode, values in r["judged"].items():
                name = f"{r['projection']}-{r['bits']}-s{r['seed']}-{mode.replace('/', '-')}.run"
                checks.append((name, values))
        files = sorted(p.name for p in (out / "trec").iterdir())
        if sorted(n for n, _ in checks) != files:
            sys.exit(f"run files {files} are not the runs and modes of results.json")
        worst = 0.0
        for name, ours in checks:
            theirs = means(qrels, out / "trec" / name)
            for m in MEASURES:
                d = abs(ours[m] - theirs[m])
                worst = max(worst, d)
                if d > 1e-9:
                    sys.exit(f"{name}: {m} binaryllm {ours[m]!r} vs ir-measures {theirs[m]!r}")
        print(f"   judged metrics: {len(checks)} run files x {len(MEASURES)} measures equal "
              f"ir-measures {ir_measures.__version__} (max |diff| {worst:.1e})")


if __name__ == "__main__":
    main()
