"""Lazy exports: a package's names import their submodule on first use, and only then."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest

PACKAGES = ("qa_arena.ai", "qa_arena.experiments", "qa_arena.ratings")


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A throwaway package `lazypkg` exporting `Heavy` from `.heavy`, which records that it was imported."""
    root = tmp_path / "lazypkg"
    root.mkdir()
    (root / "__init__.py").write_text(
        textwrap.dedent(
            """
            from qa_arena.lazy import lazy_exports

            _EXPORTS = {"Heavy": ".heavy"}
            __all__ = sorted(_EXPORTS)
            __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
            """
        )
    )
    (root / "heavy.py").write_text("IMPORTED = True\n\nclass Heavy:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("lazypkg")
    for name in ("lazypkg", "lazypkg.heavy"):
        sys.modules.pop(name, None)


def test_a_name_imports_its_submodule_on_first_use(package):
    assert "lazypkg.heavy" not in sys.modules
    heavy = package.Heavy
    assert heavy is sys.modules["lazypkg.heavy"].Heavy
    from lazypkg import Heavy

    assert Heavy is heavy


def test_unknown_names_raise_attribute_error(package):
    with pytest.raises(AttributeError, match="module 'lazypkg' has no attribute 'Light'"):
        package.Light  # noqa: B018
    with pytest.raises(ImportError):
        from lazypkg import Light  # noqa: F401
    assert not hasattr(package, "Light")
    assert "lazypkg.heavy" not in sys.modules


def test_dir_lists_the_exports_before_they_are_imported(package):
    assert {"Heavy", "__all__", "__getattr__"} <= set(dir(package))
    assert "lazypkg.heavy" not in sys.modules


def test_star_import_gets_every_export(package):
    namespace: dict = {}
    exec("from lazypkg import *", namespace)
    assert namespace["Heavy"] is package.Heavy


@pytest.mark.parametrize("name", PACKAGES)
def test_each_package_exports_all_its_names(name):
    module = importlib.import_module(name)
    for export in module.__all__:
        assert getattr(module, export).__name__ == export
        assert export in dir(module)


def test_importing_the_packages_stays_cheap():
    code = f"import sys, {', '.join(PACKAGES)}; print(sorted(m for m in ('openai', 'sqlalchemy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
