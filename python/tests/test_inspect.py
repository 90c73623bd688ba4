"""inspect / convert: the bit-order doctor on the layouts other tools write (numpy's own
formulas here; FAISS, pgvector and the command line in scripts/interop_inspect.py)."""

import numpy as np
import pytest

import binaryllm


@pytest.fixture
def x(rng):
    v = rng.standard_normal((80, 40), dtype=np.float32)
    v[np.abs(v) < 0.05] = 0.0
    v[::3, 5] = -0.0
    return v


LAYOUTS = [
    # name, make(x), layout (storage, bit_order, signed_offset, polarity), rule, own bits
    ("ubinary", lambda x: np.packbits(x > 0, axis=1), ("packed", "msb", False, "positive"), ">0",
     lambda x: x > 0),
    ("faiss order", lambda x: np.packbits(x >= 0, axis=1, bitorder="little"),
     ("packed", "lsb", False, "positive"), ">=0", lambda x: x >= 0),
    ("binary int8", lambda x: (np.packbits(x > 0, axis=1).astype(np.int16) - 128).astype(np.int8),
     ("packed", "msb", True, "positive"), ">0", lambda x: x > 0),
    ("weaviate", lambda x: np.packbits(x < 0, axis=1), ("packed", "msb", False, "negative"), "<0",
     lambda x: x >= 0),
    ("bool", lambda x: ~np.signbit(x), ("unpacked", None, False, "positive"), "signbit",
     lambda x: ~np.signbit(x)),
]


@pytest.mark.parametrize("name,make,layout,rule,own", LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_identified_and_converted(x, name, make, layout, rule, own):
    codes = make(x)
    r = binaryllm.inspect(codes, x)
    assert r["verdict"] == "identified", r["evidence"]
    got = r["layout"]
    assert (got["storage"], got["bit_order"], got["signed_offset"], got["polarity"]) == layout
    assert r["threshold"]["rule"] == rule
    assert r["compared"] == int(np.count_nonzero(x))
    assert r["evidence"][0].startswith("identified: ")
    ours = binaryllm.convert(codes, **r["convert_args"])
    assert ours.dtype == np.uint8 and ours.shape == (80, 5)
    assert np.array_equal(ours, np.packbits(own(x), axis=1, bitorder="little"))
    words = binaryllm.convert(codes, **r["convert_args"], order="u64")
    assert words.dtype == np.uint64 and words.shape == (80, 1)
    # Hamming distances are those of the codes' own bits.
    b = own(x).astype(np.int32)
    want = (b[:, None, :] != b[None, :, :]).sum(axis=2)
    assert np.array_equal(binaryllm.hamming(ours, ours, bits=40), want)


def test_other_floats_are_unexplained(x, rng):
    codes = np.packbits(rng.standard_normal(x.shape) > 0, axis=1)
    r = binaryllm.inspect(codes, x)
    assert r["verdict"] == "unexplained"
    assert r["layout"] is None and r["convert_args"] is None
    assert r["fits"][0]["agree"] < r["compared"]


def test_careless_inputs_raise_typed_errors(x):
    with pytest.raises(binaryllm.InvalidInputError, match="3 bytes per row; 40-dim floats"):
        binaryllm.inspect(np.zeros((80, 3), np.uint8), x)
    with pytest.raises(binaryllm.InvalidInputError, match="79 rows but the floats 80"):
        binaryllm.inspect(np.zeros((79, 5), np.uint8), x)
    with pytest.raises(binaryllm.DTypeError, match="uint8, int8 or bool"):
        binaryllm.inspect(np.zeros((80, 5), np.int32), x)
    with pytest.raises(binaryllm.InvalidInputError, match="give bit_order"):
        binaryllm.convert(np.zeros((2, 5), np.uint8))
    with pytest.raises(binaryllm.InvalidInputError, match="unpacked=True"):
        binaryllm.convert(np.zeros((2, 5), bool), bit_order="lsb")
    with pytest.raises(binaryllm.InvalidInputError, match="bit_order \"le\""):
        binaryllm.convert(np.zeros((2, 5), np.uint8), bit_order="le")
    with pytest.raises(binaryllm.InvalidInputError, match="one bit per byte"):
        binaryllm.convert(np.full((2, 5), 2, np.uint8), unpacked=True)
