"""evaluate(): the results.json of `binaryllm eval --base … --queries …`, from numpy arrays."""

import json

import numpy as np
import pytest

import binaryllm

# Keys whose values depend on the moment or the place of the run, not on its results.
VOLATILE = {"timings", "started", "finished", "created", "run_dir", "path", "seconds", "command"}


def _stable(x):
    """`x` without the volatile keys (recursively) and with float paths' directories dropped."""
    if isinstance(x, dict):
        return {k: _stable(v) for k, v in x.items() if k not in VOLATILE and not k.endswith("_s")}
    if isinstance(x, list):
        return [_stable(v) for v in x]
    return x


OPTIONS = dict(bits=[64, 256], projection="gaussian", seeds=[0])


@pytest.fixture(scope="module")
def small(sample):
    base, queries = sample
    return base[:2000], queries[:200]


def test_evaluate_equals_the_cli(cli, small, tmp_path):
    base, queries = small
    np.save(tmp_path / "base.npy", base)
    np.save(tmp_path / "queries.npy", queries)
    cli("eval", "--base", tmp_path / "base.npy", "--queries", tmp_path / "queries.npy",
        "--bits", "64,256", "--projection", "gaussian", "--seeds", "0", "--quiet",
        "--out", tmp_path / "cli")
    want = json.loads((tmp_path / "cli" / "results.json").read_text())
    got = binaryllm.evaluate(tmp_path / "base.npy", tmp_path / "queries.npy", **OPTIONS)
    assert _stable(got) == _stable(want)
    # From arrays (written once to temporary files): the same results.
    from_arrays = binaryllm.evaluate(base, queries, **OPTIONS)
    assert _stable(from_arrays)["runs"] == _stable(want)["runs"]
    assert len(got["runs"]) == 2


def test_out_keeps_the_run_directory_with_the_report(small, tmp_path):
    base, queries = small
    got = binaryllm.evaluate(base, queries, out=tmp_path / "run", bits=64, seeds=0)
    assert (tmp_path / "run" / "report.html").is_file()
    assert json.loads((tmp_path / "run" / "results.json").read_text()) == got
    with pytest.raises(binaryllm.FileError, match="already exists"):
        binaryllm.evaluate(base, queries, out=tmp_path / "run", bits=64, seeds=0)
    binaryllm.evaluate(base, queries, out=tmp_path / "run", force=True, bits=64, seeds=0)


def test_progress_reports_every_run(small):
    base, queries = small
    events = []
    binaryllm.evaluate(base, queries, bits=[64, 128], seeds=[0, 1], projection="gaussian",
                       progress=lambda *e: events.append(e))
    runs = [e for e in events if e[0] == "run"]
    assert [e[2] for e in runs] == [1, 2, 3, 4] and {e[3] for e in runs} == {4}
    assert events[0][0] == "stage" and any(e[0] == "finish" for e in events)


def test_an_exception_in_the_progress_callback_is_raised(small):
    base, queries = small

    def fail(*_):
        raise KeyboardInterrupt("stop")

    with pytest.raises(KeyboardInterrupt, match="stop"):
        binaryllm.evaluate(base, queries, bits=64, seeds=0, progress=fail)


def test_none_overrides_keep_the_config(small):
    base, queries = small
    a = binaryllm.evaluate(base, queries, bits=64, seeds=0, projection="gaussian", k=None, threads=None)
    assert a["config"]["metrics"]["k"] == 10 and len(a["runs"]) == 1


def test_bad_input_is_typed(small, tmp_path):
    base, queries = small
    with pytest.raises(binaryllm.InvalidInputError, match='unknown option "bitz"'):
        binaryllm.evaluate(base, queries, bitz=64)
    with pytest.raises(binaryllm.InvalidInputError, match="384"):
        binaryllm.evaluate(base, queries[:, :100], bits=64)
    with pytest.raises(binaryllm.DTypeError):
        binaryllm.evaluate(base.astype(np.int32), queries)
    with pytest.raises(binaryllm.FileError):
        binaryllm.evaluate(tmp_path / "missing.npy", queries)
    with pytest.raises(binaryllm.InvalidInputError, match="normalization"):
        binaryllm.evaluate(base, queries, normalization="unit")
