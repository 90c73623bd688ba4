#!/usr/bin/env python3
"""The Python package against FAISS and numpy, in one process, alternating, >= 3 runs.

  search: binaryllm.Index.search vs faiss.IndexBinaryFlat.search — N seeded random codes of
          BITS bits (default 1M x 256), 1,000 queries, k = 10, 1 thread each; the results are
          checked equal before timing.
  encode: binaryllm.Projection.encode vs numpy packbits((x @ W.T) >= 0, axis=1) on an
          in-memory float32 [100k, 384] array -> 256 bits, both on 1 thread (numpy's BLAS is
          limited to one thread before numpy is imported) and both on all cores; binaryllm
          twice: the dense "gaussian" projection (the same multiply-adds as numpy's matmul)
          and the structured "hadamard" one (sign flips + fast Walsh-Hadamard transform,
          O(P log P) per block of P = 512 outputs; the codes are checked against the CLI's
          in the package's tests).

Every timing is one call; the order of the tools alternates between repeats; the figures are
min / median / max seconds and the ratio of medians (theirs / ours: > 1 means binaryllm is
faster). The table names the CPU, the Hamming kernel binaryllm dispatched to and the BLAS kernel
numpy ran (threadpoolctl). Writes JSON and Markdown to --out (e.g. bench/results/python_compare.json).

Run (after `bash scripts/python.sh` has made target/py-test-venv with the wheel and faiss-cpu):

  target/py-test-venv/bin/pip install -q threadpoolctl
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    target/py-test-venv/bin/python bench/python_compare.py --repeats 11 --out bench/results/python_compare.json
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

# numpy's BLAS reads its thread count when numpy is imported: one thread for the 1-thread rows.
# The all-cores encode rows run in a child process without this limit.
if "--all-cores-worker" not in sys.argv:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

import numpy as np  # noqa: E402


def cpu_name():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def cpu_flags():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def blas_kernel():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl to name it)"
    info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} "
                     f"({i.get('num_threads')} threads)" for i in info) or "none found"


def stats(times):
    return {"min": min(times), "median": statistics.median(times), "max": max(times),
            "runs": times}


def alternate(pairs, repeats):
    """Times each (name, fn) of `pairs` `repeats` times, the order alternating per repeat."""
    times = {name: [] for name, _ in pairs}
    for r in range(repeats):
        order = pairs if r % 2 == 0 else pairs[::-1]
        for name, fn in order:
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {name: stats(v) for name, v in times.items()}


def bench_search(a):
    import faiss

    import binaryllm

    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(a.seed)
    nb = a.bits // 8
    db = rng.integers(0, 256, size=(a.n, nb), dtype=np.uint8)
    q = rng.integers(0, 256, size=(a.nq, nb), dtype=np.uint8)
    ours = binaryllm.Index.from_codes(db, a.bits)
    theirs = faiss.IndexBinaryFlat(a.bits)
    theirs.add(db)
    got, want = ours.search(q, a.k, threads=1), theirs.search(q, a.k)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1]), "results differ"
    return alternate([("binaryllm", lambda: ours.search(q, a.k, threads=1)),
                      ("faiss", lambda: theirs.search(q, a.k))], a.repeats)


def bench_encode(a, threads):
    import binaryllm

    rng = np.random.default_rng(a.seed + 1)
    x = rng.standard_normal((a.encode_rows, 384), dtype=np.float32)
    w = rng.standard_normal((256, 384), dtype=np.float32)
    g = binaryllm.Projection("gaussian", dims=384, bits=256, seed=a.seed)
    h = binaryllm.Projection("hadamard", dims=384, bits=256, seed=a.seed)
    theirs = np.packbits((x @ w.T) >= 0, axis=1, bitorder="little")
    for p in (g, h):
        assert p.encode(x, threads=threads).shape == theirs.shape == (a.encode_rows, 32)
    return alternate([("gaussian", lambda: g.encode(x, threads=threads)),
                      ("hadamard", lambda: h.encode(x, threads=threads)),
                      ("numpy", lambda: np.packbits((x @ w.T) >= 0, axis=1, bitorder="little"))],
                     a.repeats)


def row(name, r, ours, theirs):
    ours_s, their_s = r[ours], r[theirs]
    ratio = their_s["median"] / ours_s["median"]
    fmt = lambda s: f"{s['min'] * 1e3:.1f} / {s['median'] * 1e3:.1f} / {s['max'] * 1e3:.1f}"
    return f"| {name} | {fmt(ours_s)} | {theirs}: {fmt(their_s)} | **{ratio:.2f}×** |", ratio


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--nq", type=int, default=1000)
    ap.add_argument("--bits", type=int, default=256)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--encode-rows", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--all-cores-worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.repeats < 3:
        ap.error("--repeats must be at least 3")

    if a.all_cores_worker:
        print(json.dumps({"encode": bench_encode(a, None), "blas": blas_kernel()}))
        return

    import subprocess

    import binaryllm

    flags = cpu_flags()
    kernel = ("avx512-vpopcntdq" if "avx512_vpopcntdq" in flags else
              "avx2" if "avx2" in flags else "popcnt" if "popcnt" in flags else "portable")
    search = bench_search(a)
    encode_1 = bench_encode(a, 1)
    child = subprocess.run([sys.executable, __file__, "--all-cores-worker",
                            "--encode-rows", str(a.encode_rows), "--repeats", str(a.repeats),
                            "--seed", str(a.seed)],
                           env={k: v for k, v in os.environ.items()
                                if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                             "MKL_NUM_THREADS")},
                           capture_output=True, text=True, check=True)
    all_cores = json.loads(child.stdout)

    env = {"cpu": cpu_name(), "cores": os.cpu_count(), "hamming_kernel_expected": kernel,
           "numpy": np.__version__, "blas_1_thread": blas_kernel(),
           "blas_all_cores": all_cores["blas"], "binaryllm": binaryllm.__version__,
           "python": platform.python_version(),
           "openblas_env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}}
    try:
        import faiss
        env["faiss"] = faiss.__version__
    except ImportError:
        pass
    lines = [
        f"CPU: {env['cpu']} ({env['cores']} cores); binaryllm {env['binaryllm']} "
        f"(Hamming kernel for this CPU: {kernel}); faiss {env.get('faiss')}; numpy {env['numpy']}",
        f"numpy BLAS, 1 thread: {env['blas_1_thread']}; all cores: {env['blas_all_cores']}",
        f"OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE: {env['openblas_env']}",
        "",
        f"| case | binaryllm ms (min / median / max) | theirs ms (min / median / max) | theirs / ours |",
        "|---|---|---|---|",
    ]
    ratios = {}
    enc = f"encode {a.encode_rows:,} × 384 → 256"
    for name, r, ours, theirs in [
        (f"search {a.n:,} × {a.bits} bits, {a.nq:,} queries, k = {a.k}, 1 thread", search,
         "binaryllm", "faiss"),
        (f"{enc}, gaussian (dense), 1 thread", encode_1, "gaussian", "numpy"),
        (f"{enc}, hadamard (structured), 1 thread", encode_1, "hadamard", "numpy"),
        (f"{enc}, gaussian (dense), all cores", all_cores["encode"], "gaussian", "numpy"),
        (f"{enc}, hadamard (structured), all cores", all_cores["encode"], "hadamard", "numpy"),
    ]:
        line, ratio = row(name, r, ours, theirs)
        lines.append(line)
        ratios[name] = ratio
    text = "\n".join(lines)
    print(text)
    if a.out:
        doc = {"format": "binaryllm-bench-python-compare/1", "environment": env,
               "args": {k: v for k, v in vars(a).items() if k not in ("out", "all_cores_worker")},
               "search": search, "encode_1_thread": encode_1,
               "encode_all_cores": all_cores["encode"], "ratios": ratios}
        a.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = a.out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(doc, indent=2) + "\n")
        tmp.replace(a.out)
        md = a.out.with_suffix(".md")
        md.with_suffix(".md.tmp").write_text(text + "\n")
        md.with_suffix(".md.tmp").replace(md)


if __name__ == "__main__":
    main()
