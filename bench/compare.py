#!/usr/bin/env python3
"""Same-run comparison of binaryllm with FAISS IndexBinaryFlat (exact Hamming kNN) and numpy
(`packbits((X @ W.T) >= 0)`), on identical input files, alternating the tools, >= 3 runs.

Every measurement is one process (ours: `binaryllm bench … --repeat 1`; theirs: this script in
`--worker` mode) that loads the shared inputs untimed and times only the operation. Thread
counts are set per process (`faiss.omp_set_num_threads(T)`; OPENBLAS/OMP/MKL_NUM_THREADS=T for
numpy). The order of the tools alternates between runs. The machine's load average is recorded
before every measurement. Results: a table on stdout, JSON and Markdown in a new run directory
runs/<UTC timestamp>-bench-compare/ (as `binaryllm bench` writes), or at --out FILE.json (e.g.
--out bench/results/compare.json to update the tracked results; FILE.md beside it).

Run through bench/compare.sh, which creates the venv (numpy, faiss-cpu) and builds the binary.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def loadavg():
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def cpu_busy():
    """(busy, total) jiffies from /proc/stat, to report the machine's utilisation."""
    try:
        f = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = f[3] + f[4]
        return sum(f) - idle, sum(f)
    except OSError:
        return 0, 0


# ----------------------------------------------------------------------------- workers


def worker_faiss(a):
    import faiss
    import numpy as np

    faiss.omp_set_num_threads(a.threads)
    if a.level != "auto":
        faiss.SIMDConfig.set_level(getattr(faiss, "SIMDLevel_" + a.level))
    stem = Path(a.data) / f"knn_b{a.bits}_n{a.n}_s{a.seed}"
    db = np.load(f"{stem}_db.npy")
    q = np.load(Path(a.data) / f"knn_b{a.bits}_n{a.nq}_s{a.seed + 1}_q.npy")
    index = faiss.IndexBinaryFlat(a.bits)
    index.add(db)
    t = time.perf_counter()
    dist, ids = index.search(q, a.k)
    secs = time.perf_counter() - t
    out = {"seconds": secs, "level": faiss.SIMDConfig.get_level_name(), "faiss": faiss.__version__}
    ours = Path(f"{stem}_dist.npy")
    if ours.exists():
        d = np.load(ours).reshape(dist.shape)
        i = np.load(f"{stem}_ids.npy").reshape(ids.shape)
        out["distances_equal"] = bool((d.astype(np.int64) == dist.astype(np.int64)).all())
        out["ids_equal_fraction"] = float((i.astype(np.int64) == ids).mean())
    print(json.dumps(out))


def worker_numpy(a):
    import numpy as np

    x = np.load(Path(a.data) / f"enc_x_n{a.n}_d{a.dims}_s{a.seed}.npy")
    w = np.load(Path(a.data) / f"enc_w_b{a.bits}_d{a.dims}_s{a.seed}.npy")
    t = time.perf_counter()
    codes = np.packbits((x @ w.T) >= 0, axis=1, bitorder="little")
    secs = time.perf_counter() - t
    out = {"seconds": secs, "numpy": np.__version__}
    ours = Path(a.data) / f"enc_codes_n{a.n}_d{a.dims}_b{a.bits}_s{a.seed}.npy"
    if ours.exists():
        c = np.load(ours)
        diff = np.unpackbits(np.bitwise_xor(c, codes)).sum()
        out["differing_bits_numpy_vs_binaryllm"] = int(diff)
        out["bits_compared"] = int(c.size * 8)
    print(json.dumps(out))


# ----------------------------------------------------------------------------- driver


def run_json(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def ours_knn(a, bits, threads, kernel):
    with tempfile.TemporaryDirectory() as d:  # a new path: binaryllm refuses existing outputs
        out = os.path.join(d, "knn.json")
        run_json([a.binary, "bench", "knn", "--data", a.data, "--n", str(a.knn_n), "--nq", str(a.nq),
                  "--k", str(a.k), "--bits", str(bits), "--threads", str(threads), "--kernel", kernel,
                  "--repeat", "1", "--seed", str(a.seed), "--out", out])
        doc = json.load(open(out))
    r = doc["results"][0]
    return {"seconds": r["median"], "kernel": r["kernel"]}


def theirs_knn(a, bits, threads, level):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = run_json([sys.executable, __file__, "--worker", "faiss", "--data", a.data, "--bits", str(bits),
                    "--n", str(a.knn_n), "--nq", str(a.nq), "--k", str(a.k), "--threads", str(threads),
                    "--level", level, "--seed", str(a.seed)], env)
    return json.loads(out.strip().splitlines()[-1])


def ours_enc(a, dims, bits, threads, kernel):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "encode.json")
        run_json([a.binary, "bench", "encode", "--data", a.data, "--n", str(a.enc_n), "--dims", str(dims),
                  "--bits", str(bits), "--threads", str(threads), "--kernel", kernel, "--repeat", "1",
                  "--reference-rows", "200", "--seed", str(a.seed), "--out", out])
        doc = json.load(open(out))
    r = doc["results"][0]
    return {"seconds": r["median"], "kernel": r["kernel"],
            "differing_bits_vs_reference": r["differing_bits_vs_reference"]}


