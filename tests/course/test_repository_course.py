"""The repository's own course: source/ and release/ are up to date and reproducible, release/ hides all."""

import filecmp
import shutil

import pytest

from qa_arena.course.assignments import ASSIGNMENTS
from qa_arena.course.runner import CourseRunner
from qa_arena.course.setup import build_assignment, init_course, load_problems
from qa_arena.grading.problem import load_problem
from tests.support.paths import PROBLEMS, ROOT

pytestmark = pytest.mark.nbgrader


def test_every_bank_problem_is_assigned_once():
    assigned = [slug for slugs in ASSIGNMENTS.values() for slug in slugs]
    assert sorted(assigned) == sorted(p.name for p in PROBLEMS.iterdir() if (p / "problem.toml").is_file())


@pytest.mark.slow
def test_source_and_release_are_regenerated_identically(tmp_path):
    course = tmp_path / "course"
    init_course(course, "qa-arena", [PROBLEMS])
    runner = CourseRunner(course)
    for assignment, slugs in ASSIGNMENTS.items():
        build_assignment(course, assignment, load_problems([str(PROBLEMS / s) for s in slugs]))
        runner.nbgrader("generate_assignment", assignment, "--force")
        for step in ("source", "release"):
            names = sorted(p.name for p in (ROOT / step / assignment).iterdir())
            assert names == [f"{s}.ipynb" for s in sorted(slugs)]
            _match, mismatch, errors = filecmp.cmpfiles(ROOT / step / assignment, course / step / assignment, names,
                                                       shallow=False)  # fmt: skip
            assert (mismatch, errors) == ([], []), f"{step}/{assignment} is stale: run `qa-arena course regenerate`"
    shutil.rmtree(course)


def test_release_holds_no_golden_wheat_mutant_or_reference_code():
    released = "".join(p.read_text() for p in (ROOT / "release").rglob("*.ipynb"))
    for slugs in ASSIGNMENTS.values():
        for slug in slugs:
            problem = load_problem(PROBLEMS / slug)
            for variant in problem.variants:
                for line in variant.source.splitlines():
                    if len(line.strip()) > 30 and not line.strip().startswith(("#", '"""', "def ", "class ")):
                        assert line.strip() not in released, f"{slug}/{variant.id}: {line.strip()}"
            for line in problem.reference_tests.read_text().splitlines():
                if line.startswith("def test_"):
                    assert line not in released, f"{slug}: the reference test {line} was released"
