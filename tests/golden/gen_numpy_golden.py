#!/usr/bin/env python3
"""Second, independent implementation of the binaryllm-core contract, in numpy.

Writes the `*-numpy-v1.bin` golden files of tests/golden/ (see README.md there for the byte
layouts). Nothing here imports or calls binaryllm: the ChaCha8 stream, the synthetic inputs, the
Rademacher/Achlioptas/Gaussian matrices and the packed codes are re-derived from the written
contract (core-nostd/src/rng.rs, projection.rs, bytes.rs) and numpy's `packbits`.

Usage (deliberate, never run by tests):
    python3 -m venv .venv-golden && .venv-golden/bin/pip install numpy
    .venv-golden/bin/python tests/golden/gen_numpy_golden.py --out tests/golden
"""

import argparse
import os
import struct
import sys

import numpy as np

MASK = 0xFFFFFFFF

# ---------------------------------------------------------------- ChaCha8 (D. J. Bernstein)


def _rotl(v, c):
    return ((v << c) & MASK) | (v >> (32 - c))


def _quarter(x, a, b, c, d):
    x[a] = (x[a] + x[b]) & MASK
    x[d] = _rotl(x[d] ^ x[a], 16)
    x[c] = (x[c] + x[d]) & MASK
    x[b] = _rotl(x[b] ^ x[c], 12)
    x[a] = (x[a] + x[b]) & MASK
    x[d] = _rotl(x[d] ^ x[a], 8)
    x[c] = (x[c] + x[d]) & MASK
    x[b] = _rotl(x[b] ^ x[c], 7)


def chacha8_block(key_words, counter, nonce):
    """One 16-word block: constants, 8 key words, 64-bit block counter, 64-bit nonce."""
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574] + list(key_words)
    state += [counter & MASK, counter >> 32, nonce & MASK, nonce >> 32]
    x = list(state)
    for _ in range(4):  # 8 rounds = 4 double rounds
        _quarter(x, 0, 4, 8, 12)
        _quarter(x, 1, 5, 9, 13)
        _quarter(x, 2, 6, 10, 14)
        _quarter(x, 3, 7, 11, 15)
        _quarter(x, 0, 5, 10, 15)
        _quarter(x, 1, 6, 11, 12)
        _quarter(x, 2, 7, 8, 13)
        _quarter(x, 3, 4, 9, 14)
    return [(a + b) & MASK for a, b in zip(x, state)]


class Stream:
    """binaryllm's SeededStream: key = seed LE || 8-byte tag || 16 zero bytes, nonce = stream."""

    def __init__(self, seed, tag, stream):
        key = struct.pack("<Q", seed) + tag + bytes(16)
        self.key = struct.unpack("<8I", key)
        self.nonce = stream
        self.counter = 0
        self.buf = []

    def next_u32(self):
        if not self.buf:
            self.buf = chacha8_block(self.key, self.counter, self.nonce)
            self.counter += 1
        return self.buf.pop(0)


# ---------------------------------------------------------------- contract pieces

F32 = np.float32
SYN_SEED, N_SYN, DIMS_SYN = 2024, 16, 48


def synthetic_row(i, dims):
    s = Stream(SYN_SEED, b"synthset", i)
    return np.array([F32((s.next_u32() >> 8) * 2.0**-23 - 1.0) for _ in range(dims)], dtype=F32)


def rademacher_row(seed, row, dims):
    s = Stream(seed, b"rademach", row)
    out = np.empty(dims, dtype=F32)
    for c in range(dims):
        if c % 32 == 0:
            w = s.next_u32()
        out[c] = 1.0 if (w >> (c % 32)) & 1 else -1.0
    return out


def achlioptas_row(seed, row, dims):
    s = Stream(seed, b"achliopt", row)
    out = np.empty(dims, dtype=F32)
    for c in range(dims):
        v = (s.next_u32() * 6) >> 32
        out[c] = 1.0 if v == 0 else (-1.0 if v == 5 else 0.0)
    return out


def gaussian_row_f64(seed, row, dims):
    """Box-Muller in float64 on the same 24-bit uniforms (independent of libm's f32 rounding)."""
    s = Stream(seed, b"gaussian", row)
    out = np.empty(dims, dtype=np.float64)
    for c in range(0, dims, 2):
        a, b = s.next_u32(), s.next_u32()
        u1 = ((a >> 8) + 1) * 2.0**-24
        u2 = (b >> 8) * 2.0**-24
        t = np.float64(F32(2 * np.pi)) * u2  # TAU is rounded to f32 in the contract
        r = np.sqrt(-2.0 * np.log(u1))
        out[c] = r * np.cos(t)
        if c + 1 < dims:
            out[c + 1] = r * np.sin(t)
    return out


def hadamard_signs(seed, stream, p):
    s = Stream(seed, b"hadamard", stream)
    out = np.empty(p, dtype=F32)
    for c in range(p):
        if c % 32 == 0:
            w = s.next_u32()
        out[c] = 1.0 if (w >> (c % 32)) & 1 else -1.0
    return out


