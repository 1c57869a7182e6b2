"""A course owns its problems: an instructor's own problem, kept anywhere, is graded by everything after
`course build` (real nbgrader autograde, the exports' weights), with no checkout path and no variable."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from qa_arena.course.runner import CourseRunner, write_tests
from qa_arena.grading.judge import Judge
from qa_arena.grading.problem import load_problem
from tests.support.paths import ADDER

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

CHECKOUT = Path(__file__).resolve().parents[2]
QA_ARENA = [sys.executable, "-m", "qa_arena"]
WEAK = "from adder import add\n\ndef test_small():\n    assert add(2, 3) == 5\n"
STUDENTS = {"ada": "reference", "ben": WEAK}


def qa_arena(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([*QA_ARENA, *args], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """`course init`, then `course build` from ~/my-problems/stack (its directory is not named after its slug)."""
    home = tmp_path_factory.mktemp("instructor")
    original = shutil.copytree(ADDER, home / "my-problems" / "stack")
    for path in [original, *original.rglob("*")]:  # a private checkout: the instructor's eyes only
        path.chmod(0o700 if path.is_dir() else 0o600)
    root = home / "course"
    qa_arena("course", "init", str(root), cwd=home)
    build = qa_arena("course", "build", "--course-dir", str(root), "--assignment", "hw", str(original), cwd=home)
    runner = CourseRunner(root)
    runner.add_students(list(STUDENTS))
    runner.release("hw")
    problem = load_problem(original)
    for student, tests in STUDENTS.items():
        notebook = runner.fetch(student, "hw") / "adder.ipynb"
        write_tests(notebook, problem.reference_tests.read_text() if tests == "reference" else tests)
        runner.submit(student, "hw")
    autograde = runner.collect_and_autograde("hw")
    return {"root": root, "home": home, "original": original, "runner": runner, "build": build,
            "autograde": autograde, "problem": problem}  # fmt: skip


def auto_score(root: Path, student: str) -> float | None:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return gradebook.find_grade("adder-tests", "adder", "hw", student).auto_score


def test_course_config_names_no_checkout_and_lists_its_own_problems(course):
    config = (course["root"] / "nbgrader_config.py").read_text()
    assert str(CHECKOUT) not in config
    assert (course["root"] / "problems" / "adder" / "problem.toml").is_file()
    assert not (course["root"] / "problems" / "adder" / "candidates").exists()
    assert f"copied adder into {course['root'] / 'problems' / 'adder'}" in course["build"].stdout
    assert CourseRunner(course["root"]).config()  # nbgrader reads it


def test_the_courses_copy_is_readable_by_grading_workers_of_another_uid(course):
    copy = course["root"] / "problems" / "adder"
    modes = {path.relative_to(copy).as_posix(): path.stat().st_mode & 0o777 for path in [copy, *copy.rglob("*")]}
    assert (modes["."], modes["golden.py"], modes["mutants"]) == (0o755, 0o644, 0o755), modes
    assert {mode for mode in modes.values()} == {0o755, 0o644}, modes
    assert (course["root"] / "problems").stat().st_mode & 0o777 == 0o755


def test_autograde_gives_the_judges_scores(course):
    assert course["autograde"].returncode == 0, course["autograde"].stderr[-3000:]
    judge = Judge(sandbox_class="local")
    for student, tests in STUDENTS.items():
        source = course["problem"].reference_tests.read_text() if tests == "reference" else tests
        verdict = judge.grade(course["problem"], source)
        record = json.loads((course["root"] / "records" / "hw" / student / "adder.qa-arena.json").read_text())
        assert record["status"] == "SUCCESS" and record["score"] == verdict.score, record
        assert auto_score(course["root"], student) == pytest.approx(verdict.score / 10)  # 10 points
    assert auto_score(course["root"], "ada") == 10


def test_the_exports_read_the_weights_of_the_courses_problem(course):
    out = course["root"] / "mutants.csv"
    qa_arena("export", "mutants", "--course-dir", str(course["root"]), "--out", str(out), cwd=course["home"])
    weights = {row["mutant"]: float(row["weight"]) for row in csv.DictReader(out.open())}
    assert weights == {"minus": 2.0, "off_by_one": 1.0, "zero": 1.0}


def test_rebuilding_with_a_changed_problem_updates_the_courses_copy(course):
    root, original = course["root"], course["original"]
    again = qa_arena("course", "build", "--course-dir", str(root), "--assignment", "hw", str(original), cwd=root)
    assert "adder" not in again.stdout.split("wrote")[0]  # unchanged: nothing said about the copy
    toml = original / "problem.toml"
    toml.write_text(toml.read_text().replace("weight = 2.0", "weight = 3.0"))
    changed = qa_arena("course", "build", "--course-dir", str(root), "--assignment", "hw", str(original), cwd=root)
    assert f"updated the course's copy of adder in {root / 'problems' / 'adder'}" in changed.stdout
    assert "weight = 3.0" in (root / "problems" / "adder" / "problem.toml").read_text()


def test_a_problem_missing_at_autograde_is_an_error_that_says_how_to_add_it(course):
    root = course["root"]
    shutil.move(root / "problems" / "adder", course["home"] / "adder-aside")
    try:
        course["runner"].autograde("hw")
        record = json.loads((root / "records" / "hw" / "ben" / "adder.qa-arena.json").read_text())
    finally:
        shutil.move(course["home"] / "adder-aside", root / "problems" / "adder")
    assert record["status"] == "ERROR" and record["score"] is None
    assert f"problem 'adder' is in none of the course's problem directories ({root / 'problems'})" in record["message"]
    assert f"qa-arena course build --course-dir {root} --assignment hw PROBLEM_DIR" in record["message"]
    assert auto_score(root, "ben") is None  # an ERROR is never a zero
