"""The README's Python quick start runs as written, and the package's version is the crate's."""

import re

import binaryllm
from conftest import REPO


def _section(text, heading):
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


def test_the_readme_quick_start_runs(monkeypatch, capsys):
    readme = (REPO / "README.md").read_text()
    section = _section(readme, "Use binaryllm from Python")
    assert "pip install ./python" in section
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "one quick-start block"
    monkeypatch.chdir(REPO)  # the block reads the shipped sample by its path in a clone
    namespace = {}
    exec(compile(blocks[0], "README.md (Use binaryllm from Python)", "exec"), namespace)
    assert namespace["ids"].shape == (500, 10)
    assert len(namespace["results"]["runs"]) == 2
    recall = float(capsys.readouterr().out.strip())
    assert 0.0 < recall <= 1.0


def test_version_is_the_crate_version():
    for manifest in ("Cargo.toml", "python/Cargo.toml"):
        text = (REPO / manifest).read_text()
        version = re.search(r'^version = "([^"]+)"', text, re.M).group(1)
        assert binaryllm.__version__ == version, manifest