def fwht_f32(v):
    """Unnormalised Walsh-Hadamard (Sylvester order), numpy-vectorised butterflies in float32."""
    v = v.astype(F32).copy()
    p, h = len(v), 1
    while h < p:
        blocks = v.reshape(-1, 2, h)
        a, b = blocks[:, 0, :].copy(), blocks[:, 1, :].copy()
        blocks[:, 0, :], blocks[:, 1, :] = a + b, a - b
        v = blocks.reshape(p)
        h *= 2
    return v


def hadamard_project(seed, x, bits, rounds=3):
    p = 1 << (len(x) - 1).bit_length()
    out = []
    for block in range((bits + p - 1) // p):
        v = np.zeros(p, dtype=F32)
        v[: len(x)] = x
        for r in range(rounds):
            v = fwht_f32(v * hadamard_signs(seed, block * rounds + r, p))
        out.append(v)
    return np.concatenate(out)[:bits]


def sequential_f32(w, x):
    """The reference dot product, emulated with numpy float32 scalars (one rounding per op)."""
    acc = F32(0.0)
    for a, b in zip(w, x):
        acc = F32(acc + F32(a * b))
    return acc


# ---------------------------------------------------------------- outputs

CHACHA_CASES = [
    (0, b"gaussian", 0),
    (42, b"rademach", 7),
    (2**64 - 1, b"achliopt", 1023),
    (SYN_SEED, b"synthset", 3),
]
CHACHA_WORDS = 80  # crosses rand_chacha's 64-word buffer

HADAMARD_SEED, HADAMARD_BITS = 9, 100
CODE_CASES = [("rademacher", 7, 100), ("achlioptas", 7, 256), ("gaussian", 7, 64)]
PACK_LENGTHS = [1, 7, 8, 9, 63, 64, 65, 100, 128, 1000]
PACK_ROWS = 3


def pack_bit(i, j):
    return ((i * 7 + j * 13 + (j >> 4)) % 5) < 2


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    print(f"wrote {path} ({len(data)} bytes)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()

    # 1. raw ChaCha8 words
    blob = b""
    for seed, tag, stream in CHACHA_CASES:
        s = Stream(seed, tag, stream)
        blob += struct.pack(f"<{CHACHA_WORDS}I", *[s.next_u32() for _ in range(CHACHA_WORDS)])
    write_atomic(os.path.join(args.out, "chacha-numpy-v1.bin"), blob)

    # 2. synthetic inputs and numpy codes: packbits((X @ W.T) >= 0, axis=1, bitorder="little")
    X = np.stack([synthetic_row(i, DIMS_SYN) for i in range(N_SYN)])
    blob = X.astype("<f4").tobytes()
    for kind, seed, bits in CODE_CASES:
        if kind == "rademacher":
            W = np.stack([rademacher_row(seed, r, DIMS_SYN) for r in range(bits)])
        elif kind == "achlioptas":
            W = np.stack([achlioptas_row(seed, r, DIMS_SYN) for r in range(bits)])
        else:
            W = np.stack([gaussian_row_f64(seed, r, DIMS_SYN) for r in range(bits)]).astype(F32)
        Y = X @ W.T
        exact = X.astype(np.float64) @ W.astype(np.float64).T
        margin = np.abs(exact).min()
        if kind != "gaussian":
            seq = np.array([[sequential_f32(W[r], X[i]) for r in range(bits)] for i in range(N_SYN)])
            assert ((seq >= 0) == (Y >= 0)).all(), f"{kind}: BLAS and sequential signs differ"
        assert margin > 1e-4, f"{kind}: a projected value is within {margin} of zero"
        codes = np.packbits(Y >= 0, axis=1, bitorder="little")
        print(f"{kind} seed {seed} bits {bits}: min |y| = {margin:.3g}, {codes.shape[1]} bytes/code")
        blob += codes.tobytes()
    write_atomic(os.path.join(args.out, "codes-numpy-v1.bin"), blob)

    # 3. Gaussian matrix values (float64 Box-Muller rounded to f32) for the sampler check
    blob = b""
    for seed in (0, 42):
        for row in (0, 1, 1023):
            blob += gaussian_row_f64(seed, row, 16).astype("<f4").tobytes()
    write_atomic(os.path.join(args.out, "gaussian-numpy-v1.bin"), blob)

    # 4. Hadamard projection values (exact: each butterfly is one f32 add/sub) and codes
    Yh = np.stack([hadamard_project(HADAMARD_SEED, X[i], HADAMARD_BITS) for i in range(N_SYN)])
    codes = np.packbits(Yh >= 0, axis=1, bitorder="little")
    write_atomic(
        os.path.join(args.out, "hadamard-numpy-v1.bin"),
        Yh.astype("<f4").tobytes() + codes.tobytes(),
    )

    # 5. packbits in both orders and the signed form
    blob = b""
    for n in PACK_LENGTHS:
        for i in range(PACK_ROWS):
            bits = np.array([pack_bit(i, j) for j in range(n)], dtype=bool)
            little = np.packbits(bits, bitorder="little")
            big = np.packbits(bits)
            signed = (big.astype(np.int16) - 128).astype(np.int8)
            blob += little.tobytes() + big.tobytes() + signed.tobytes()
    write_atomic(os.path.join(args.out, "packbits-numpy-v1.bin"), blob)
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
