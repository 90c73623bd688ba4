"""quantize: sentence-transformers' binary precisions, re-implemented from its formula."""

import numpy as np
import pytest

import binaryllm


def st_quantize(embeddings, precision):
    """sentence_transformers.quantization.quantize_embeddings for the binary precisions
    (its documented formula; torch is not installed here)."""
    if precision == "binary":
        return (np.packbits(embeddings > 0).reshape(embeddings.shape[0], -1) - 128).astype(np.int8)
    if precision == "ubinary":
        return np.packbits(embeddings > 0).reshape(embeddings.shape[0], -1)
    raise ValueError(precision)


@pytest.mark.parametrize("precision", ["ubinary", "binary"])
def test_byte_identical_to_sentence_transformers(sample, precision):
    base, _ = sample
    got = binaryllm.quantize(base, precision)
    want = st_quantize(base, precision)
    assert got.dtype == want.dtype and got.shape == want.shape == (len(base), 48)
    assert np.array_equal(got, want)


def test_exact_zeros_follow_the_rule():
    x = np.array([[0.0, -0.0, 1e-45, -1e-45, 2.0, -2.0, 0.0, 0.0]], np.float32)
    assert np.array_equal(binaryllm.quantize(x), st_quantize(x, "ubinary"))
    assert binaryllm.quantize(x)[0, 0] == 0b00101000
    assert binaryllm.quantize(x, rule=">=")[0, 0] == 0b11101011
    assert np.array_equal(binaryllm.quantize(x, rule=">="), np.packbits(x >= 0, axis=1))


def test_faiss_order_and_ragged_widths_pad_each_row(rng):
    x = rng.standard_normal((6, 13), dtype=np.float32)
    want = np.packbits(x > 0, axis=1, bitorder="little")
    assert np.array_equal(binaryllm.quantize(x, order="faiss"), want)
    assert np.array_equal(binaryllm.quantize(x), np.packbits(x > 0, axis=1))


def test_unknown_precision_and_rule_are_refused():
    x = np.ones((2, 8), np.float32)
    with pytest.raises(binaryllm.InvalidInputError, match="precision"):
        binaryllm.quantize(x, "int8")
    with pytest.raises(binaryllm.InvalidInputError, match="rule"):
        binaryllm.quantize(x, rule=">>")
