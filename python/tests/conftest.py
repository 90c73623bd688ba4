"""Shared fixtures of the Python package's tests.

The tests import the *installed* package (CI installs the wheel into a fresh venv and runs
pytest from outside the source tree). Identity tests also run the ``binaryllm`` command line:
``$BINARYLLM_CLI`` or ``target/release/binaryllm`` / ``target/debug/binaryllm`` of the
repository; without one they skip with the reason.
"""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def _cli():
    env = os.environ.get("BINARYLLM_CLI")
    if env:
        return env
    for profile in ("release", "debug"):
        p = REPO / "target" / profile / "binaryllm"
        if p.is_file():
            return str(p)
    return shutil.which("binaryllm")


@pytest.fixture(scope="session")
def cli():
    """Runs the binaryllm command line; returns its CompletedProcess (checked)."""
    exe = _cli()
    if exe is None:
        pytest.skip("no binaryllm command line (set BINARYLLM_CLI or cargo build -p binaryllm)")

    def run(*args, check=True):
        r = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f"binaryllm {' '.join(map(str, args))} failed: {r.stderr}")
        return r

    return run


@pytest.fixture(scope="session")
def sample():
    """The shipped sample's base and query embeddings (float32, 384-d)."""
    d = REPO / "data" / "sample"
    base = d / "wordnet_minilm_sample_base.npy"
    if not base.is_file():
        pytest.skip(f"{base} not found (tests read the repository's shipped sample)")
    return np.load(base), np.load(d / "wordnet_minilm_sample_queries.npy")


@pytest.fixture()
def rng():
    return np.random.default_rng(20261202)
