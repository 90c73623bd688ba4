#!/usr/bin/env python3
"""Writes the fuzz seed corpora under fuzz/seeds/<target>/ from the repository's own files.

Real inputs (cut small): the shipped sample's .npy headers and first rows, configs/*.toml,
the captured firmware report frames of host/tests/data; plus a few hand mutations per target
(huge shapes, short files, bad dtypes, ragged .fvecs, empty lists, wrong versions).
Run from the repository root: `python3 fuzz/make_seeds.py` (deterministic output).
"""
import pathlib
import shutil
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"


def npy(descr, shape, data, fortran=False, version=1):
    shape_s = f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(str(d) for d in shape) + ")"
    head = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape_s}, }}"
    lenfmt = "<H" if version == 1 else "<I"
    pre = 10 if version == 1 else 12
    pad = (-(pre + len(head) + 1)) % 64
    head = head + " " * pad + "\n"
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack(lenfmt, len(head)) + head.encode() + data


def write(target, name, data):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def sample(name):
    return (ROOT / "data" / "sample" / name).read_bytes()


def main():
    if SEEDS.exists():
        shutil.rmtree(SEEDS)
    # --- npy_reader: real headers with a few rows, then mutations.
    base = sample("wordnet_minilm_sample_base.npy")
    hl = struct.unpack("<H", base[8:10])[0]
    body = base[10 + hl:]
    write("npy_reader", "sample_base_2rows_f2.npy", npy("<f2", [2, 384], body[: 2 * 384 * 2]))
    write("npy_reader", "sample_base_head_as_shipped.npy", base[: 10 + hl + 64])
    labels = sample("wordnet_minilm_sample_query_labels.npy")
    write("npy_reader", "sample_query_labels_i4.npy", labels)
    gt = sample("wordnet_minilm_sample_gt100.npy")
    ghl = struct.unpack("<H", gt[8:10])[0]
    write("npy_reader", "sample_gt_2x100_i4.npy", npy("<i4", [2, 100], gt[10 + ghl: 10 + ghl + 800]))
    f32 = struct.pack("<6f", 1.0, -2.5, 0.0, 3.25, 5.0, -0.125)
    write("npy_reader", "f4_2x3.npy", npy("<f4", [2, 3], f32))
    write("npy_reader", "f8_be_3x1.npy", npy(">f8", [3, 1], struct.pack(">3d", 1.0, 1e300, -0.0)))
    write("npy_reader", "f2_subnormal_nan.npy", npy("<f2", [1, 4], struct.pack("<4H", 0x0001, 0x03FF, 0x7E00, 0x3C00)))
    write("npy_reader", "huge_shape.npy", npy("<f4", [10**12, 10**12], f32))
    write("npy_reader", "overflow_shape.npy", npy("<f8", [2**40, 2**40], f32))
    write("npy_reader", "header_longer_than_file.npy", npy("<f4", [2, 3], f32)[:40])
    write("npy_reader", "fortran.npy", npy("<f4", [2, 3], f32, fortran=True))
    write("npy_reader", "u8_codes_v2.npy", npy("|u1", [2, 8], bytes(range(16)), version=2))
    write("npy_reader", "u8_1d.npy", npy("<u8", [2], struct.pack("<2Q", 1, 2**63 + 5)))
    write("npy_reader", "structured.npy", npy("[('a', '<f4')]", [2], f32[:8]))
    write("npy_reader", "zero_rows.npy", npy("<f4", [0, 3], b""))
    write("npy_reader", "three_d.npy", npy("<f4", [1, 2, 3], f32))

    # --- fvecs_reader: real rows as .fvecs, .ivecs, and broken ones.
    rows = [struct.unpack("<384e", body[i * 768:(i + 1) * 768]) for i in range(2)]
    fv = b"".join(struct.pack("<I", 384) + struct.pack("<384f", *r) for r in rows)
    write("fvecs_reader", "sample_2rows.fvecs", fv)
    small = b"".join(struct.pack("<I2f", 2, a, b) for a, b in [(1.0, 2.0), (3.0, 4.0)])
    write("fvecs_reader", "two_by_two.fvecs", small)
    write("fvecs_reader", "ragged.fvecs", small[:-4])
    write("fvecs_reader", "dims_mismatch.fvecs", small[:12] + struct.pack("<I2f", 3, 1.0, 2.0))
    write("fvecs_reader", "huge_dims.fvecs", struct.pack("<I", 0xFFFFFFFF) + small[4:])
    write("fvecs_reader", "nan.fvecs", struct.pack("<I2f", 2, float("nan"), 0.0))
    ids = gt[10 + ghl: 10 + ghl + 400]
    write("fvecs_reader", "gt_1x100.ivecs", struct.pack("<I", 100) + ids)
    write("fvecs_reader", "short.bin", b"\x02\x00")

    # --- config_parser: the shipped configs and mutations.
    for p in sorted((ROOT / "configs").glob("*.toml")):
        write("config_parser", p.name, p.read_bytes())
    minimal = (
        'name = "t"\nbits = [64]\nseeds = [0]\n\n[dataset]\nbase = "b.npy"\nqueries = "q.npy"\n\n'
        '[[projection]]\nkind = "gaussian"\n'
    )
    write("config_parser", "minimal.toml", minimal.encode())
    write("config_parser", "empty_bits.toml", minimal.replace("[64]", "[]").encode())
    write("config_parser", "dup_seeds.toml", minimal.replace("seeds = [0]", "seeds = [1, 1]").encode())
    write("config_parser", "unknown_key.toml", (minimal + "\n[metrics]\nk = 10\nrecal_k = [1]\n").encode())
    write("config_parser", "bad_type.toml", (minimal + "\n[metrics]\nk = \"ten\"\n").encode())
    write("config_parser", "utf8_keys.toml", (minimal + "\n[métrics]\n\"ké\" = 1\n").encode())

    # --- report_decoder: the captured frames, their payloads, and broken ones.
    for p in sorted((ROOT / "host" / "tests" / "data").glob("*.cobs")):
        frame = p.read_bytes()
        write("report_decoder", p.name, frame)
        payload = cobs_decode(frame.rstrip(b"\x00"))
        write("report_decoder", p.stem + ".payload", payload[:-4])
        write("report_decoder", p.stem + ".truncated", frame[: len(frame) // 2])
        write("report_decoder", p.stem + ".garbage", frame + b"\x01")
        v2 = bytearray(payload[:-4])
        v2[0] = 2
        write("report_decoder", p.stem + ".v2.payload", bytes(v2))
        write("report_decoder", p.stem + ".v2", frame_of(bytes(v2)))
    write("report_decoder", "empty", b"")
    write("report_decoder", "zeros", b"\x00" * 16)
    write("report_decoder", "oversized", frame_of(b"\x01" + b"\xff" * 9000))

    # --- core_api: (bits u16, dims u8, k u8, kind u8, seed u64, code bytes, floats, db bytes).
    for bits, dims, k, kind in [(64, 16, 5, 0), (1, 1, 1, 1), (1024, 255, 39, 2), (65, 3, 0, 0), (0, 0, 0, 0)]:
        head = struct.pack("<HBBBQ", bits, dims, k, kind, 0x9E3779B97F4A7C15)
        rest = bytes((i * 37 + bits) % 256 for i in range(bits // 8 + 1 + 4 * dims + 8 * 4 * ((bits + 63) // 64)))
        write("core_api", f"b{bits}_d{dims}_k{k}", head + rest)


def cobs_decode(src):
    out, i = bytearray(), 0
    while i < len(src):
        code = src[i]
        out += src[i + 1:i + code]
        i += code
        if code != 0xFF and i < len(src):
            out.append(0)
    return bytes(out)


def cobs_encode(src):
    out = bytearray()
    for seg_i, seg in enumerate(src.split(b"\x00")):
        last = seg_i == src.count(b"\x00")
        rest = seg
        while len(rest) >= 254:
            out += b"\xff" + rest[:254]
            rest = rest[254:]
        if not (last and not rest and seg):
            out += bytes([len(rest) + 1]) + rest
    return bytes(out)


def frame_of(payload):
    return cobs_encode(payload + struct.pack("<I", zlib.crc32(payload))) + b"\x00"


if __name__ == "__main__":
    main()
