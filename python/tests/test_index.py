"""Index, knn and hamming: FAISS's results, the command line's, ties to the smaller id."""

import numpy as np
import pytest

import binaryllm

faiss = pytest.importorskip("faiss")


def _faiss(codes, queries, bits, k):
    index = faiss.IndexBinaryFlat(bits)
    index.add(codes)
    return index.search(queries, k)


@pytest.mark.parametrize("bits", [64, 256, 1024])
def test_search_equals_faiss_index_binary_flat(sample, bits):
    base, queries = sample
    p = binaryllm.Projection("gaussian", dims=384, bits=bits, seed=0)
    codes, q = p.encode(base), p.encode(queries)
    d, i = binaryllm.Index.from_codes(codes, bits).search(q, k=10)
    fd, fi = _faiss(codes, q, bits, 10)
    assert d.dtype == np.int32 and i.dtype == np.int64 and d.shape == (len(q), 10)
    assert np.array_equal(d, fd)
    assert np.array_equal(i, fi)


def test_ties_go_to_the_smaller_id_as_in_faiss(rng):
    # 8-bit codes over 2,000 rows: every distance is shared by hundreds of rows.
    codes = rng.integers(0, 256, size=(2000, 1), dtype=np.uint8)
    q = rng.integers(0, 256, size=(50, 1), dtype=np.uint8)
    d, i = binaryllm.knn(codes, q, k=100)
    fd, fi = _faiss(codes, q, 8, 100)
    assert np.array_equal(d, fd) and np.array_equal(i, fi)
    for row_d, row_i in zip(d, i):
        order = np.lexsort((row_i, row_d))
        assert np.array_equal(order, np.arange(100))


def test_add_continues_the_ids(rng):
    codes = rng.integers(0, 256, size=(300, 16), dtype=np.uint8)
    index = binaryllm.Index(128)
    index.add(codes[:100])
    index.add(codes[100:])
    assert index.ntotal == len(index) == 300
    d, i = index.search(codes[250:260], k=1)
    assert i[:, 0].tolist() == list(range(250, 260)) and not d.any()


def test_uint64_words_and_packbits_bytes_find_the_same(rng):
    x = rng.standard_normal((400, 24), dtype=np.float32)
    p = binaryllm.Projection("gaussian", dims=24, bits=100, seed=6)
    want = binaryllm.Index.from_codes(p.encode(x), 100).search(p.encode(x[:20]), k=7)
    words = binaryllm.Index.from_codes(p.encode(x, order="u64"), 100)
    msb = binaryllm.Index.from_codes(p.encode(x, order="packbits"), 100, order="packbits")
    for index, q in ((words, p.encode(x[:20], order="u64")), (msb, p.encode(x[:20], order="packbits"))):
        got = index.search(q, k=7)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert np.array_equal(words.words(), p.encode(x, order="u64"))


def test_search_equals_the_cli(cli, sample, tmp_path):
    base, queries = sample
    np.save(tmp_path / "base.npy", base)
    np.save(tmp_path / "q.npy", queries)
    cli("encode", "--input", tmp_path / "base.npy", "--bits", 256, "--projection", "rademacher",
        "--seed", 2, "--out", tmp_path / "codes.npy")
    cli("search", "--codes", tmp_path / "codes.npy", "--queries", tmp_path / "q.npy", "--k", 10,
        "--out", tmp_path / "hits")
    p = binaryllm.Projection("rademacher", dims=384, bits=256, seed=2)
    d, i = binaryllm.Index.from_codes(p.encode(base), 256).search(p.encode(queries), k=10)
    assert np.array_equal(i, np.load(tmp_path / "hits" / "ids.npy"))
    assert np.array_equal(d, np.load(tmp_path / "hits" / "distances.npy"))


def test_threads_do_not_change_the_results(sample):
    base, queries = sample
    p = binaryllm.Projection("gaussian", dims=384, bits=256, seed=1)
    index = binaryllm.Index.from_codes(p.encode(base), 256)
    q = p.encode(queries)
    one, two = index.search(q, k=20, threads=1), index.search(q, k=20, threads=2)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])


def test_hamming_is_the_popcount_of_xor(rng):
    a = rng.integers(0, 256, size=(7, 9), dtype=np.uint8)
    b = rng.integers(0, 256, size=(5, 9), dtype=np.uint8)
    want = np.unpackbits(a[:, None, :] ^ b[None, :, :], axis=2).sum(axis=2)
    got = binaryllm.hamming(a, b)
    assert got.dtype == np.int32 and got.shape == (7, 5)
    assert np.array_equal(got, want)
    assert np.array_equal(binaryllm.hamming(a.view(np.uint8), a)[np.diag_indices(7)], np.zeros(7))


