"""The instructor's whole loop with the real nbgrader commands and several students.

generate -> release -> fetch -> edit -> submit -> collect -> autograde -> generate_feedback ->
release_feedback -> fetch_feedback -> export, with broken submissions among the students.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry

from qa_arena.course.runner import CourseRunner, write_tests
from qa_arena.course.setup import build_assignment, init_course
from qa_arena.grading.problem import load_problem
from tests.support.paths import PROBLEMS

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

ASSIGNMENT = "ps1"
PWNED = Path(f"/tmp/qa-arena-pwned-{uuid.uuid4().hex}")

WEAK = "from durations import parse_duration\n\ndef test_45s():\n    assert parse_duration('45s') == 45\n"
INVALID = (
    "import pytest\nfrom durations import parse_duration\n\n"
    "def test_hours():\n    assert parse_duration('1h30m') == 5400\n\n"
    "def test_empty():\n    with pytest.raises(ValueError):\n        parse_duration('')\n\n"
    "def test_minutes_capped():\n    with pytest.raises(ValueError):\n        parse_duration('90m')\n"
)
# Would write a file on the grader if the notebook were executed there instead of in the sandbox.
ESCAPE = (
    f"open({str(PWNED)!r}, 'w').write('ran on the grader')\n"
    "from durations import parse_duration\n\ndef test_45s():\n    assert parse_duration('45s') == 45\n"
)


def tamper(student: str, notebook: Path) -> None:
    nb = nbformat.read(str(notebook), as_version=4)
    tests_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "durations-tests")
    if student == "deleted":
        nb.cells.remove(tests_cell)
    elif student == "renamed":
        tests_cell.metadata.nbgrader.grade_id = "my-own-tests"
    elif student == "reordered":
        nb.cells.reverse()
    elif student == "stuffed":
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 5_000_000)]
    nbformat.write(nb, str(notebook))
    if student == "corrupt":
        notebook.write_text(notebook.read_text()[:300])
    if student == "wrong_notebook":
        notebook.rename(notebook.with_name("ps2-answers.ipynb"))


SUBMISSIONS = {
    "ada": "reference",  # thorough: the reference suite
    "ben": WEAK,
    "cleo": INVALID,
    "eve": ESCAPE,
    "deleted": WEAK,
    "renamed": WEAK,
    "reordered": WEAK,
    "stuffed": WEAK,
    "corrupt": WEAK,
    "wrong_notebook": WEAK,
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    init_course(root, "qa-arena", [PROBLEMS])
    problem = load_problem(PROBLEMS / "durations")
    build_assignment(root, ASSIGNMENT, [problem])
    runner = CourseRunner(root)
    runner.add_students(list(SUBMISSIONS))
    runner.release(ASSIGNMENT)
    for student, tests in SUBMISSIONS.items():
        notebook = runner.fetch(student, ASSIGNMENT) / "durations.ipynb"
        write_tests(notebook, problem.reference_tests.read_text() if tests == "reference" else tests)
        tamper(student, notebook)
        runner.submit(student, ASSIGNMENT)
    autograde = runner.collect_and_autograde(ASSIGNMENT)
    runner.feedback(ASSIGNMENT)
    # A second assignment whose deadline has passed: nbgrader's LateSubmissionPlugin ("zero") applies.
    leap = load_problem(PROBLEMS / "leap_year")
    build_assignment(root, "late", [leap])
    runner.nbgrader("db", "assignment", "add", "late", "--duedate=2020-01-01 00:00:00 UTC")
    runner.release("late")
    write_tests(runner.fetch("ada", "late") / "leap_year.ipynb", leap.reference_tests.read_text())
    runner.submit("ada", "late")
    runner.collect_and_autograde("late")
    export = runner.nbgrader("export", "--to", str(root / "grades.csv"))
    return {"root": root, "runner": runner, "autograde": autograde, "export": export, "problem": problem}


def record(course, student):
    path = course["root"] / "records" / ASSIGNMENT / student / "durations.qa-arena.json"
    return json.loads(path.read_text())


def grade(course, student):
    """(auto score, needs manual grade) of the tests cell, or None when nbgrader kept no submission."""
    with Gradebook(f"sqlite:///{course['root'] / 'gradebook.db'}") as gradebook:
        try:
            g = gradebook.find_grade("durations-tests", "durations", ASSIGNMENT, student)
        except MissingEntry:
            return None
        return g.auto_score, g.needs_manual_grade


def exported(course) -> dict[str, float]:
    rows = csv.DictReader(io.StringIO((course["root"] / "grades.csv").read_text()))
    return {r["student_id"]: float(r["raw_score"]) for r in rows if r["assignment"] == ASSIGNMENT}


def test_release_holds_no_hidden_code(course):
    problem = course["problem"]
    released = [*(course["root"] / "release").rglob("*"), *(course["root"] / ".students" / "ben").rglob("*")]
    names = {p.name for p in released}
    assert "golden.py" not in names and not any(p.parent.name in ("wheats", "mutants") for p in released)
    text = "".join(p.read_text(errors="ignore") for p in released if p.is_file())
    for variant in problem.variants:
        for line in variant.source.splitlines():
            if len(line.strip()) > 25:
                assert line.strip() not in text, f"{variant.id}: {line}"
    assert "def test_valid" not in text  # the reference tests stay in source/ only


def test_gradebook_scores_are_points_times_score(course):
    problem = course["problem"]
    assert grade(course, "ada") == (10.0, False)
    assert grade(course, "ben") == (3.0, False)  # a valid suite that catches nothing
    cleo = record(course, "cleo")["verdict"]
    killed = {v["id"] for v in cleo["variants"] if v["kind"] == "mutant" and v["killed_by"]}
    assert killed == {"empty_is_zero", "hour_off_by_one"}  # '' must raise; 1h30m must be 5400
    weight = sum(m.weight for m in problem.mutants)
    expected = round(30 + 70 * (1.5 + 1.0) / weight, 2)
    assert cleo["score"] == expected
    assert grade(course, "cleo") == (round(10 * expected / 100, 4), False)
    assert [t["name"] for t in cleo["invalid_tests"]] == ["test_submission.py::test_minutes_capped"]


def test_statuses_and_staff_records(course):
    ada = record(course, "ada")
    assert [h["status"] for h in ada["history"]] == ["PENDING", "RUNNING", "SUCCESS"]
    assert ada["score"] == 100.0 and ada["verdict"]["killed"] == ada["verdict"]["total"]
    assert all(v["killed_by"] for v in ada["verdict"]["variants"] if v["kind"] == "mutant")  # the full matrix
    assert any(line.endswith("attempt 1: SUCCESS 100.0") for line in ada["log"])


def test_student_code_never_runs_on_the_grader(course):
    assert not PWNED.exists()
    assert record(course, "eve")["status"] == "SUCCESS"  # it ran, in the sandbox, where /tmp is the run's own


def test_feedback_shows_hints_and_invalid_tests_but_no_hidden_source(course):
    runner, problem = course["runner"], course["problem"]
    ben = (runner.fetch_feedback("ben", ASSIGNMENT) / "durations.html").read_text()
    for mutant in problem.mutants:
        assert mutant.hint.replace("'", "&#x27;") in ben or mutant.hint in ben
    assert "Feedback (offline hints: no API key)" in ben  # the AI section, without a key in the tests
    cleo = (runner.fetch_feedback("cleo", ASSIGNMENT) / "durations.html").read_text()
    assert "test_minutes_capped: fails on the reference implementation" in cleo
    for html in (ben, cleo):
        assert "Bugs caught" in html
        for variant in problem.variants:
            assert variant.id not in html or variant.id == "golden"
            for line in variant.source.splitlines():
                if len(line.strip()) > 25:
                    assert line.strip() not in html
    feedback_files = {p.name for p in (course["root"] / "feedback").rglob("*")}
    assert not any(name.endswith(".qa-arena.json") for name in feedback_files)  # staff records stay out


@pytest.mark.parametrize(("student", "reason"), [
    ("deleted", "the tests cell was deleted or its metadata changed"),
    ("renamed", "the nbgrader metadata of cells was changed (my-own-tests)"),
    ("corrupt", "durations.ipynb is not a readable notebook"),
    ("wrong_notebook", "durations.ipynb is missing from the submission (the submission holds ps2-answers.ipynb)"),
])  # fmt: skip
def test_broken_submissions_fail_clearly_and_lose_nothing(course, student, reason):
    rec = record(course, student)
    assert rec["status"] == "FAILURE" and rec["score"] == 0.0
    assert reason in rec["message"]
    assert grade(course, student) in ((0.0, False), None)  # None: no notebook nbgrader could take
    assert exported(course)[student] == 0.0
    kept = [*(course["root"] / "submitted" / student).rglob("*.ipynb"), *(course["root"] / "quarantine").rglob(
        f"{student}/**/*.ipynb")]  # fmt: skip
    assert kept, "the student's notebook must be kept"


@pytest.mark.parametrize("student", ["reordered", "stuffed"])
def test_harmless_tampering_is_graded_normally(course, student):
    assert record(course, student)["status"] == "SUCCESS"
    assert grade(course, student) == (3.0, False)


def test_export_matches_the_gradebook(course):
    scores = exported(course)
    assert scores["ada"] == 10.0 and scores["ben"] == 3.0
    assert scores["cleo"] == round(10 * record(course, "cleo")["score"] / 100, 4)


def test_late_submission_gets_the_configured_penalty(course):
    with Gradebook(f"sqlite:///{course['root'] / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission("late", "ada")
        assert submission.total_seconds_late > 0
        assert submission.score == 10.0 and submission.late_submission_penalty == 10.0  # "zero": all points


def test_infrastructure_error_is_retried_and_never_a_zero(course):
    root, runner = course["root"], course["runner"]
    config = root / "nbgrader_config.py"
    original = config.read_text()
    config.write_text(
        original + "\nc.Judge.sandbox_class = 'tests.ai.fakes.CrashSandbox'\nc.JudgeTests.backoff_s = 0.01\n"
    )
    try:
        runner.env = lambda **extra: {**CourseRunner.env(runner, **extra), "PYTHONPATH": str(Path.cwd())}
        runner.nbgrader("autograde", ASSIGNMENT, "--student", "ben", "--force", check=False)
    finally:
        config.write_text(original)
        del runner.env
    rec = record(course, "ben")
    assert rec["status"] == "ERROR" and rec["score"] is None
    assert len([line for line in rec["log"] if "ERROR" in line]) == 4  # the first attempt and 3 retries
    assert grade(course, "ben") == (None, True)  # not a zero: staff see it needs grading again
    runner.nbgrader("autograde", ASSIGNMENT, "--student", "ben", "--force")
    assert grade(course, "ben") == (3.0, False)
