"""What a check's answer shows, by feedback level: never more than the student view of the verdict.

Levels, each adding to the one before:

- ``none``:  whether the suite is valid (status, valid tests, tests not counted and why);
- ``count``: the score and how many bugs the tests caught, of how many;
- ``hints``: the hints of the bugs still missed, and the feedback text (AI or offline hints);
- ``tests``: which of the student's tests caught at least one bug (by test name, never which bug;
  a bug's run stops at its first failing test, so a later test that would also catch it is not named).
"""

from __future__ import annotations

from qa_arena.grading.problem import Problem
from qa_arena.grading.student_view import INVALID_NAMED, student_feedback
from qa_arena.grading.verdict import ERROR, Verdict
from qa_arena.service.models import FINAL, Submission

LEVELS = ("none", "count", "hints", "tests")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _graded(submission: Submission, problem: Problem | None) -> bool:
    return submission.status in FINAL and problem is not None and bool(submission.verdict)


def final_verdict(submission: Submission, problem: Problem | None) -> Verdict | None:
    """The check's verdict, parsed once per view (the feedback and the view both read it); None until final."""
    return Verdict.from_dict(submission.verdict, problem) if _graded(submission, problem) else None


def check_view(
    submission: Submission,
    problem: Problem | None,
    level: str,
    feedback: dict | None = None,
    verdict: Verdict | None = None,
    invalid_named: int = INVALID_NAMED,
) -> dict:
    """The JSON a student gets for one of their checks; `verdict` is final_verdict's, parsed here if not given."""
    view = {
        "id": str(submission.id),
        "problem": submission.problem,
        "assignment": submission.assignment,
        "status": submission.status,
        "feedback_level": level,
        "queued_at": _iso(submission.queued_at),
        "started_at": _iso(submission.started_at),
        "finished_at": _iso(submission.finished_at),
    }
    if not _graded(submission, problem):
        return view
    if verdict is None:
        verdict = Verdict.from_dict(submission.verdict, problem)
    student = student_feedback(verdict, problem, submission.source, invalid_named)
    view.update(
        message=student["message"],
        valid_tests=student["valid_tests"],
        invalid_tests=student["invalid_tests"],
        invalid_tests_total=student["invalid_tests_total"],
    )
    if verdict.status == ERROR or level == "none":
        return view
    view.update(score=verdict.score, bugs_caught=verdict.killed, bugs_total=verdict.total)
    if level == "count":
        return view
    view["hints"] = student["hints"]
    if feedback is not None:
        view["feedback"] = feedback
    if level == "tests":
        caught = {test for v in verdict.variants if v.kind == "mutant" for test in v.killed_by}
        view["tests"] = [
            {"name": t["name"], "caught_a_bug": t["name"] in caught} for t in verdict.tests if t.get("valid")
        ]
    return view
