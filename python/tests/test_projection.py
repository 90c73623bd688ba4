"""Projection: the bits of the command line, every byte order, threads, artefacts."""

import numpy as np
import pytest

import binaryllm


def test_version_is_the_crates():
    import re
    from conftest import REPO

    text = (REPO / "Cargo.toml").read_text()
    workspace = re.search(r'\[workspace\.package\][^\[]*?version = "([^"]+)"', text).group(1)
    assert binaryllm.__version__ == workspace


@pytest.mark.parametrize("kind", ["gaussian", "rademacher", "achlioptas", "hadamard", "orthogonal"])
@pytest.mark.parametrize("order", ["faiss", "packbits"])
def test_encode_is_byte_identical_to_the_cli(cli, sample, tmp_path, kind, order):
    base, _ = sample
    x = base[:700]
    np.save(tmp_path / "x.npy", x)
    cli("encode", "--input", tmp_path / "x.npy", "--bits", 256, "--projection", kind,
        "--seed", 7, "--format", order, "--out", tmp_path / "codes.npy")
    p = binaryllm.Projection(kind, dims=384, bits=256, seed=7)
    ours = p.encode(x, order=order)
    theirs = np.load(tmp_path / "codes.npy")
    assert ours.dtype == np.uint8 and ours.shape == (700, 32)
    assert np.array_equal(ours, theirs)


def test_project_is_the_clis_matrix_times_x_and_its_signs_are_the_bits(cli, sample, tmp_path):
    base, _ = sample
    x = base[:300]
    cli("projection", "--dims", 384, "--bits", 128, "--projection", "gaussian", "--seed", 3,
        "--out", tmp_path / "W.npy")
    w = np.load(tmp_path / "W.npy")
    p = binaryllm.Projection("gaussian", dims=384, bits=128, seed=3)
    y = p.project(x)
    assert y.shape == (300, 128) and y.dtype == np.float32
    np.testing.assert_allclose(y, x @ w.T, rtol=1e-4, atol=1e-5)
    bits = np.unpackbits(p.encode(x), axis=1, bitorder="little")
    assert np.array_equal(bits, (y >= 0).astype(np.uint8))


def test_the_byte_orders_are_numpys_packbits_and_little_endian_words(rng):
    x = rng.standard_normal((50, 40), dtype=np.float32)
    p = binaryllm.Projection("rademacher", dims=40, bits=200, seed=1)
    lsb = p.encode(x)
    msb = p.encode(x, order="packbits")
    words = p.encode(x, order="u64")
    bits = np.unpackbits(lsb, axis=1, bitorder="little")
    assert lsb.shape == (50, 25) and words.shape == (50, 4) and words.dtype == np.uint64
    assert np.array_equal(msb, np.packbits(bits, axis=1))
    padded = np.zeros((50, 32), np.uint8)
    padded[:, :25] = lsb
    assert np.array_equal(words, padded.view("<u8"))


def test_threads_do_not_change_a_bit(sample):
    base, _ = sample
    p = binaryllm.Projection("gaussian", dims=384, bits=512, seed=0)
    assert np.array_equal(p.encode(base, threads=1), p.encode(base, threads=2))
    assert np.array_equal(p.project(base[:100], threads=1), p.project(base[:100], threads=2))


def test_other_dtypes_and_layouts_convert_once_to_the_same_bits(rng):
    x = rng.standard_normal((64, 32)).astype(np.float32)
    p = binaryllm.Projection("gaussian", dims=32, bits=64, seed=2)
    want = p.encode(x)
    assert np.array_equal(p.encode(x.astype(np.float64)), want)
    assert np.array_equal(p.encode(np.asfortranarray(x)), want)
    assert np.array_equal(p.encode(x.tolist()), want)
    wide = np.zeros((64, 64), np.float32)
    wide[:, ::2] = x
    assert np.array_equal(p.encode(wide[:, ::2]), want)


def test_save_load_and_the_cli_read_one_artefact(cli, sample, tmp_path):
    base, _ = sample
    trained = binaryllm.Projection.train("itq", base[:2000], bits=64, seed=4, iterations=10)
    assert (trained.kind, trained.bits, trained.dims, trained.seed) == ("itq", 64, 384, 4)
    trained.save(tmp_path / "itq")
    loaded = binaryllm.Projection.load(tmp_path / "itq")
    want = trained.encode(base[:500])
    assert np.array_equal(loaded.encode(base[:500]), want)
    np.save(tmp_path / "x.npy", base[:500])
    cli("encode", "--input", tmp_path / "x.npy", "--projection-file", tmp_path / "itq",
        "--out", tmp_path / "codes.npy")
    assert np.array_equal(np.load(tmp_path / "codes.npy"), want)


def test_train_equals_the_clis_projection_train(cli, sample, tmp_path):
    base, _ = sample
    np.save(tmp_path / "train.npy", base[:1500])
    cli("projection", "train", "--projection", "gaussian", "--threshold", "median", "--bits", 96,
        "--seed", 5, "--input", tmp_path / "train.npy", "--out", tmp_path / "art")
    theirs = binaryllm.Projection.load(tmp_path / "art")
    ours = binaryllm.Projection.train("gaussian", base[:1500], bits=96, seed=5, threshold="median")
    assert ours.threshold == "median"
    assert np.array_equal(ours.thresholds, theirs.thresholds)
    assert np.array_equal(ours.encode(base), theirs.encode(base))


def test_saving_over_a_directory_is_refused_without_force(tmp_path, rng):
    p = binaryllm.Projection("gaussian", dims=8, bits=16, seed=0)
    p.save(tmp_path / "p")
    with pytest.raises(binaryllm.FileError) as e:
        p.save(tmp_path / "p")
    assert str(tmp_path / "p") in str(e.value)
    p.save(tmp_path / "p", force=True)


def test_repr_names_the_projection():
    p = binaryllm.Projection("achlioptas", dims=16, bits=32, seed=9)
    assert repr(p) == 'Projection(kind="achlioptas", dims=16, bits=32, seed=9, threshold="zero")'
