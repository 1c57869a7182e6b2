"""The judge end to end on both backends: real sandboxes, real pytest runs."""

import pytest

from qa_arena.grading.judge import Judge
from qa_arena.grading.problem import load_problem
from qa_arena.grading.student_view import SLOW_REASON, student_feedback
from tests.support.paths import PROBLEMS

WEAK = """
from adder import add

def test_sum():
    assert add(2, 3) == 5
"""

THOROUGH_PARAMETRIZED = """
import pytest
from adder import add

@pytest.mark.parametrize("a,b,total", [(2, 3, 5), (0, 4, 4), (-1, 1, 0)])
def test_sum(a, b, total):
    assert add(a, b) == total
"""

INVALID = """
from adder import add

def test_good():
    assert add(2, 3) == 5

def test_wrong():
    assert add(2, 2) == 5
"""

# Wheats compute the same results differently; a test that pins the implementation is over-specified.
OVERSPECIFIED = """
from adder import add

def test_good():
    assert add(0, 4) == 4

def test_overspecified():  # the specification is about integers: a wheat uses sum(), which refuses strings
    assert add("a", "b") == "ab"
"""


def test_weak_suite(any_judge, adder):
    verdict = any_judge.grade(adder, WEAK)
    assert verdict.status == "SUCCESS"
    killed = {v.id for v in verdict.variants if v.kind == "mutant" and v.killed_by}
    assert killed == {"minus", "off_by_one"}
    assert verdict.score == 30 + 70 * 3 / 4
    assert verdict.hints == ["What happens when one of the numbers is zero?"]


def test_parametrized_cases_are_separate_tests(any_judge, adder):
    verdict = any_judge.grade(adder, THOROUGH_PARAMETRIZED, matrix=True)
    assert [t["name"] for t in verdict.tests] == [
        "test_submission.py::test_sum[2-3-5]",
        "test_submission.py::test_sum[0-4-4]",
        "test_submission.py::test_sum[-1-1-0]",
    ]
    assert verdict.score == 100.0
    by_id = {v.id: v for v in verdict.variants}
    assert set(by_id["zero"].killed_by) == {"test_submission.py::test_sum[0-4-4]"}
    assert len(by_id["off_by_one"].killed_by) == 3  # --matrix runs every valid test on every mutant


SLOW_SECOND = """
import time
from adder import add

def test_sum():
    assert add(2, 3) == 5

def test_slow():
    time.sleep(0.5)
    assert add(1, 1) == 2
"""


def test_early_stop_ends_a_mutant_run_at_its_first_failing_valid_test(any_judge, adder):
    any_judge.config.Sandbox.workers = 1  # one run at a time: the policy is there before any mutant runs
    judge = Judge(config=any_judge.config, sandbox_class=any_judge.sandbox_class)
    verdict = judge.grade(adder, SLOW_SECOND)
    assert {v.id: v for v in verdict.variants}["off_by_one"].killed_by == ["test_submission.py::test_sum"]
    matrix = judge.grade(adder, SLOW_SECOND, matrix=True)
    assert {v.id: v for v in matrix.variants}["off_by_one"].killed_by == [
        "test_submission.py::test_sum", "test_submission.py::test_slow"]  # fmt: skip


def test_invalid_test_reported_with_summary(any_judge, adder):
    verdict = any_judge.grade(adder, INVALID)
    assert [(t.name, t.failed_on) for t in verdict.invalid_tests] == [("test_submission.py::test_wrong", "golden")]
    assert verdict.invalid_tests[0].reason == "assert 4 == 5\n +  where 4 = add(2, 2)".splitlines()[0]
    assert verdict.valid_tests == 1


def test_wheat_catches_overspecified_test(any_judge, adder):
    verdict = any_judge.grade(adder, OVERSPECIFIED)
    assert [(t.name, t.failed_on) for t in verdict.invalid_tests] == [
        ("test_submission.py::test_overspecified", "wheat")
    ]


@pytest.mark.parametrize(
    "source,message",
    [
        ("", "no tests were collected"),
        ("def test_x(:\n    pass\n", "could not be collected"),
        ("from adder import nothing_here\n\ndef test_x():\n    pass\n", "could not be collected"),
    ],
)
def test_suites_that_cannot_be_valid(any_judge, adder, source, message):
    verdict = any_judge.grade(adder, source)
    assert (verdict.status, verdict.score) == ("FAILURE", 0.0)
    assert message in verdict.message


def test_bank_reference_suite_kills_everything(any_judge):
    problem = load_problem(PROBLEMS / "durations")
    verdict = any_judge.grade(problem, problem.reference_tests.read_text())
    assert (verdict.status, verdict.score, verdict.killed) == ("SUCCESS", 100.0, len(problem.mutants))


def test_module_state_does_not_leak_between_tests_of_other_variants(any_judge, adder):
    # Pyc caches, imported modules and files from one run must not affect the next: a same-size mutant
    # written within the same second as the golden still runs its own code.
    verdict = any_judge.grade(adder, WEAK, matrix=True)
    outcomes = {v.id: v.outcome for v in verdict.variants}
    assert outcomes == {
        "golden": "passed",
        "builtin_sum": "passed",
        "loop": "passed",
        "twin-1": "passed",
        "twin-2": "passed",
        "minus": "failed",
        "off_by_one": "failed",
        "zero": "passed",
    }


def test_a_mutant_that_fails_on_import_is_killed_as_with_pytest(any_judge, problem_copy):
    """A mutant that raises while its module is imported (module-level code calling the changed function, as
    inflection does) makes the suite fail to collect: pytest fails on it, so the judge must count it killed."""
    (problem_copy / "mutants" / "zero.py").write_text(
        "def add(a, b):\n    return a - '1'\n\nCHECK = add(1, 1)  # evaluated on import\n"
    )
    verdict = any_judge.grade(load_problem(problem_copy), WEAK)
    assert verdict.status == "SUCCESS"
    zero = next(v for v in verdict.variants if v.id == "zero")
    assert (zero.outcome, zero.killed_by) == ("error", ["test_submission.py::test_sum"])


def test_a_test_too_slow_for_a_correct_variant_is_told_so(any_judge, problem_copy):
    """A correct variant slower on one input times a heavy test out: the student is told to keep it quick, not
    that it relies on unspecified behaviour."""
    (problem_copy / "wheats" / "loop.py").write_text(
        "import time\n\ndef add(a, b):\n    if a == 1000:\n        time.sleep(30)\n    return a + b\n"
    )
    problem = load_problem(problem_copy)
    suite = WEAK + "\ndef test_big():\n    assert add(1000, 1) == 1001\n"
    verdict = any_judge.grade(problem, suite)
    assert [(t.name, t.failed_on, t.reason) for t in verdict.invalid_tests] == [
        ("test_submission.py::test_big", "wheat", "timed out")
    ]
    shown = student_feedback(verdict, problem, suite)["invalid_tests"]
    assert [t["reason"] for t in shown] == [SLOW_REASON.format(limit=problem.timeout_s)]
