"""`qa-arena demo`: a throwaway course graded end to end with the real nbgrader commands.

Four simulated students submit an assignment: a thorough one, a weak one, one with a test that
contradicts the specification, and one whose notebook file is broken. The course directory is left
in place for inspection.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from qa_arena.course.diagnose import statuses
from qa_arena.course.runner import CourseRunner, write_tests
from qa_arena.course.setup import build_assignment, init_course
from qa_arena.grading.paths import bundled_problems_dir
from qa_arena.grading.problem import load_problem
from qa_arena.grading.sandbox import docker_available

ASSIGNMENT = "ps1-basics"
DEMO_NAMES = {
    "ada": ("Ada", "Lovelace"),
    "ben": ("Ben", "Bitdiddle"),
    "cleo": ("Cleo", "Hopper"),
    "dan": ("Dan", "Knuth"),
}
PROBLEMS = ("durations", "leap_year")

WEAK = {
    "durations": "from durations import parse_duration\n\ndef test_45s():\n    assert parse_duration('45s') == 45\n",
    "leap_year": "from calendar_rules import is_leap_year\n\ndef test_2024():\n    assert is_leap_year(2024)\n",
}
INVALID = {
    "durations": (
        "import pytest\nfrom durations import parse_duration\n\n"
        "def test_hours():\n    assert parse_duration('1h30m') == 5400\n\n"
        "def test_empty():\n    with pytest.raises(ValueError):\n        parse_duration('')\n\n"
        "def test_minutes_capped():  # wrong: the specification does not cap minutes\n"
        "    with pytest.raises(ValueError):\n        parse_duration('90m')\n"
    ),
    "leap_year": (
        "from calendar_rules import is_leap_year\n\n"
        "def test_centuries():\n    assert not is_leap_year(1900)\n    assert is_leap_year(2000)\n"
    ),
}


def run_demo(console: Console | None = None, directory: Path | None = None) -> Path:
    console = console or Console()
    course = directory or Path(tempfile.mkdtemp(prefix="qa-arena-demo-"))
    backend = "docker" if docker_available() else "local"
    os.environ["QA_ARENA_SANDBOX"] = backend  # read by the course's nbgrader_config.py
    note = "" if backend == "docker" else " (no Docker engine answers; not a security boundary)"
    console.print(f"Grading with the [bold]{backend}[/bold] sandbox{note}")
    problems = [load_problem(bundled_problems_dir() / slug) for slug in PROBLEMS]
    init_course(course, "qa-arena-demo")
    build_assignment(course, ASSIGNMENT, problems)
    runner = CourseRunner(course, "qa-arena-demo")
    submissions = {
        "ada": {p.slug: p.reference_tests.read_text() for p in problems},  # thorough
        "ben": WEAK,
        "cleo": INVALID,
        "dan": {"leap_year": WEAK["leap_year"], "durations": None},  # None: a broken notebook file
    }
    steps = 4 + 3 * len(submissions)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("setting up the course", total=steps)

        def step(description: str) -> None:
            progress.update(task, description=description, advance=1)

        runner.add_students(list(submissions), DEMO_NAMES)
        step("generating and releasing the assignment")
        runner.release(ASSIGNMENT)
        step("students fetch, write tests and submit")
        for student, tests in submissions.items():
            folder = runner.fetch(student, ASSIGNMENT)
            step(f"{student} writes tests")
            for slug, source in tests.items():
                notebook = folder / f"{slug}.ipynb"
                if source is None:
                    notebook.write_text(notebook.read_text()[: len(notebook.read_text()) // 2])
                else:
                    write_tests(notebook, source)
            step(f"{student} submits")
            runner.submit(student, ASSIGNMENT)
            step("collecting")
        step("collecting and autograding (the judge grades every tests cell)")
        runner.collect_and_autograde(ASSIGNMENT)
        step("generating and releasing feedback")
        runner.feedback(ASSIGNMENT)
    print_gradebook(console, course, runner)
    console.print(f"\nThe course is in [bold]{course}[/bold]: feedback/ holds each student's feedback, "
                  "records/ the staff records (statuses, full verdicts).")  # fmt: skip
    return course


def print_gradebook(console: Console, course: Path, runner: CourseRunner) -> None:
    config = runner.config()
    rows = statuses(course, config["db_url"], ASSIGNMENT, config["records_dir"])
    table = Table("student", "notebook", "status", "score /100", "points", "note", title=ASSIGNMENT)
    for row in rows:
        score = "—" if row["score"] is None else f"{row['score']:g}"
        points = "—" if row["points"] is None else f"{row['points']:g}"
        table.add_row(row["student"], row["notebook"], row["status"], score, points, row["message"][:60])
    console.print(table)
