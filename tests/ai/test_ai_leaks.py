"""The answer check: quoted variant source or hidden tests withhold an answer; prose and own code do not."""

from __future__ import annotations

import pytest

from qa_arena.ai.leaks import IMPLEMENTATION, REFERENCE_TESTS, quoted_secret
from qa_arena.grading.problem import load_problem
from tests.support.paths import ADDER

TESTS = "from adder import add\n\ndef test_a():\n    assert add(2, 3) == 5\n"


@pytest.fixture
def adder():
    return load_problem(ADDER)


@pytest.mark.parametrize(
    "answer",
    [
        "Your tests never use zero as one of the numbers; what does the specification promise then?",
        "Think about whether add(a, b) returns the sum of two integers for negative numbers too.",
        "What happens when one of the numbers is zero? Try adding numbers where the order of the operation matters.",
        "",
    ],
)
def test_honest_answers_pass(adder, answer):
    assert quoted_secret(answer, adder, TESTS) == ""


@pytest.mark.parametrize(
    "answer",
    [
        "The golden is `def add(a, b): return a + b`.",
        "A bug: IF A == 0 OR B == 0: RETURN 0",  # shouting does not hide it
        "one wheat does total = a; total += b",
        "r e t u r n   a - b",  # nor does spacing
        "# MARKER-MUTANT-41f0",
    ],
)
def test_implementation_code_is_caught(adder, answer):
    assert quoted_secret(answer, adder, TESTS) == IMPLEMENTATION


def test_hidden_reference_tests_are_caught(adder):
    assert quoted_secret("Write def test_zero_on_the_right(): ...", adder, TESTS) == REFERENCE_TESTS


def test_what_the_student_wrote_may_be_quoted_back(adder):
    tests = TESTS + "\ndef helper(a, b):\n    if a == 0 or b == 0:\n        return 0\n"
    assert quoted_secret("Your helper says if a == 0 or b == 0: return 0.", adder, tests) == ""
    assert quoted_secret("Your helper says if a == 0 or b == 0: return 0.", adder, TESTS) == IMPLEMENTATION
