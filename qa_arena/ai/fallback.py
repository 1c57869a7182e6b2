"""Feedback without a model: the surviving mutants' hints and the invalid tests, in fixed words.

Deterministic and offline, so it is what a student gets whenever the AI cannot be used, and what a
course without an API key uses. It says nothing the student view does not already show.
"""

from __future__ import annotations

from qa_arena.ai.base import FALLBACK, AIFeedback, FeedbackProvider
from qa_arena.ai.context import FeedbackContext, build_context
from qa_arena.grading.problem import Problem
from qa_arena.grading.verdict import FAILURE, Verdict

GOLDEN_ADVICE = (
    "the reference implementation follows the specification, so what this test expects is probably "
    "not what the specification says for that input: re-read it and check the expected value"
)
WHEAT_ADVICE = "assert only what the specification promises for that input"
ADVICE = {
    "golden": GOLDEN_ADVICE,
    "wheat": WHEAT_ADVICE,
    "twin": "call the function and check its results; do not inspect its code, names or bytecode",
    "flaky": "fix what varies (seed the random numbers, avoid timing and the order of tests)",
}


def hints_text(ctx: FeedbackContext) -> str:
    """The fallback's text for one verdict."""
    if not ctx.graded:
        return "Your tests were not graded (a technical problem on our side), so there is no feedback yet."
    parts: list[str] = []
    if ctx.status == FAILURE:
        parts.append(f"No test counts yet: {ctx.message}.")
    elif ctx.gaps or ctx.unhinted:
        lines = ["Kinds of behaviour your tests do not pin down yet (most important first):"]
        lines += [f"  - {gap.hint}" for gap in ctx.gaps]
        if ctx.unhinted:
            lines.append(
                f"  - {ctx.unhinted} more bug(s) without a hint: look for a promise of the specification "
                "that no test checks yet."
            )
        parts.append("\n".join(lines))
    else:
        parts.append("Your tests catch every known bug.")
    if ctx.invalid_tests:
        lines = ["Why some tests were not counted (a test must pass on every correct implementation):"]
        for test in ctx.invalid_tests:
            advice = ADVICE.get(test.failed_on, WHEAT_ADVICE)
            lines.append(f"  - {test.name}: {test.reason}; {advice}.")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


class HintsFallback(FeedbackProvider):
    """Feedback from the hints alone: no network, same text for the same verdict."""

    def explain(self, problem: Problem, verdict: Verdict, tests_source: str, reason: str = "") -> AIFeedback:
        return AIFeedback(hints_text(build_context(problem, verdict, tests_source)), FALLBACK, reason)
