"""The environment variables: one table each for QA Arena and its hub, the only two modules that read them,
every one documented in the README, and where they stand against the config files."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from autograde_plugins import configure
from qa_arena import environment
from qa_arena.command import load_config
from qa_arena.environment import VARIABLES, environment_config
from qa_arena.hub import settings
from tests.support.paths import ROOT

PACKAGE = ROOT / "qa_arena"
READERS = {PACKAGE / "environment.py", PACKAGE / "hub" / "settings.py"}
NAME = re.compile(r"QA_ARENA_[A-Z0-9_]*[A-Z0-9]")  # a name, not a prefix such as QA_ARENA_HUB_


def module_constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def environment_reads(path: Path) -> list[str]:
    """QA_ARENA_* names a module reads from os.environ itself (environ.get/[...], getenv), constants resolved."""
    tree = ast.parse(path.read_text())
    constants = {**module_constants(tree), **{k: v for k, v in vars(settings).items() if isinstance(v, str)}}

    def name_of(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        if isinstance(node, ast.Attribute):
            return constants.get(node.attr)
        return None

    def is_environ(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
            isinstance(node, ast.Name) and node.id == "environ"
        )

    found = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if (node.func.attr == "get" and is_environ(node.func.value)) or node.func.attr == "getenv":
                key = name_of(node.args[0]) if node.args else None
        elif isinstance(node, ast.Subscript) and is_environ(node.value) and isinstance(node.ctx, ast.Load):
            key = name_of(node.slice)
        if key and key.startswith("QA_ARENA_"):
            found.append(key)
    return found


def test_only_the_two_settings_modules_read_qa_arena_variables(tmp_path):
    readers = {
        path.relative_to(ROOT).as_posix(): names
        for path in PACKAGE.rglob("*.py")
        if (names := environment_reads(path)) and path not in READERS
    }
    assert readers == {}
    reader = tmp_path / "reader.py"  # the check sees each way of reading
    reader.write_text('import os\nfrom os import environ\nLAYOUT = "QA_ARENA_B"\nos.environ.get("QA_ARENA_A")\n'
                      'os.environ[LAYOUT]\nos.getenv("QA_ARENA_C", "")\nenviron.get(settings.PROFILE)\n')  # fmt: skip
    assert environment_reads(reader) == ["QA_ARENA_A", "QA_ARENA_B", "QA_ARENA_C", settings.PROFILE]


def test_every_variable_named_in_the_code_is_in_a_table_and_in_the_readme():
    tables = set(VARIABLES) | set(settings.VARIABLES)
    named = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.fullmatch(node.value):
                named.add(node.value)
    assert named - tables - set(environment.RETIRED) == set()
    readme = (ROOT / "README.md").read_text()
    assert [name for name in sorted(tables) if f"| `{name}` |" not in readme] == []
    assert [name for name in environment.RETIRED if f"`{name}`" not in readme.split("No longer read:")[1]] == []


def test_a_variable_sets_its_trait_under_the_config_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QA_ARENA_DB_URL", "postgresql+psycopg://env/db")
    monkeypatch.setenv("QA_ARENA_PROBLEMS", "/a:/b")
    monkeypatch.delenv("QA_ARENA_CONFIG", raising=False)
    config = load_config(None)
    assert config.SubmissionStore.db_url == "postgresql+psycopg://env/db"
    assert config.ProblemBank.paths == ["/a", "/b"]
    file = tmp_path / "site.py"
    file.write_text('c.SubmissionStore.db_url = "sqlite:///file.db"\n')
    config = load_config(str(file))
    assert config.SubmissionStore.db_url == "sqlite:///file.db" and config.ProblemBank.paths == ["/a", "/b"]


def test_a_variable_applies_over_a_courses_settings_and_its_problems_come_after_the_courses(monkeypatch):
    from traitlets.config import Config

    monkeypatch.setenv("QA_ARENA_COURSE_ID", "from-env")
    monkeypatch.setenv("QA_ARENA_SANDBOX", "docker")
    monkeypatch.setenv("QA_ARENA_PROBLEMS", "/bank:/course/problems")
    monkeypatch.delenv("QA_ARENA_GRADEBOOK_URL", raising=False)
    c = Config()
    c.CourseDirectory.course_id = "in-the-file"
    c.CourseDirectory.db_url = "sqlite:///gradebook.db"
    configure(c, problem_paths=["/course/problems"])
    assert (c.CourseDirectory.course_id, c.Judge.sandbox_class) == ("from-env", "docker")
    assert c.CourseDirectory.db_url == "sqlite:///gradebook.db"  # no variable: the course's own
    assert c.JudgeTests.problem_paths == ["/course/problems", "/bank"]


def test_a_name_outside_the_table_is_a_bug(monkeypatch):
    monkeypatch.setenv("QA_ARENA_TYPO", "x")
    for read in (environment.value, settings.value):
        try:
            read("QA_ARENA_TYPO")
        except KeyError as error:
            assert "QA_ARENA_TYPO" in str(error)
        else:
            raise AssertionError(f"{read} read a variable outside its table")
    assert environment_config({"QA_ARENA_TYPO": "x"}) == environment_config({})


def test_retired_variables_are_named_with_what_to_do_and_are_not_config():
    from qa_arena.environment import RETIRED, retired_in_use

    environ = {"QA_ARENA_BROKER_URL": "redis://redis:6379/0", "QA_ARENA_DB_URL": "sqlite:///x"}
    (line,) = retired_in_use(environ)
    assert line.startswith("QA_ARENA_BROKER_URL is set but no longer read") and "QA_ARENA_DB_URL" in line
    assert retired_in_use({}) == []
    assert not set(RETIRED) & set(VARIABLES)
    assert "GradingQueue" not in environment_config(environ)
