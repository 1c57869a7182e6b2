"""The sandbox runner (judge/runner.py) and the pytest it runs with.

The runner configures pytest once in its zygote and runs the session in each fork, through pytest's private
API (no public one splits a session so). pyproject.toml and the judge image therefore bound pytest to the
majors it is tested on, and an upgrade that drops or moves a name the runner uses fails here, not in a
student's run.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from qa_arena.grading.judge_image import JUDGE_REQUIREMENTS
from tests.support.paths import ROOT

RUNNER = ROOT / "judge" / "runner.py"
RUNNER_FILES = sorted(RUNNER.parent.glob("runner*.py"))  # the entry point and the modules beside it
# What the runner reaches for beyond pytest's public API: module -> names (Class.attribute for a method).
PRIVATE = {
    "_pytest.config": ("_prepareconfig", "default_plugins", "Config._do_configure"),
    "_pytest.main": ("_main", "Session.from_config"),
}


def pytest_requirement() -> Requirement:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (requirement,) = [r for r in map(Requirement, dependencies) if r.name == "pytest"]
    return requirement


def test_pytest_is_bounded_to_the_tested_majors_and_the_installed_one_is_within():
    specifier = pytest_requirement().specifier
    assert any(spec.operator in ("<", "<=") for spec in specifier), f"no upper bound: pytest{specifier}"
    assert Version(metadata.version("pytest")) in specifier
    assert Version(pytest.__version__) in specifier  # the pytest this process (and the local backend) runs
    judge = [Requirement(r) for r in JUDGE_REQUIREMENTS if Requirement(r).name == "pytest"]
    assert [r.specifier for r in judge] == [specifier], "the judge image installs pytest within the same bound"


@pytest.mark.parametrize(("module", "name"), [(m, n) for m, names in PRIVATE.items() for n in names])
def test_the_installed_pytest_has_the_private_names_the_runner_uses(module, name):
    target = importlib.import_module(module)
    for part in name.split("."):
        assert hasattr(target, part), f"pytest {pytest.__version__}: {module}.{name} is gone"
        target = getattr(target, part)
    assert callable(target) or name == "default_plugins"


def _runner_private_uses() -> set[tuple[str, str]]:
    """(module, name) of each `_pytest` name the runner imports or reads, and each `config._x` it calls."""
    uses = set()
    for node in (node for path in RUNNER_FILES for node in ast.walk(ast.parse(path.read_text()))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("_pytest"):
            uses |= {(node.module, alias.name) for alias in node.names}
        elif isinstance(node, ast.Attribute):
            dotted = ast.unparse(node)
            if dotted.startswith("_pytest.") and dotted.count(".") >= 2:  # _pytest.config.default_plugins
                module, _, name = dotted.rpartition(".")
                uses.add((module, name))
            elif dotted.startswith("config._"):
                uses.add(("_pytest.config", f"Config.{node.attr}"))
            elif dotted.startswith("Session."):
                uses.add(("_pytest.main", dotted))
    return uses


def test_every_private_name_the_runner_uses_is_checked():
    checked = {(m, n) for m, names in PRIVATE.items() for n in names}
    imported_classes = {("_pytest.main", "Session")}  # public as pytest.Session; its from_config is checked
    assert _runner_private_uses() - imported_classes <= checked
    assert checked <= _runner_private_uses()  # nothing listed that the runner no longer uses


def load_runner():
    if str(RUNNER.parent) not in sys.path:
        sys.path.insert(0, str(RUNNER.parent))  # as when it runs: its modules lie beside it
    spec = importlib.util.spec_from_file_location("qa_arena_runner_under_test", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_variant_is_compiled_with_every_position_on_line_1():
    import marshal

    runner = load_runner()
    code, error = runner.compile_variant(
        "X = 1\n\n\ndef f(a):\n    if a:\n        return 2\n    raise ValueError(a)\n", "/s/m.py"
    )
    assert error == ""
    module = marshal.loads(code)
    f = next(c for c in module.co_consts if hasattr(c, "co_code"))
    assert f.co_firstlineno == 1 and {line for _, _, line in f.co_lines() if line is not None} == {1}
    assert {p[2] for p in f.co_positions() if p[2] is not None} <= {0}
    assert runner.compile_variant("def f(:\n", "/s/m.py")[0] is None


@pytest.mark.parametrize(
    ("extra", "ok"),
    [({}, True), ({"preload": ["re"], "seed": 3, "order": "reverse"}, True), ({"preload": "re"}, False),
     ({"preload": [1]}, False), ({"seed": True}, False), ({"seed": "1"}, False), ({"order": "random"}, False)],
)  # fmt: skip
def test_run_requests_are_checked(extra, ok):
    request = {"op": "run", "run": "t", "module": "m", "variant": "", "tests": "", **extra}
    assert load_runner()._well_formed(request) is ok
