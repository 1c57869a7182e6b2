"""What a student may see of a verdict: score, bugs caught, invalid tests, hints. Never variant code or output."""

from __future__ import annotations

import re

from qa_arena.grading.problem import Problem
from qa_arena.grading.verdict import ERROR, FAILURE, TIMED_OUT, Verdict

WINDOW = 8  # letters and digits of variant source that may not appear in a message a student sees

WHEAT_REASON = "fails on another correct implementation: the test relies on behaviour the specification leaves open"
TWIN_REASON = "fails on a behaviour-identical rewrite of the reference: test what the code does, not how it is written"
FLAKY_REASON = (
    "flaky: it passed and failed on the same correct implementation (it depends on timing, randomness or the "
    "order of tests); make it deterministic"
)
REASONS = {"wheat": WHEAT_REASON, "twin": TWIN_REASON, "flaky": FLAKY_REASON}
SLOW_REASON = (
    "did not finish in time on another correct implementation (the whole suite has {limit:g} s on each): "
    "keep the tests quick"
)
INVALID_NAMED = 3  # invalid tests named per check: more would let a suite read a variant out, a bit per test
SHOWN_FIRST = ("golden", "flaky", "wheat", "twin")  # the student's own mistakes first


def _windows(text: str) -> set[str]:
    flat = re.sub(r"[\W_]+", "", text)  # letters and digits only: punctuation and spacing do not hide a quote
    return {flat[i : i + WINDOW] for i in range(max(len(flat) - WINDOW + 1, 0))}


def safe_summary(summary: str, problem: Problem, tests_source: str) -> str:
    """The golden's failure summary, unless it quotes implementation code the student has not written.

    A suite can try to smuggle source out through its own assertion messages; any run of 8 letters
    and digits of a variant's source that is neither in the student's tests nor in the specification
    withholds the message.
    """
    known = _windows(tests_source) | _windows(problem.description)
    secret = set().union(*(_windows(v.source) for v in problem.variants)) - known
    if _windows(summary) & secret:
        return ""
    return summary


def student_feedback(
    verdict: Verdict, problem: Problem, tests_source: str = "", invalid_named: int = INVALID_NAMED
) -> dict:
    """The student view as data (for the CLI, notebooks and services).

    At most `invalid_named` invalid tests are named, the student's own mistakes (failing on the reference)
    first; `invalid_tests_total` says how many there are.
    """
    invalid = []
    order = {kind: i for i, kind in enumerate(SHOWN_FIRST)}
    ranked = sorted(verdict.invalid_tests, key=lambda test: order.get(test.failed_on, len(order)))
    for test in ranked[: max(invalid_named, 0)]:
        if test.failed_on == "golden":
            summary = safe_summary(test.reason, problem, tests_source)
            reason = "fails on the reference implementation" + (f": {summary}" if summary else "")
        elif test.reason == TIMED_OUT and test.failed_on in ("wheat", "twin"):
            reason = SLOW_REASON.format(limit=problem.timeout_s)
        else:
            reason = REASONS.get(test.failed_on, WHEAT_REASON)
        invalid.append({"name": test.name, "reason": reason})
    return {
        "problem": problem.slug,
        "title": problem.title,
        "status": verdict.status,
        "score": verdict.score,
        "bugs_caught": verdict.killed,
        "bugs_total": verdict.total,
        "valid_tests": verdict.valid_tests,
        "invalid_tests": invalid,
        "invalid_tests_total": len(verdict.invalid_tests),
        "hints": list(verdict.hints),
        "message": _student_message(verdict, problem, tests_source),
    }


def _student_message(verdict: Verdict, problem: Problem, tests_source: str) -> str:
    if verdict.status == ERROR:
        return "grading failed for a technical reason; it will be retried and is not counted against you"
    # e.g. the golden's collection error: the suite may have put implementation code in it
    safe = safe_summary(verdict.message, problem, tests_source)
    return safe if safe or not verdict.message else "the tests could not be collected (details withheld)"


def render_student(
    verdict: Verdict, problem: Problem, tests_source: str = "", invalid_named: int = INVALID_NAMED
) -> str:
    view = student_feedback(verdict, problem, tests_source, invalid_named)
    lines = [f"{problem.title} ({problem.slug})"]
    if verdict.status == ERROR:
        lines.append(f"Not graded: {view['message']}.")
        return "\n".join(lines) + "\n"
    lines.append(f"Score: {verdict.score:g} / 100")
    if verdict.status == FAILURE:
        lines.append(f"No valid test: {view['message']}.")
    else:
        lines.append(f"Bugs caught: {verdict.killed} of {verdict.total} ({view['valid_tests']} valid tests)")
    if view["invalid_tests_total"]:
        lines.append("")
        lines.append("Tests not counted (a test must pass on every correct implementation):")
        lines += [f"  - {t['name']}: {t['reason']}" for t in view["invalid_tests"]]
        if (unnamed := view["invalid_tests_total"] - len(view["invalid_tests"])) > 0:
            lines.append(f"  - and {unnamed} more (at most {len(view['invalid_tests'])} are named per check)")
    if view["hints"]:
        lines.append("")
        lines.append("Bugs your tests do not catch yet:")
        lines += [f"  - {hint}" for hint in view["hints"]]
    elif verdict.status != FAILURE and verdict.killed < verdict.total:
        lines.append(f"{verdict.total - verdict.killed} bug(s) are still not caught.")
    return "\n".join(lines) + "\n"
