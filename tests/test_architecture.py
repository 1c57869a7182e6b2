"""The dependency rule holds, and the check that guards it fails on an upward import (lint-imports)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """lint-imports on the packages under `root`, with the contracts of root/pyproject.toml."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})  # fmt: skip


@pytest.fixture
def checkout_copy(tmp_path: Path) -> Path:
    """The packages and pyproject.toml, copied to be broken."""
    for name in ("qa_arena", "autograde_plugins"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "labextension"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    "module, upward",
    [
        ("qa_arena/grading/verdict.py", "import qa_arena.service.models"),  # the core reaching up
        ("qa_arena/grading/judge.py", "from qa_arena.command import BadInput"),
        ("qa_arena/service/worker.py", "from qa_arena.cli import main"),  # an integration importing the CLI
        ("qa_arena/grading/problem.py", "import autograde_plugins.records"),
    ],
)
def test_an_upward_import_breaks_a_contract(checkout_copy, module, upward):
    path = checkout_copy / module
    path.write_text(path.read_text() + f"\n{upward}  # added by the test\n")
    result = lint_imports(checkout_copy)
    assert result.returncode != 0, result.stdout[-3000:]
    assert "BROKEN" in result.stdout and "1 broken" in result.stdout, result.stdout[-3000:]


def test_a_new_top_level_module_must_take_its_place_in_the_layers(checkout_copy):
    (checkout_copy / "qa_arena" / "newcomer.py").write_text('"""Somewhere."""\n')
    result = lint_imports(checkout_copy)
    assert result.returncode != 0 and "newcomer" in result.stdout, result.stdout[-3000:]
