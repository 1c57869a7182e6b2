"""JudgeTests, the autograde step, on a real nbgrader gradebook (SQLite), run after nbgrader's SaveAutoGrades
as `nbgrader autograde` runs them (autograde_plugins.AUTOGRADE_PREPROCESSORS), the judge on the local backend."""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveAutoGrades
from traitlets.config import Config

from autograde_plugins.judge_tests import JudgeTests
from qa_arena.course.notebooks import problem_notebook
from qa_arena.grading.problem import load_problem
from tests.support.paths import ADDER

ASSIGNMENT, NOTEBOOK, STUDENT = "ps1", "adder", "ada"
# nbgrader's own add_submission, on SQLAlchemy 2 (its CLI warns alike)
pytestmark = pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning")


class Course:
    """A gradebook with one assignment, its adder notebook (tests cell worth 10 points) and one submission."""

    def __init__(self, root) -> None:
        self.root = root
        self.db_url = f"sqlite:///{root / 'gradebook.db'}"
        problem = load_problem(ADDER)
        self.grade_id = f"{problem.slug}-tests"  # an autograded answer: a grade and a solution cell
        self.notebook = problem_notebook(problem)  # the source version: the reference tests, full marks
        with Gradebook(self.db_url) as gradebook:
            gradebook.add_assignment(ASSIGNMENT)
            gradebook.add_notebook(NOTEBOOK, ASSIGNMENT)
            gradebook.add_grade_cell(self.grade_id, NOTEBOOK, ASSIGNMENT, max_score=10.0, cell_type="code")
            gradebook.add_solution_cell(self.grade_id, NOTEBOOK, ASSIGNMENT)
            gradebook.add_student(STUDENT)
            gradebook.add_submission(ASSIGNMENT, STUDENT)

    def autograde(self, sandbox_class: str = "local") -> None:
        """SaveAutoGrades, then JudgeTests, on the submitted notebook (as `nbgrader autograde --force` does)."""
        resources = {
            "nbgrader": {"notebook": NOTEBOOK, "assignment": ASSIGNMENT, "student": STUDENT, "db_url": self.db_url},
            "metadata": {"path": str(self.root / "autograded" / STUDENT / ASSIGNMENT)},
        }
        nb, resources = SaveAutoGrades().preprocess(copy.deepcopy(self.notebook), resources)
        config = Config({"Judge": {"sandbox_class": sandbox_class}})
        step = JudgeTests(config=config, problem_paths=[str(ADDER.parent)], records_dir=str(self.root / "records"),
                          ai_feedback=False, retries=0)  # fmt: skip
        step.preprocess(nb, resources)

    def grade(self) -> tuple:
        with Gradebook(self.db_url) as gradebook:
            grade = gradebook.find_grade(self.grade_id, NOTEBOOK, ASSIGNMENT, STUDENT)
            return grade.auto_score, grade.manual_score, grade.needs_manual_grade

    def grade_by_hand(self, score: float) -> None:
        """What the formgrader does when an instructor enters a manual score (its grade API's PUT)."""
        with Gradebook(self.db_url) as gradebook:
            grade = gradebook.find_grade(self.grade_id, NOTEBOOK, ASSIGNMENT, STUDENT)
            grade.manual_score = score
            grade.needs_manual_grade = False
            gradebook.db.commit()


@pytest.fixture
def course(tmp_path, monkeypatch):
    # a new gradebook asks the `alembic` command beside this interpreter for its schema version
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return Course(tmp_path)


def test_reautograde_flags_a_manually_graded_cell_for_review_as_nbgrader_does(course):
    """nbgrader's SaveAutoGrades: a cell with a manual score needs manual grading after autograde (the new
    auto score is for staff to review); the judge's points must not clear that flag again."""
    course.autograde()
    assert course.grade() == (10.0, None, False)
    course.grade_by_hand(8.0)
    assert course.grade() == (10.0, 8.0, False)

    course.autograde()
    assert course.grade() == (10.0, 8.0, True)  # the manual score stays, and is flagged for review


def test_an_error_flags_the_cell_and_the_next_good_autograde_clears_it(course):
    course.autograde(sandbox_class="tests.ai.fakes.CrashSandbox")
    assert course.grade() == (None, None, True)  # never a zero: staff see it needs grading again
    course.autograde()
    assert course.grade() == (10.0, None, False)