@pytest.fixture(scope="module")
def encoded(sample, tmp_path_factory):
    """The sample encoded by the command line (rademacher, 256 bits, seed 2) and by Python."""
    base, queries = sample
    d = tmp_path_factory.mktemp("encoded")
    np.save(d / "base.npy", base)
    np.save(d / "q.npy", queries)
    p = binaryllm.Projection("rademacher", dims=384, bits=256, seed=2)
    return d, p, binaryllm.Index.from_codes(p.encode(base), 256, projection=p)


def _cli_codes(cli, d):
    """`binaryllm encode` of the `encoded` fixture's base: the same projection's codes."""
    if not (d / "codes.npy").is_file():
        cli("encode", "--input", d / "base.npy", "--bits", 256, "--projection", "rademacher",
            "--seed", 2, "--out", d / "codes.npy")


def test_search_floats_with_base_equals_the_cli_rerank(cli, sample, encoded):
    base, queries = sample
    d, p, index = encoded
    _cli_codes(cli, d)
    cli("search", "--codes", d / "codes.npy", "--queries", d / "q.npy", "--k", 10, "--rerank", 50,
        "--base", d / "base.npy", "--out", d / "exact", "--force")
    scores, ids = index.search_floats(queries, 10, rerank=50, base=base)
    assert scores.dtype == np.float32 and ids.dtype == np.int64 and ids.shape == (len(queries), 10)
    assert np.array_equal(ids, np.load(d / "exact" / "ids.npy"))
    assert np.array_equal(scores, np.load(d / "exact" / "scores.npy"))
    # The scores are the inner products of the returned rows, best first.
    want = np.einsum("qd,qkd->qk", queries.astype(np.float64), base[ids].astype(np.float64))
    assert np.allclose(scores, want, atol=1e-5)
    assert (np.diff(scores, axis=1) <= 0).all()


def test_search_floats_over_every_code_is_the_exact_float_top_k(sample, encoded):
    base, queries = sample
    _, _, index = encoded
    scores, ids = index.search_floats(queries[:50], 10, base=base)
    exact = queries[:50].astype(np.float64) @ base.astype(np.float64).T
    want = np.argsort(-exact, axis=1, kind="stable")[:, :10]
    assert np.array_equal(ids, want)


def test_asymmetric_search_equals_the_cli(cli, sample, encoded):
    _, queries = sample
    d, p, index = encoded
    _cli_codes(cli, d)
    cli("search", "--codes", d / "codes.npy", "--queries", d / "q.npy", "--k", 10, "--rerank", 40,
        "--asymmetric", "--out", d / "asym", "--force")
    scores, ids = index.search_floats(queries, 10, rerank=40, asymmetric=True)
    assert np.array_equal(ids, np.load(d / "asym" / "ids.npy"))
    assert np.array_equal(scores, np.load(d / "asym" / "scores.npy"))
    # The asymmetric score: the projection against the code's bits as ±1.
    y = p.project(queries[:5]).astype(np.float64)
    bits = np.unpackbits(index.words().view(np.uint8), axis=1, bitorder="little")[:, :256]
    for q in range(5):
        want = (y[q] * (2.0 * bits[ids[q]] - 1.0)).sum(axis=1)
        assert np.allclose(scores[q], want, atol=1e-3)


def test_threads_do_not_change_search_floats(sample, encoded):
    base, queries = sample
    _, _, index = encoded
    for kw in (dict(base=base), dict(asymmetric=True)):
        one = index.search_floats(queries, 10, rerank=30, threads=1, **kw)
        two = index.search_floats(queries, 10, rerank=30, threads=2, **kw)
        assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])


def test_add_floats_encodes_with_the_projection(sample, encoded):
    base, _ = sample
    _, p, index = encoded
    other = binaryllm.Index(256, projection=p)
    other.add_floats(base[:1000])
    other.add_floats(base[1000:])
    assert np.array_equal(other.words(), index.words())
    assert other.projection is p


