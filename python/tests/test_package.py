"""The installed package: where it comes from, its stubs and its docstrings."""

import inspect
from pathlib import Path

import binaryllm
from binaryllm import _native


def test_imported_from_the_installed_wheel_not_the_source_tree():
    from conftest import REPO

    here = Path(binaryllm.__file__).resolve()
    assert "site-packages" in here.parts, here
    assert REPO / "python" not in here.parents


def test_the_wheel_ships_the_stubs_and_py_typed():
    pkg = Path(binaryllm.__file__).parent
    assert (pkg / "py.typed").is_file()
    stub = (pkg / "_native.pyi").read_text()
    for name in binaryllm.__all__:
        if name[0].isupper() and name.endswith("Error"):
            continue
        if name != "__version__":
            assert f"{name}" in stub, name


def test_every_public_function_and_method_has_a_docstring():
    for name in binaryllm.__all__:
        obj = getattr(binaryllm, name)
        if isinstance(obj, str):
            continue
        assert inspect.getdoc(obj), name
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_"):
                    assert inspect.getdoc(member), f"{name}.{attr}"
    assert _native.Projection.encode.__doc__
