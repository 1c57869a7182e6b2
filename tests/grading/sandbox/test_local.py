"""The local backend as its users run it: as root, as an ordinary user, and where the kernel says no."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from traitlets.config import Config

from qa_arena.grading.judge import Judge
from qa_arena.grading.sandbox.local import LocalSandbox, outermost
from qa_arena.grading.verdict import ERROR
from tests.install import AS_NOBODY
from tests.support.paths import ADDER, FIXTURES

TESTS = FIXTURES.parent.parent / "examples" / "durations_student.py"
REFUSE_USER_NAMESPACES = Path(__file__).with_name("refuse_user_namespaces.py")


def test_binds_inside_other_binds_are_left_out():
    assert outermost(["/usr", "/usr/bin/python3.11", "/opt/venv/", "/opt/venv/lib", "/opt/venv2", "/usr"]) == [
        "/usr",
        "/opt/venv",
        "/opt/venv2",
    ]


def grade_with_a_runner_that_dies(tmp_path, adder, script: str):
    """Grade with a 'python' that is this shell script: the runner dies at start the way the script does."""
    python = tmp_path / "python"
    python.write_text(f"#!/bin/sh\n{script}exit 3\n")
    python.chmod(0o755)
    config = Config()
    config.LocalSandbox.python = str(python)
    return Judge(config=config, sandbox_class="local").grade(adder, "def test_x():\n    pass\n")


def test_what_the_runner_says_when_it_dies_is_in_the_error(tmp_path, adder):
    """A runner that cannot start says why on its stderr: the ERROR carries it, not just 'exited'."""
    verdict = grade_with_a_runner_that_dies(
        tmp_path, adder, "echo 'ModuleNotFoundError: No module named _pytest (a broken runtime)' >&2\n"
    )
    assert verdict.status == ERROR and verdict.score is None
    assert "exited unexpectedly; the runner said: ModuleNotFoundError: No module named _pytest" in verdict.message


def test_the_runners_stderr_is_capped(tmp_path, adder):
    verdict = grade_with_a_runner_that_dies(
        tmp_path, adder, "head -c 100000 /dev/zero | tr '\\0' x >&2\necho END >&2\n"
    )
    said = verdict.message.split("the runner said: ", 1)[1]
    assert said.rstrip().endswith("END") and len(said) <= 4096


def judge_as_nobody(wheel, home: Path, *prefix: str) -> tuple[int, dict]:
    """`qa-arena judge ... --backend local --json` from the installed wheel, as nobody."""
    problem = shutil.copytree(ADDER, home / "adder")
    tests = home / "tests.py"
    tests.write_text("from adder import add\n\ndef test_add():\n    assert add(2, 3) == 5\n")
    command = [*prefix, *AS_NOBODY, wheel.qa_arena, "judge", str(problem), str(tests), "--backend", "local", "--json"]
    proc = subprocess.run(command, capture_output=True, text=True, env=wheel.env(home=home), cwd=home, timeout=120)
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.install
def test_an_ordinary_user_grades_as_root_does(installed_wheel, nobody_home, adder):
    code, verdict = judge_as_nobody(installed_wheel, nobody_home)
    as_root = Judge(sandbox_class="local").grade(adder, (nobody_home / "tests.py").read_text()).to_dict()
    assert verdict["collection"] == as_root["collection"] == "once", verdict["collection_note"]  # forked too
    assert code == 0, verdict
    assert verdict["status"] == "SUCCESS"
    for key in ("score", "killed", "total", "valid_tests", "tests"):
        assert verdict[key] == as_root[key], key
    assert not [p for d in ("sandbox", "root") for p in nobody_home.joinpath(".cache", "qa-arena", d).iterdir()]


@pytest.mark.install
def test_refused_user_namespaces_are_one_clear_line(installed_wheel, nobody_home):
    """Where the kernel refuses unprivileged user namespaces, the judge says so and names both ways out."""
    code, verdict = judge_as_nobody(installed_wheel, nobody_home, sys.executable, str(REFUSE_USER_NAMESPACES))
    assert code == 1 and verdict["status"] == "ERROR" and verdict["score"] is None
    message = verdict["message"]
    assert "exited unexpectedly" not in message and "\n" not in message
    assert "needs unprivileged user namespaces, which this machine refuses" in message
    assert "user.max_user_namespaces" in message and "--backend docker" in message


@pytest.mark.skipif(os.geteuid() != 0, reason="as root only")
def test_root_runs_the_runner_on_this_interpreter():
    """Runs read this interpreter's stdlib through a bind mount, so the runner need not be the system's."""
    sandbox = LocalSandbox()
    assert sandbox.python == sys.executable
    assert os.path.realpath(sys.executable) in sandbox.interpreter_paths()
    with sandbox:
        assert sandbox.ready["python"] == sys.version.split()[0]
