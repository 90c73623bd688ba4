#!/usr/bin/env python3
"""The bit-order doctor against the tools that make binary codes (run by scripts/interop.sh).

For codes produced by each tool from the same floats (with exact zeros of both signs in
them), `binaryllm inspect --json` must name the layout (bit order, polarity, -128 offset, bits
vs bytes) and the threshold rule, and the `binaryllm convert` command it prints must write the
codes' own bits in binaryllm's layout (LSB-first packed, set bit = non-negative):

- FAISS `real_to_binary` (LSB-first, `> 0`);
- numpy `packbits` in both bit orders, of `x > 0`, `x >= 0` and `~signbit(x)`;
- sentence-transformers' `binary` form (`packbits(x > 0) - 128` as int8, the formula of
  `quantize_embeddings(precision="binary")`) and `ubinary` (`packbits(x > 0)`);
- Weaviate's inverted polarity (a set bit for a negative value, MSB-first);
- one byte per bit (bool and uint8 0/1);
- pgvector's `binary_quantize` (in PGlite under Node.js, when `--pglite DIR` is given): the
  bytes PostgreSQL sends for the `bit(n)` value.

Then codes of other floats must be reported as unexplained (exit 1).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import faiss
import numpy as np

DIMS = 96
ROWS = 300


def floats():
    rng = np.random.default_rng(17)
    x = rng.standard_normal((ROWS, DIMS)).astype(np.float32)
    x[np.abs(x) < 0.03] = 0.0  # exact +0.0
    x[::5, 7] = -0.0  # exact -0.0
    x[1::9, 40] = -0.0
    return x


def faiss_codes(x):
    out = np.zeros((x.shape[0], x.shape[1] // 8), dtype=np.uint8)
    flat = np.ascontiguousarray(x).ravel()
    faiss.real_to_binary(flat.size, faiss.swig_ptr(flat), faiss.swig_ptr(out.ravel()))
    return out


def pgvector_codes(x, pglite, d):
    literals = ["[" + ",".join(repr(float(v)) for v in row) + "]" for row in x]
    src, dst = os.path.join(d, "pg-in.json"), os.path.join(d, "pg-out.json")
    with open(src, "w") as f:
        json.dump({"vectors": literals}, f)
    subprocess.run(["node", os.path.join(pglite, "pgvector.mjs"), "quantize", src, dst], check=True)
    with open(dst) as f:
        got = json.load(f)
    rows = []
    for h in got["codes"]:
        b = bytes.fromhex(h)
        assert int.from_bytes(b[:4], "big") == x.shape[1], "varbit_send bit count"
        rows.append(np.frombuffer(b[4:], dtype=np.uint8))
    return np.stack(rows), got["pgvector"]


def cases(x, pglite, d):
    """(name, codes, layout, rule): layout as inspect --json names it, rule its threshold."""
    pos, nonneg, sign = x > 0, x >= 0, ~np.signbit(x)
    msb = lambda b: np.packbits(b, axis=1)
    lsb = lambda b: np.packbits(b, axis=1, bitorder="little")
    P = lambda order, offset=False, polarity="positive": ("packed", order, offset, polarity)
    out = [
        ("faiss real_to_binary", faiss_codes(x), P("lsb"), ">0"),
        ("numpy packbits(x > 0)", msb(pos), P("msb"), ">0"),
        ("numpy packbits(x > 0, little)", lsb(pos), P("lsb"), ">0"),
        ("numpy packbits(x >= 0)", msb(nonneg), P("msb"), ">=0"),
        ("numpy packbits(x >= 0, little)", lsb(nonneg), P("lsb"), ">=0"),
        ("numpy packbits(~signbit(x))", msb(sign), P("msb"), "signbit"),
        ("sentence-transformers ubinary", msb(pos), P("msb"), ">0"),
        ("sentence-transformers binary (int8)",
         (msb(pos).astype(np.int16) - 128).astype(np.int8), P("msb", True), ">0"),
        ("weaviate polarity (x < 0 sets)", msb(x < 0), P("msb", False, "negative"), "<0"),
        ("inverted, x <= 0 sets, little", lsb(x <= 0), P("lsb", False, "negative"), "<=0"),
        ("bool, one bit per element", pos, ("unpacked", None, False, "positive"), ">0"),
        ("uint8 0/1, one byte per bit", nonneg.astype(np.uint8),
         ("unpacked", None, False, "positive"), ">=0"),
    ]
    if pglite:
        codes, version = pgvector_codes(x, pglite, d)
        out.append((f"pgvector {version} binary_quantize", codes, P("msb"), ">0"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--pglite", help="directory with pgvector.mjs and its node_modules")
    a = ap.parse_args()
    x = floats()
    with tempfile.TemporaryDirectory() as d:
        p = lambda n: os.path.join(d, n)
        np.save(p("x.npy"), x)
        names = []
        for i, (name, codes, layout, rule) in enumerate(cases(x, a.pglite, d)):
            np.save(p(f"c{i}.npy"), codes)
            r = subprocess.run([a.bin, "inspect", "--codes", p(f"c{i}.npy"), "--floats", p("x.npy"),
                                "--json"], check=True, capture_output=True, text=True)
            rep = json.loads(r.stdout)
            got = rep["layout"]
            assert rep["verdict"] == "identified", (name, rep["evidence"])
            assert (got["storage"], got["bit_order"], got["signed_offset"], got["polarity"]) == layout, (name, got)
            assert rep["threshold"]["rule"] == rule, (name, rep["threshold"])
            # The printed command, run as printed (its --out beside the codes).
            cmd = rep["convert"].split()
            assert cmd[:2] == ["binaryllm", "convert"], cmd
            subprocess.run([a.bin, *cmd[1:]], check=True, capture_output=True)
            out = cmd[cmd.index("--out") + 1]
            # The codes' own bits, as binaryllm stores them.
            # The codes' own bits with the polarity undone, as binaryllm stores them.
            own = {">0": x > 0, ">=0": x >= 0, "signbit": ~np.signbit(x), "<0": ~(x < 0),
                   "<=0": ~(x <= 0)}[rule]
            want = np.packbits(own, axis=1, bitorder="little")
            assert (np.load(out) == want).all(), f"{name}: converted codes differ"
            with open(out + ".json") as f:
                side = json.load(f)
            assert side["bits"] == DIMS and side["byte_order"] == "faiss" and side["projection"] is None
            # binaryllm search over the converted codes: the Hamming distances of the codes' bits.
            subprocess.run([a.bin, "search", "--codes", out, "--query-codes", out, "--k", "5",
                            "--out", p(f"hits{i}")], check=True, capture_output=True)
            bits = own.astype(np.int32)
            ham = (bits[:, None, :] != bits[None, :, :]).sum(axis=2)
            ids = np.load(p(f"hits{i}/ids.npy"))
            dist = np.load(p(f"hits{i}/distances.npy"))
            assert (np.take_along_axis(ham, ids, axis=1) == dist).all(), name
            assert (np.sort(ham, axis=1)[:, :5] == dist).all(), name
            names.append(name)

        # Codes of other floats: no layout explains them.
        np.save(p("other.npy"), np.packbits(floats()[::-1] > 0, axis=1))
        r = subprocess.run([a.bin, "inspect", "--codes", p("other.npy"), "--floats", p("x.npy")],
                           capture_output=True, text=True)
        assert r.returncode == 1, r
        assert r.stdout.startswith("not identified"), r.stdout
        assert "interop stage" in r.stderr, r.stderr
    print(f"interop ok: inspect identified {len(names)} producers ({'; '.join(names)})")
    if not a.pglite:
        print("   notice: no PGlite (node + npm): pgvector's binary_quantize not checked")


if __name__ == "__main__":
    sys.exit(main())
