"""The offline feedback: deterministic text from the hints and the invalid tests, never more than the student view."""

from __future__ import annotations

from qa_arena.ai import AIFeedback, HintsFallback
from qa_arena.grading.problem import load_problem
from qa_arena.grading.verdict import error_verdict
from tests.support.paths import ADDER


def test_hints_and_invalid_tests(graded):
    adder = load_problem(ADDER)
    source, verdict = graded["partial"]
    feedback = HintsFallback().explain(adder, verdict, source)
    assert feedback == HintsFallback().explain(adder, verdict, source)  # deterministic
    assert (feedback.source, feedback.cached, feedback.reason) == ("fallback", False, "")
    assert feedback.label == "Feedback (offline hints)"
    assert "What happens when one of the numbers is zero?" in feedback.text
    assert "order of the operation" not in feedback.text  # that mutant is killed
    assert "test_submission.py::test_bad: fails on the reference implementation: assert 4 == 5" in feedback.text
    assert "re-read it and check the expected value" in feedback.text


def test_nothing_valid(graded):
    adder = load_problem(ADDER)
    source, verdict = graded["nothing_valid"]
    text = HintsFallback().explain(adder, verdict, source, reason="no API key").text
    assert text.startswith("No test counts yet: no test passes on every correct implementation.")
    assert "test_wrong" in text and "zero" not in text


def test_not_graded():
    adder = load_problem(ADDER)
    feedback = HintsFallback().explain(adder, error_verdict(adder, "docker exploded: secret detail"), "")
    assert "not graded" in feedback.text and "secret detail" not in feedback.text


def test_labels():
    assert AIFeedback("t", "ai", model="m").label == "Feedback (AI, model m)"
    assert AIFeedback("t", "ai", model="m", cached=True).label == "Feedback (AI, model m, cached)"
    assert AIFeedback("t", "fallback", "API error: 429").label == "Feedback (offline hints: API error: 429)"
