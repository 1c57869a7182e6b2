"""The problem bank: enough problems at each difficulty, each complete and valid under `problems validate`."""

from collections import Counter

import pytest

from qa_arena.grading.problem import load_problem
from qa_arena.grading.validate import validate_problem
from tests.support.paths import PROBLEMS

BANK = sorted(p for p in PROBLEMS.iterdir() if (p / "problem.toml").is_file())


def test_bank_size_and_difficulties():
    difficulties = Counter(load_problem(p).difficulty for p in BANK)
    assert len(BANK) >= 15
    assert 2 <= difficulties["Very Easy"] <= 3
    assert 5 <= difficulties["Easy"] <= 7
    assert 3 <= difficulties["Medium"] <= 4
    assert 2 <= difficulties["Hard"] <= 3


@pytest.mark.parametrize("path", BANK, ids=[p.name for p in BANK])
def test_problem_is_complete(path):
    problem = load_problem(path)
    assert problem.slug == path.name
    assert len(problem.wheats) >= 2
    assert 6 <= len(problem.mutants) <= 16
    assert all(m.hint for m in problem.mutants)
    assert problem.reference_tests is not None
    assert len(problem.description) > 200


@pytest.mark.parametrize("path", BANK, ids=[p.name for p in BANK])
def test_problem_validates(path, any_judge):
    """3 rewrites of each variant here, on both backends; `qa-arena problems validate` checks 20 (all pass)."""
    report = validate_problem(path, any_judge, rewrite_seeds=3)
    assert report.errors == []
    assert report.warnings == []
