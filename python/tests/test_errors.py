"""Bad input: each a typed exception with the library's message; never a crash."""

import numpy as np
import pytest

import binaryllm


@pytest.fixture()
def p():
    return binaryllm.Projection("gaussian", dims=16, bits=64, seed=0)


def test_the_exceptions_are_one_family():
    assert issubclass(binaryllm.InvalidInputError, binaryllm.Error)
    assert issubclass(binaryllm.InvalidInputError, ValueError)
    assert issubclass(binaryllm.DTypeError, TypeError)
    assert issubclass(binaryllm.FileError, OSError)
    assert issubclass(binaryllm.InternalError, binaryllm.Error)


def test_wrong_dtype(p):
    with pytest.raises(binaryllm.DTypeError, match="int32 is not a floating-point type"):
        p.encode(np.ones((3, 16), np.int32))
    with pytest.raises(TypeError):
        p.encode(np.ones((3, 16), np.complex64))


def test_wrong_ndim(p):
    with pytest.raises(binaryllm.InvalidInputError, match=r"expected a 2-D array.*1-D shape \[16\].*x\[None, :\]"):
        p.encode(np.ones(16, np.float32))
    with pytest.raises(ValueError, match="3-D"):
        p.encode(np.ones((2, 2, 16), np.float32))


def test_non_contiguous_is_refused_with_copy_false(p):
    x = np.ones((4, 32), np.float32)[:, ::2]
    with pytest.raises(binaryllm.InvalidInputError, match="not C-contiguous.*copy=False"):
        p.encode(x, copy=False)
    with pytest.raises(binaryllm.InvalidInputError, match="float64.*copy=False"):
        p.encode(np.ones((4, 16)), copy=False)
    assert p.encode(x).shape == (4, 8)


def test_nan_names_the_row(p):
    x = np.zeros((5, 16), np.float32)
    x[3, 7] = np.nan
    with pytest.raises(binaryllm.InvalidInputError, match="encode.*row 3"):
        p.encode(x)
    with pytest.raises(binaryllm.InvalidInputError, match="row 3"):
        binaryllm.quantize(x)


def test_dims_mismatch(p):
    with pytest.raises(binaryllm.InvalidInputError, match="20 dims, the projection takes 16"):
        p.encode(np.ones((2, 20), np.float32))


def test_k_zero_and_huge_k():
    codes = np.zeros((10, 8), np.uint8)
    index = binaryllm.Index.from_codes(codes, 64)
    with pytest.raises(binaryllm.InvalidInputError, match="k = 0"):
        index.search(codes, k=0)
    with pytest.raises(binaryllm.InvalidInputError, match="k = 11 is more than the 10 codes"):
        index.search(codes, k=11)
    with pytest.raises(OverflowError):
        index.search(codes, k=2**70)


def test_bits_zero():
    with pytest.raises(binaryllm.InvalidInputError, match="bits"):
        binaryllm.Projection("gaussian", dims=16, bits=0)
    with pytest.raises(binaryllm.InvalidInputError, match="bits = 0"):
        binaryllm.Index(0)


def test_codes_of_the_wrong_width_or_with_padding_bits_set():
    index = binaryllm.Index(60)
    with pytest.raises(binaryllm.InvalidInputError, match="7 bytes per code.*8"):
        index.add(np.zeros((2, 7), np.uint8))
    bad = np.zeros((2, 8), np.uint8)
    bad[1, 7] = 0x80  # bit 63 of a 60-bit code
    with pytest.raises(binaryllm.InvalidInputError, match="row 1"):
        index.add(bad)
    with pytest.raises(binaryllm.DTypeError, match="code type"):
        index.add(np.zeros((2, 8), np.int16))


def test_unknown_names_list_the_known_ones():
    with pytest.raises(binaryllm.InvalidInputError, match="unknown projection kind.*gaussian"):
        binaryllm.Projection("gausian")
    with pytest.raises(binaryllm.InvalidInputError, match="unknown threshold rule.*median"):
        binaryllm.Projection(threshold="mediam")
    with pytest.raises(binaryllm.InvalidInputError, match="Projection.train"):
        binaryllm.Projection("itq")
    with pytest.raises(binaryllm.InvalidInputError, match="order"):
        binaryllm.Projection(dims=8, bits=8).encode(np.ones((1, 8), np.float32), order="big")


def test_missing_artefact_is_a_file_error(tmp_path):
    with pytest.raises(binaryllm.FileError, match="nothing-here"):
        binaryllm.Projection.load(tmp_path / "nothing-here")


def test_a_rust_panic_is_an_internal_error_not_a_crash():
    from binaryllm import _native

    with pytest.raises(binaryllm.InternalError, match="deliberate panic"):
        _native._panic_for_test()
    # The interpreter and the module still work.
    assert binaryllm.Index(8).ntotal == 0


def test_misaligned_arrays_are_copied_not_misread(p, rng):
    x = rng.standard_normal((6, 16), dtype=np.float32)
    buf = bytearray(x.nbytes + 2)
    view = np.frombuffer(buf, dtype=np.float32, count=x.size, offset=2).reshape(6, 16)
    view[...] = x
    assert not view.flags.aligned and view.flags.c_contiguous
    assert np.array_equal(p.encode(view), p.encode(x))
    assert np.array_equal(p.project(view), p.project(x))
    with pytest.raises(binaryllm.InvalidInputError, match="not aligned.*copy=False"):
        p.encode(view, copy=False)
    words = p.encode(x, order="u64")
    wbuf = bytearray(words.nbytes + 4)
    wview = np.frombuffer(wbuf, dtype=np.uint64, count=words.size, offset=4).reshape(words.shape)
    wview[...] = words
    assert not wview.flags.aligned
    assert np.array_equal(binaryllm.Index.from_codes(wview, 64).words(), words)


def test_hamming_and_knn_take_lists():
    a = [[0b1011, 0], [255, 1]]
    got = binaryllm.hamming(np.array(a, np.uint8), np.array(a, np.uint8))
    assert got.tolist() == [[0, 6], [6, 0]]
    with pytest.raises(binaryllm.DTypeError, match="int64 is not a code type"):
        binaryllm.hamming(a, a)


def test_nan_in_the_rerank_base_names_the_row(rng):
    p = binaryllm.Projection("gaussian", dims=16, bits=64, seed=0)
    base = rng.standard_normal((30, 16), dtype=np.float32)
    index = binaryllm.Index.from_codes(p.encode(base), 64, projection=p)
    base[17, 3] = np.inf
    with pytest.raises(binaryllm.InvalidInputError, match="base row 17 .*column 3"):
        index.search_floats(base[:2], 3, base=base)
