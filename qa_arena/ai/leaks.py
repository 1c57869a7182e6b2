"""Does a text quote code the student must not see? The student view's windows test, for AI answers.

A model is never sent variant source, but it can still guess it (the obvious one-line implementation
of a small function *is* the golden) or be talked into writing a hidden test. So every answer is
checked before a student sees it: any run of 8 letters and digits (case-insensitive) of a variant's
source or of the instructor's reference tests that the student did not write and that is not in the
problem's title, description or hints withholds the answer.
"""

from __future__ import annotations

from qa_arena.grading.problem import Problem
from qa_arena.grading.student_view import _windows

IMPLEMENTATION = "implementation code"
REFERENCE_TESTS = "the instructor's tests"


def _lower_windows(text: str) -> set[str]:
    return _windows(text.lower())


def known_windows(problem: Problem, tests_source: str) -> set[str]:
    """What the student has already seen or written."""
    shown = [tests_source, problem.title, problem.description, *(m.hint for m in problem.mutants)]
    return set().union(*(_lower_windows(text) for text in shown))


def quoted_secret(text: str, problem: Problem, tests_source: str) -> str:
    """'' when ``text`` may be shown; else what it quotes ('implementation code' or "the instructor's tests")."""
    found = _lower_windows(text)
    if not found:
        return ""
    known = known_windows(problem, tests_source)
    variants = set().union(*(_lower_windows(v.source) for v in problem.variants)) - known
    if found & variants:
        return IMPLEMENTATION
    if problem.reference_tests is not None:
        reference = _lower_windows(problem.reference_tests.read_text(encoding="utf-8")) - known
        if found & reference:
            return REFERENCE_TESTS
    return ""
