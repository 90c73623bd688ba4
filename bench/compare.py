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


# ----------------------------------------------------------------------------- whole processes


def timed_process(cmd, env):
    """Wall time from spawn to exit of one child process, and its peak RSS (bytes).

    The peak RSS is that of /usr/bin/time's child (`%M`), not `wait4` of our own child: on
    Linux a child's ru_maxrss starts from its parent's RSS at fork (the high-water mark survives
    exec), so it would report the driver's size. Without /usr/bin/time it is `wait4`'s figure,
    an upper bound."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrap = ["/usr/bin/time", "-f", "%M", "-o", rss.name] if os.access("/usr/bin/time", os.X_OK) else []
        t = time.perf_counter()
        p = subprocess.Popen(wrap + cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
        secs = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{out.decode(errors='replace')}")
        kib = int(rss.read().split()[-1]) if wrap else ru.ru_maxrss
    return {"seconds": secs, "max_rss_bytes": kib * 1024, "rss_from": "/usr/bin/time %M" if wrap else "wait4",
            "load1": loadavg()[0] if loadavg() else None}


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"


def numpy_blas(env):
    """What BLAS numpy runs in a child with `env` (threadpoolctl when installed, else
    numpy.show_config's build information)."""
    code = ("import json, numpy as np\n"
            "np.ones((64, 64), np.float32) @ np.ones((64, 64), np.float32)\n"
            "try:\n"
            "    from threadpoolctl import threadpool_info\n"
            "    info = [i for i in threadpool_info() if i.get('user_api') == 'blas']\n"
            "except ImportError:\n"
            "    info = np.show_config(mode='dicts').get('Build Dependencies', {}).get('blas')\n"
            "print(json.dumps({'numpy': np.__version__, 'blas': info}))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def encode_process(a):
    """Whole-process encode: `binaryllm encode` vs bench/numpy_encode.py, each a fresh child."""
    pairs = [tuple(int(v) for v in s.split(":")) for s in a.enc_pairs.split(",") if s]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    unset = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in env]
    for k in unset:  # let OpenBLAS pick its kernel for this CPU; reported below
        env.pop(k)
    blas = numpy_blas(env)
    script = str(Path(__file__).with_name("numpy_encode.py"))
    started = time.time()
    rows, lines = [], []
    with tempfile.TemporaryDirectory() as d:
        for dims, bits in pairs:
            x_path = os.path.join(d, f"x_n{a.enc_n}_d{dims}.npy")
            # Seeded Gaussian rows, unit length (the shape of sentence embeddings), float32;
            # written by a child so that this driver stays small.
            gen = ("import sys, numpy as np\n"
                   "n, d, seed, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]\n"
                   "x = np.random.default_rng(seed).standard_normal((n, d), dtype=np.float32)\n"
                   "x /= np.linalg.norm(x, axis=1, keepdims=True)\n"
                   "np.save(path, x)\n")
            subprocess.run([sys.executable, "-c", gen, str(a.enc_n), str(dims), str(a.seed + dims), x_path],
                           check=True)
            ours_out, theirs_out = os.path.join(d, "ours.npy"), os.path.join(d, "theirs.npy")
            ours_cmd = [a.binary, "encode", "--input", x_path, "--out", ours_out, "--bits", str(bits),
                        "--seed", str(a.seed), "--threads", "1", "--force"]
            theirs_cmd = [sys.executable, script, x_path, theirs_out, str(bits), str(a.seed)]
            # One untimed run of each (page cache warm for both, the same for both).
            timed_process(ours_cmd, env)
            timed_process(theirs_cmd, env)
            kernel = ours_kernel(a, d, dims, bits)
            res = {"binaryllm": [], "numpy": []}
            for run in range(a.runs):
                jobs = [("binaryllm", ours_cmd), ("numpy", theirs_cmd)]
                for tool, cmd in (jobs[::-1] if run % 2 else jobs):
                    res[tool].append(timed_process(cmd, env))
            o = stats([r["seconds"] for r in res["binaryllm"]])
            t = stats([r["seconds"] for r in res["numpy"]])
            orss = max(r["max_rss_bytes"] for r in res["binaryllm"])
            trss = max(r["max_rss_bytes"] for r in res["numpy"])
            ratio = t["median"] / o["median"]
            rows.append({"dims": dims, "bits": bits, "n": a.enc_n, "ours_kernel": kernel, "ours": res["binaryllm"],
                         "theirs": res["numpy"], "ours_seconds": o, "theirs_seconds": t,
                         "ratio_of_medians_numpy_over_ours": ratio, "ours_peak_rss_bytes": orss,
                         "numpy_peak_rss_bytes": trss})
            lines.append(f"| {a.enc_n:,} × {dims} → {bits} | {o['median']:.3f} ({o['min']:.3f}–{o['max']:.3f}) | "
                         f"{t['median']:.3f} ({t['min']:.3f}–{t['max']:.3f}) | **{ratio:.2f}** | "
                         f"{orss / 2**20:.0f} MiB | {trss / 2**20:.0f} MiB |")
            print(lines[-1], flush=True)
    head = ["| input → bits | ours s, median (min–max) | numpy s, median (min–max) | numpy / ours | "
            "ours peak RSS | numpy peak RSS |", "|---|---|---|---|---|---|"]
    table = "\n".join(head + lines)
    blas_name = "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} "
                          f"threads={i.get('num_threads')}" for i in blas["blas"]) \
        if isinstance(blas["blas"], list) else json.dumps(blas["blas"])
    info = {"cpu": cpu_model(), "ours_kernel": rows[0]["ours_kernel"] if rows else None,
            "numpy": blas["numpy"], "numpy_blas": blas["blas"], "numpy_blas_summary": blas_name,
            "unset_env": unset, "load_start": load_start, "load_end": loadavg()}
    md = (f"Command: `{' '.join(sys.argv)}`\n\n"
          f"Whole processes, 1 thread, {a.runs} alternating runs after one untimed run of each: "
          f"`binaryllm encode --threads 1` vs `bench/numpy_encode.py` (numpy {blas['numpy']}, "
          f"OPENBLAS/OMP/MKL_NUM_THREADS=1{', unset ' + ', '.join(unset) if unset else ''}). "
          f"Input: seeded Gaussian float32 rows, unit length (numpy default_rng(seed + dims)).\n\n"
          f"CPU: {info['cpu']}; our kernel: {info['ours_kernel']}; numpy BLAS: {blas_name}; "
          f"load average at start {load_start}, at end {info['load_end']}\n\n{table}\n")
    print(md)
    doc = {"benchmark": "compare-encode-process", "command": " ".join(sys.argv), "runs": a.runs,
           "started_unix": started, "seconds": time.time() - started, **info, "rows": rows, "markdown": md}
    out = Path(a.out) if a.out else Path("runs") / time.strftime("%Y%m%dT%H%M%SZ-bench-compare-process",
                                                             time.gmtime(started)) / "compare_encode_process.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1))
    out.with_suffix(".md").write_text(md)
    print(f"wrote {out} and {out.with_suffix('.md')}")


def ours_kernel(a, d, dims, bits):
    """The projection kernel `binaryllm encode` dispatches to (the one `bench encode --kernel auto`
    names: the same dispatch), from a small untimed `bench encode` run."""
    out = os.path.join(d, f"kernel_{dims}_{bits}.json")
    run_json([a.binary, "bench", "encode", "--data", os.path.join(d, "k"), "--n", "2000", "--dims", str(dims),
              "--bits", str(bits), "--threads", "1", "--kernel", "auto", "--repeat", "1",
              "--reference-rows", "10", "--seed", str(a.seed), "--out", out])
    return json.load(open(out))["results"][0]["kernel"]


load_start = loadavg()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--worker", choices=["faiss", "numpy"])
    p.add_argument("--binary", default="target/release/binaryllm")
    p.add_argument("--data", default="bench/data")
    p.add_argument("--runs", type=int)
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
    p.add_argument("--encode-process", action="store_true",
                   help="only the whole-process encode comparison (binaryllm encode vs bench/numpy_encode.py, "
                        "1 thread, --enc-n rows, --enc-pairs); --runs defaults to 5 there")
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
    if a.encode_process:
        a.runs = a.runs or 5
        return encode_process(a)
    a.runs = a.runs or 3

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
