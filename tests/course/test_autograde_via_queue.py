"""nbgrader autograde where no sandbox can start (the hub's formgrader): the grading workers grade the cells."""

from __future__ import annotations

import json

import pytest
from nbgrader.api import Gradebook
from sqlalchemy import select

from qa_arena.course.runner import CourseRunner, write_tests
from qa_arena.course.setup import build_assignment, init_course
from qa_arena.grading.problem import load_problem
from qa_arena.service.models import Submission
from tests.service.conftest import ServiceSetup, embedded_settings
from tests.support.paths import PROBLEMS, ROOT

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.service,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning"),
]

WEAK = "from calendar_rules import is_leap_year\n\n\ndef test_2024():\n    assert is_leap_year(2024)\n"


def test_autograde_through_the_queue_records_the_workers_verdicts(tmp_path):
    root = tmp_path / "course"
    init_course(root, "testing-101", [PROBLEMS])
    problem = load_problem(PROBLEMS / "leap_year")
    build_assignment(root, "ps1", [problem])
    runner = CourseRunner(root)
    suites = {"ada": problem.reference_tests.read_text(), "ben": WEAK}
    runner.add_students(list(suites))
    runner.release("ps1")
    for student, tests in suites.items():
        write_tests(runner.fetch(student, "ps1") / "leap_year.ipynb", tests)
        runner.submit(student, "ps1")

    settings = embedded_settings(tmp_path, PROBLEMS)
    service = ServiceSetup(tmp_path / "service", settings)
    service.worker("--backend", "local", "--concurrency", "2")
    formgrader_env = {
        "QA_ARENA_AUTOGRADE_VIA": "queue",
        "QA_ARENA_DB_URL": str(settings["SubmissionStore.db_url"]),
        # Grading here would be an ERROR: only the workers can grade.
        "QA_ARENA_SANDBOX": "tests.ai.fakes.CrashSandbox",
        "PYTHONPATH": str(ROOT),
    }
    runner.env = lambda **extra: {**CourseRunner.env(runner, **extra), **formgrader_env}
    try:
        runner.collect_and_autograde("ps1")
    finally:
        service.close()

    graded = service.service()
    with graded.store.session() as session:
        rows = {r.username: r for r in session.scalars(select(Submission).where(Submission.assignment == "ps1"))}
    assert sorted(rows) == ["ada", "ben"] and {r.kind for r in rows.values()} == {"submit"}
    assert rows["ada"].score == 100.0 and 30.0 <= rows["ben"].score < 100.0
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student, row in rows.items():
            grade = gradebook.find_grade("leap_year-tests", "leap_year", "ps1", student)
            assert (grade.auto_score, grade.needs_manual_grade) == (row.score / 10, False)  # 10 points
    record = json.loads((root / "records" / "ps1" / "ben" / "leap_year.qa-arena.json").read_text())
    assert record["status"] == "SUCCESS" and any("graded by the queue" in line for line in record["log"])
    feedback = (root / "autograded" / "ben" / "ps1" / "leap_year.ipynb").read_text()
    assert "Bugs caught:" in feedback  # the student view, as the judge gives it
