"""What a feedback provider may know of a verdict: the student view, plus the weights of the missed bugs.

Everything here comes from ``student_feedback`` (so golden failure summaries are already checked
for quoted source) or from the problem's instructor-written text (title, description, hints,
weights). Variant ids and sources stay out: a model cannot repeat what it is never told.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from qa_arena.grading.problem import Problem
from qa_arena.grading.student_view import student_feedback
from qa_arena.grading.verdict import ERROR, SUCCESS, Verdict


@dataclass(frozen=True)
class Gap:
    """A surviving mutant, as a student may see it: its hint and how much it weighs in the score."""

    hint: str
    weight: float


@dataclass(frozen=True)
class InvalidTestView:
    name: str
    reason: str  # from student_feedback: sanitized
    failed_on: str  # golden | flaky | wheat | twin


@dataclass(frozen=True)
class FeedbackContext:
    slug: str
    title: str
    description: str
    status: str
    score: float | None
    bugs_caught: int
    bugs_total: int
    valid_tests: int
    message: str
    gaps: tuple[Gap, ...]  # surviving mutants with a hint, heaviest first
    unhinted: int  # surviving mutants without a hint
    invalid_tests: tuple[InvalidTestView, ...]
    killed_ids: frozenset[str]  # for the cache key only: never shown, never sent
    problem_digest: str  # changes when the instructor edits what the feedback depends on

    @property
    def graded(self) -> bool:
        return self.status != ERROR


def surviving_mutants(problem: Problem, verdict: Verdict) -> list:
    """Mutants no valid test killed; none when no test was valid (the student view shows no hints then)."""
    if verdict.status != SUCCESS:
        return []
    killed = {v.id for v in verdict.variants if v.kind == "mutant" and v.killed_by}
    return [m for m in problem.mutants if m.id not in killed]


def _problem_digest(problem: Problem) -> str:
    facts = [problem.title, problem.description, [(m.id, m.weight, m.hint) for m in problem.mutants]]
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:16]


def build_context(problem: Problem, verdict: Verdict, tests_source: str) -> FeedbackContext:
    view = student_feedback(verdict, problem, tests_source)
    surviving = sorted(surviving_mutants(problem, verdict), key=lambda m: -m.weight)  # stable: ties keep order
    failed_on = {test.name: test.failed_on for test in verdict.invalid_tests}
    invalid = tuple(  # as many as the student view names
        InvalidTestView(shown["name"], shown["reason"], failed_on[shown["name"]]) for shown in view["invalid_tests"]
    )
    return FeedbackContext(
        slug=problem.slug,
        title=problem.title,
        description=problem.description,
        status=verdict.status,
        score=verdict.score,
        bugs_caught=view["bugs_caught"],
        bugs_total=view["bugs_total"],
        valid_tests=view["valid_tests"],
        message=view["message"],  # already checked by student_feedback (it can quote the golden)
        gaps=tuple(Gap(m.hint, m.weight) for m in surviving if m.hint),
        unhinted=sum(1 for m in surviving if not m.hint),
        invalid_tests=invalid,
        killed_ids=frozenset(v.id for v in verdict.variants if v.kind == "mutant" and v.killed_by),
        problem_digest=_problem_digest(problem),
    )