def test_a_saved_code_file_opens_memory_mapped_with_the_same_results(sample, encoded, tmp_path):
    base, queries = sample
    _, p, index = encoded
    path = index.save(tmp_path / "base.codes")
    assert open(path, "rb").read(8) == b"BLLMCODE"
    mapped = binaryllm.Index.open(tmp_path / "base.codes", projection=p)
    assert mapped.mapped and not index.mapped and mapped.ntotal == index.ntotal == len(base)
    assert "mapped=True" in repr(mapped)
    q = p.encode(queries)
    for a, b in zip(mapped.search(q, 10), index.search(q, 10)):
        assert np.array_equal(a, b)
    for a, b in zip(mapped.search_floats(queries, 5, rerank=20, base=base),
                    index.search_floats(queries, 5, rerank=20, base=base)):
        assert np.array_equal(a, b)
    with pytest.raises(binaryllm.InvalidInputError, match="read-only"):
        mapped.add(q[:1])
    with pytest.raises(binaryllm.FileError, match="already exists") as e:
        index.save(tmp_path / "base.codes")
    assert isinstance(e.value, OSError) and str(tmp_path / "base.codes") in str(e.value)
    index.save(tmp_path / "base.codes", force=True)


def test_a_bad_code_file_is_a_typed_error(tmp_path):
    with pytest.raises(binaryllm.FileError, match="missing.codes"):
        binaryllm.Index.open(tmp_path / "missing.codes")
    (tmp_path / "bad.codes").write_bytes(b"NOTCODES" + bytes(100))
    with pytest.raises(binaryllm.InvalidInputError, match="bad.codes"):
        binaryllm.Index.open(tmp_path / "bad.codes")


def test_save_faiss_is_read_back_by_faiss_with_the_same_results(sample, encoded, tmp_path):
    _, queries = sample
    _, p, index = encoded
    index.save_faiss(tmp_path / "index.faiss")
    with pytest.raises(binaryllm.FileError, match="already exists"):
        index.save_faiss(tmp_path / "index.faiss")
    back = faiss.read_index_binary(str(tmp_path / "index.faiss"))
    assert back.ntotal == index.ntotal and back.d == 256
    q = p.encode(queries)
    fd, fi = back.search(q, 10)
    d, i = index.search(q, 10)
    assert np.array_equal(d, fd) and np.array_equal(i, fi)
    with pytest.raises(binaryllm.InvalidInputError, match="divisible by 8"):
        binaryllm.Index.from_codes(np.zeros((3, 2), np.uint64), 100).save_faiss(tmp_path / "odd.faiss")


def test_search_floats_bad_input(sample, encoded):
    base, queries = sample
    _, p, index = encoded
    with pytest.raises(binaryllm.InvalidInputError, match="needs the projection"):
        binaryllm.Index.from_codes(index.words(), 256).search_floats(queries, 5, asymmetric=True)
    with pytest.raises(binaryllm.InvalidInputError, match="give one"):
        index.search_floats(queries, 5)
    with pytest.raises(binaryllm.InvalidInputError, match="give one"):
        index.search_floats(queries, 5, base=base, asymmetric=True)
    with pytest.raises(binaryllm.InvalidInputError, match="rerank = 0"):
        index.search_floats(queries, 5, rerank=0, asymmetric=True)
    with pytest.raises(binaryllm.InvalidInputError, match=r"base has \[100, 384\] floats"):
        index.search_floats(queries, 5, base=base[:100])
    with pytest.raises(binaryllm.InvalidInputError, match="k = 0"):
        index.search_floats(queries, 0, asymmetric=True)
    with pytest.raises(binaryllm.InvalidInputError, match="makes 128-bit codes"):
        binaryllm.Index(256, projection=binaryllm.Projection(bits=128))


def test_a_packbits_index_reopened_keeps_its_byte_order(rng, tmp_path):
    x = rng.standard_normal((200, 24), dtype=np.float32)
    p = binaryllm.Projection("gaussian", dims=24, bits=100, seed=3)
    msb = binaryllm.Index.from_codes(p.encode(x, order="packbits"), 100, order="packbits")
    msb.save(tmp_path / "msb.codes")
    back = binaryllm.Index.open(tmp_path / "msb.codes", order="packbits")
    q = p.encode(x[:9], order="packbits")
    for a, b in zip(back.search(q, 4), msb.search(q, 4)):
        assert np.array_equal(a, b)


def test_asymmetric_scores_subtract_learned_thresholds(sample):
    base, queries = sample
    p = binaryllm.Projection.train("gaussian", base, bits=128, seed=4, threshold="median")
    assert np.abs(p.thresholds).max() > 0
    index = binaryllm.Index.from_codes(p.encode(base), 128, projection=p)
    scores, ids = index.search_floats(queries[:8], 5, rerank=30, asymmetric=True)
    y = p.project(queries[:8]).astype(np.float64) - p.thresholds.astype(np.float64)
    bits = np.unpackbits(index.words().view(np.uint8), axis=1, bitorder="little")[:, :128]
    for q in range(8):
        want = (y[q] * (2.0 * bits[ids[q]] - 1.0)).sum(axis=1)
        assert np.allclose(scores[q], want, atol=1e-3)
