"""The per-user exchange with the real nbgrader commands: each student sees only their own inbound and
feedback (as the hub mounts them into containers), collecting trusts the directory, not the name.

Students are simulated as in the other course tests; each gets an exchange view like their container's
mounts: <view>/<course>/outbound, inbound -> inbound/<student>, feedback -> feedback/<student>.
"""

from __future__ import annotations

import os
import shutil

import pytest

from autograde_plugins.exchange import configure_exchange
from qa_arena.course.runner import CourseRunner, write_tests
from qa_arena.course.setup import build_assignment, init_course
from qa_arena.grading.problem import load_problem
from tests.support.paths import PROBLEMS

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

COURSE, ASSIGNMENT = "testing-101", "ps1"
TESTS = {
    "ada": "from durations import parse_duration\n\ndef test_ada():\n    assert parse_duration('45s') == 45\n",
    "ben": "from durations import parse_duration\n\ndef test_ben():\n    assert parse_duration('1m') == 60\n",
}


def view(runner: CourseRunner, student: str):
    """The exchange as the student's container sees it."""
    root = runner.course_dir / ".views" / student
    course = root / COURSE
    course.mkdir(parents=True, exist_ok=True)
    shared = runner.course_dir / "exchange" / COURSE
    for name, target in (("outbound", shared / "outbound"), ("inbound", shared / "inbound" / student),
                         ("feedback", shared / "feedback" / student)):  # fmt: skip
        target.mkdir(parents=True, exist_ok=True)
        if not (course / name).exists():
            (course / name).symlink_to(target)
    return root


def as_student(runner: CourseRunner, student: str, *args: str):
    runner.exchange = view(runner, student)
    try:
        return runner.as_student(student, *args)
    finally:
        runner.exchange = runner.course_dir / "exchange"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("per-user-course")
    init_course(root, COURSE, [PROBLEMS])
    build_assignment(root, ASSIGNMENT, [load_problem(PROBLEMS / "durations")])
    previous = os.environ.get("QA_ARENA_EXCHANGE_LAYOUT")
    os.environ["QA_ARENA_EXCHANGE_LAYOUT"] = "per-user"  # the instructor's commands read the course's config
    runner = CourseRunner(root)
    try:
        runner.add_students(list(TESTS))
        runner.release(ASSIGNMENT)
        for student, tests in TESTS.items():
            as_student(runner, student, "fetch_assignment", ASSIGNMENT)
            write_tests(runner.student_home(student) / ASSIGNMENT / "durations.ipynb", tests)
            as_student(runner, student, "submit", ASSIGNMENT)
        # ben drops a newer submission named after ada into his own inbound
        (mine,) = (root / "exchange" / COURSE / "inbound" / "ben").iterdir()
        forged = mine.with_name(f"ada+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC+forged")  # and newer
        shutil.copytree(mine, forged)
        collect = runner.nbgrader("collect", ASSIGNMENT)
        runner.autograde(ASSIGNMENT)
        runner.feedback(ASSIGNMENT)
        yield {"root": root, "runner": runner, "collect": collect, "forged": forged}
    finally:
        if previous is None:
            os.environ.pop("QA_ARENA_EXCHANGE_LAYOUT")
        else:
            os.environ["QA_ARENA_EXCHANGE_LAYOUT"] = previous


def submitted_tests(root, student: str) -> str:
    return (root / "submitted" / student / ASSIGNMENT / "durations.ipynb").read_text()


def test_each_student_sees_only_their_own_submissions(course):
    root = course["root"]
    for student in TESTS:
        inbound = view(course["runner"], student) / COURSE / "inbound"
        names = {p.name.split("+")[0] for p in inbound.iterdir()}
        assert names == ({"ben", "ada"} if student == "ben" else {"ada"})  # ben's forgery sits in ben's inbound
    assert not [p for p in (root / "exchange" / COURSE / "inbound").iterdir() if p.is_file()]


def test_collect_trusts_the_directory_not_the_name(course):
    root = course["root"]
    assert "test_ada" in submitted_tests(root, "ada") and "test_ben" not in submitted_tests(root, "ada")
    assert "test_ben" in submitted_tests(root, "ben")
    log = course["collect"].stdout + course["collect"].stderr
    assert f"{course['forged']} is in ben's inbound but names ada: not collected" in log


def test_feedback_goes_to_each_students_own_directory(course):
    root, runner = course["root"], course["runner"]
    shared = root / "exchange" / COURSE / "feedback"
    assert not list(shared.glob("*.html"))  # nothing in the directory every student would see
    for student in TESTS:
        assert len(list((shared / student).glob("*.html"))) == 1
        as_student(runner, student, "fetch_feedback", ASSIGNMENT)
        (feedback,) = (runner.student_home(student) / ASSIGNMENT / "feedback").iterdir()
        html = (feedback / "durations.html").read_text()
        assert f"test_{student}" in html and f"test_{'ben' if student == 'ada' else 'ada'}" not in html


def test_the_layout_is_checked(course):
    class Config:
        class ExchangeFactory:
            pass

    configure_exchange(Config, "per-user")
    assert Config.ExchangeFactory.collect == "autograde_plugins.exchange.PerUserCollect"
    with pytest.raises(ValueError, match="use shared or per-user"):
        configure_exchange(Config, "private")