def theirs_enc(a, dims, bits, threads):
    t = str(threads)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=t, OMP_NUM_THREADS=t, MKL_NUM_THREADS=t)
    out = run_json([sys.executable, __file__, "--worker", "numpy", "--data", a.data, "--dims", str(dims),
                    "--bits", str(bits), "--n", str(a.enc_n), "--seed", str(a.seed)], env)
    return json.loads(out.strip().splitlines()[-1])


def stats(xs):
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--worker", choices=["faiss", "numpy"])
    p.add_argument("--binary", default="target/release/binaryllm")
    p.add_argument("--data", default="bench/data")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--knn-n", type=int, default=1_000_000)
    p.add_argument("--nq", type=int, default=1000)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--knn-bits", default="64,256,1024")
    p.add_argument("--knn-threads", default="1,2")
    p.add_argument("--kernels", default="auto,x86_64-avx2",
                   help="our Hamming kernels; each is paired with a FAISS SIMD level below")
    p.add_argument("--faiss-levels", default="auto,AVX2",
                   help="FAISS SIMD levels (auto = FAISS's own dispatch), paired with --kernels")
    p.add_argument("--enc-n", type=int, default=100_000)
    p.add_argument("--enc-pairs", default="384:256,768:1024", help="dims:bits pairs")
    p.add_argument("--enc-threads", default="1,2")
    p.add_argument("--enc-kernels", default="auto,auto-fma",
                   help="our projection kernels: auto (bit-exact reference arithmetic), auto-fma (opt-in "
                        "`encode --fma`), or kernel names")
    p.add_argument("--skip-knn", action="store_true")
    p.add_argument("--skip-encode", action="store_true")
    p.add_argument("--out", help="results file (JSON; the .md beside it). Default: "
                   "runs/<UTC timestamp>-bench-compare/compare.json")
    # worker-only
    p.add_argument("--bits", type=int)
    p.add_argument("--dims", type=int)
    p.add_argument("--n", type=int)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--level", default="auto")
    a = p.parse_args()
    if a.worker == "faiss":
        return worker_faiss(a)
    if a.worker == "numpy":
        return worker_numpy(a)

    Path(a.data).mkdir(parents=True, exist_ok=True)
    ints = lambda s: [int(x) for x in s.split(",") if x]
    kernels = a.kernels.split(",")
    levels = a.faiss_levels.split(",")
    if len(kernels) != len(levels):
        sys.exit("--kernels and --faiss-levels must pair up")
    pairs = [tuple(int(v) for v in s.split(":")) for s in a.enc_pairs.split(",") if s]
    started = time.time()
    busy0 = cpu_busy()

    # Inputs (and our reference results) are written once by the binary; both tools read them.
    if not a.skip_knn:
        for bits in ints(a.knn_bits):
            ours_knn(a, bits, 1, "auto")
    if not a.skip_encode:
        for dims, bits in pairs:
            ours_enc(a, dims, bits, 1, "auto")

    rows = {}

    def record(key, tool, res):
        res["load1"] = loadavg()[0] if loadavg() else None
        rows.setdefault(key, {}).setdefault(tool, []).append(res)

    for run in range(a.runs):
        flip = run % 2 == 1
        print(f"run {run + 1}/{a.runs} ({'theirs' if flip else 'ours'} first), load {loadavg()}", flush=True)
        if not a.skip_knn:
            for bits in ints(a.knn_bits):
                for threads in ints(a.knn_threads):
                    for kernel, level in zip(kernels, levels):
                        key = ("knn", bits, threads, kernel, level)
                        jobs = [("binaryllm", lambda: ours_knn(a, bits, threads, kernel)),
                                ("faiss", lambda: theirs_knn(a, bits, threads, level))]
                        for tool, job in (jobs[::-1] if flip else jobs):
                            record(key, tool, job())
        if not a.skip_encode:
            for dims, bits in pairs:
                for threads in ints(a.enc_threads):
                    # numpy runs once per configuration and is compared with each of our kernels.
                    enc_kernels = a.enc_kernels.split(",")
                    keys = [("encode", dims, bits, threads, k, "numpy") for k in enc_kernels]
                    jobs = [(key, "binaryllm", lambda k=key[4]: ours_enc(a, dims, bits, threads, k))
                            for key in keys]
                    jobs.append((None, "numpy", lambda: theirs_enc(a, dims, bits, threads)))
                    for key, tool, job in (jobs[::-1] if flip else jobs):
                        res = job()
                        for k in ([key] if key else keys):
                            record(k, tool, dict(res))

    busy1 = cpu_busy()
    util = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
    out_rows = []
    lines = ["| what | config | ours (kernel) | theirs | ours min / med / max s | theirs min / med / max s "
             "| speed-up min / med / max | ours ops/s (med) | check |",
             "|---|---|---|---|---|---|---|---|---|"]
    ones = {}
    for key, tools in rows.items():
        ours, theirs = tools["binaryllm"], tools[[t for t in tools if t != "binaryllm"][0]]
        o = [r["seconds"] for r in ours]
        t = [r["seconds"] for r in theirs]
        ratios = [tt / oo for oo, tt in zip(o, t)]
        if key[0] == "knn":
            _, bits, threads, kernel, level = key
            ops = a.knn_n * a.nq / statistics.median(o)
            cfg = f"{bits} bits, {threads} thr"
            other = f"FAISS {theirs[0]['level']}"
            check = f"distances equal: {all(r.get('distances_equal', False) for r in theirs)}"
            ones.setdefault((bits, kernel), {})[threads] = statistics.median(o)
        else:
            _, dims, bits, threads, _, _ = key
            ops = a.enc_n / statistics.median(o)
            cfg = f"{dims}->{bits}, {threads} thr"
            other = "numpy " + theirs[0].get("numpy", "")
            db = theirs[0].get("differing_bits_numpy_vs_binaryllm")
            tot = theirs[0].get("bits_compared", 1)
            check = (f"ours vs reference: {ours[0]['differing_bits_vs_reference']} bits; "
                     f"numpy vs ours: {db}/{tot} = {db / tot:.2e}" if db is not None else "")
        so, st, sr = stats(o), stats(t), stats(ratios)
        lines.append(f"| {key[0]} | {cfg} | binaryllm ({ours[0]['kernel']}) | {other} | "
                     f"{so['min']:.3f} / {so['median']:.3f} / {so['max']:.3f} | "
                     f"{st['min']:.3f} / {st['median']:.3f} / {st['max']:.3f} | "
                     f"{sr['min']:.2f} / {sr['median']:.2f} / {sr['max']:.2f} | {ops:.3e} | {check} |")
        out_rows.append({"key": list(key), "ours": ours, "theirs": theirs, "speedup_per_run": ratios,
                         "speedup": sr, "ours_seconds": so, "theirs_seconds": st, "ours_ops_per_s_median": ops})
    scaling = []
    for (bits, kernel), by_t in ones.items():
        if 1 in by_t and 2 in by_t:
            scaling.append({"bits": bits, "kernel": kernel, "speedup_2_threads_vs_1": by_t[1] / by_t[2]})
            lines.append(f"| knn | {bits} bits, 2 thr vs 1 thr | binaryllm ({kernel}) | itself | | | "
                         f"{by_t[1] / by_t[2]:.2f} (medians) | | |")
    table = "\n".join(lines)
    print(table)
    print(f"machine utilisation during the comparison: {util:.0%} of all CPUs; load now {loadavg()}")
    doc = {"benchmark": "compare", "command": " ".join(sys.argv), "runs": a.runs,
           "started_unix": started, "seconds": time.time() - started, "cpu_utilisation": util,
           "load_end": loadavg(), "rows": out_rows, "thread_scaling": scaling, "markdown": table}
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started))
    out = Path(a.out) if a.out else Path("runs") / f"{stamp}-bench-compare" / "compare.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1))
    tmp.rename(out)
    md = out.with_suffix(".md")
    tmp = md.with_suffix(".md.tmp")
    tmp.write_text(f"Command: `{' '.join(sys.argv)}`\n\n{table}\n\nCPU utilisation during the run: {util:.0%}; "
                   f"load at the end: {loadavg()}\n")
    tmp.rename(md)
    print(f"wrote {out} and {md}")


if __name__ == "__main__":
    main()
