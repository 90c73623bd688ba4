"""Zero copy: a C-contiguous float32 input is read in place; outputs own their buffers."""

import resource
import sys

import numpy as np
import pytest

import binaryllm


def _peak_bytes():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units are Linux's here")
def test_encoding_100k_x_384_adds_less_than_10_percent_of_the_input():
    x = np.random.default_rng(0).standard_normal((100_000, 384), dtype=np.float32)
    p = binaryllm.Projection("gaussian", dims=384, bits=256, seed=0)
    p.encode(x[:10])  # the matrix and the thread pool, before the measurement
    before = _peak_bytes()
    codes = p.encode(x)
    extra = _peak_bytes() - before
    assert codes.shape == (100_000, 32)
    assert extra < 0.10 * x.nbytes, f"{extra} bytes over a {x.nbytes}-byte input"
    # The check can fail: a float64 input is converted (one float32 copy, 100% of x).
    x64 = x.astype(np.float64)
    before = _peak_bytes()
    p.encode(x64)
    assert _peak_bytes() - before > 0.5 * x.nbytes


def test_outputs_are_new_arrays_that_own_their_memory(rng):
    x = rng.standard_normal((20, 16), dtype=np.float32)
    x0 = x.copy()
    p = binaryllm.Projection("gaussian", dims=16, bits=64, seed=0)
    for out in (p.encode(x), p.encode(x, order="u64"), p.project(x), binaryllm.quantize(x)):
        assert not np.shares_memory(out, x)
        assert out.flags.c_contiguous and out.flags.writeable
        out[...] = 0  # writable, and writing it leaves the input alone
    assert np.array_equal(x, x0)
    codes = p.encode(x)
    index = binaryllm.Index.from_codes(codes, 64)
    codes[...] = 0xFF  # the index holds its own copy of the codes
    d, i = index.search(p.encode(x[5:6]), k=1)  # all-0xFF codes would tie everywhere: id 0
    assert i[0, 0] == 5 and d[0, 0] == 0
