"""Grading through the queue, for a process that cannot start sandboxes itself (a formgrader in the hub).

`QueuedJudge.grade` queues the suite as a submission, waits for a worker's verdict and returns it as the
Judge would. The worker retries infrastructure errors itself; what cannot be known in time is an ERROR
(no score), never a guess. The verdict must be about the problem this side holds: a worker whose bank
has another version of it gives an ERROR, not a score for the wrong mutants.
"""

from __future__ import annotations

from traitlets import Float
from traitlets.config import LoggingConfigurable

from qa_arena.grading.problem import Problem, problem_fingerprint
from qa_arena.grading.verdict import ERROR, Verdict, error_verdict
from qa_arena.service.models import FINAL, SUBMIT


class QueuedJudge(LoggingConfigurable):
    """Grades suites on the grading workers (c.SubmissionStore.*: the workers' database, which is their queue)."""

    timeout_s = Float(
        1800.0,
        config=True,
        help="Seconds to wait for a verdict (a batch may queue behind students' checks); then an ERROR, and "
        "the submission is graded anyway: autograde again to record it.",
    )

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        from qa_arena.service.service import GradingService

        self.service = GradingService(parent=self)

    def grade(self, problem: Problem, tests_source: str, username: str, assignment: str | None = None) -> Verdict:
        """The workers' verdict on the suite; an ERROR verdict for anything that keeps it from being known."""
        from qa_arena.service.service import QueueError

        try:
            submission = self.service.submit(username, problem.slug, tests_source, SUBMIT, assignment)
            submission = self.service.wait(submission.id, self.timeout_s)
        except QueueError as exc:
            return error_verdict(problem, f"the grader could not grade: {exc}")
        except Exception as exc:  # the database is away, the bank lacks the problem: infrastructure
            self.log.warning("queueing %s for %s failed: %s", problem.slug, username, exc)
            return error_verdict(problem, f"the grader could not grade: {type(exc).__name__}: {exc}")
        if submission.status not in FINAL:
            return error_verdict(
                problem, f"no verdict within {self.timeout_s:.0f} s (submission {submission.id} is {submission.status})"
            )
        if not submission.verdict:
            return error_verdict(problem, f"submission {submission.id} is {submission.status} with no verdict")
        verdict = Verdict.from_dict(submission.verdict, problem)
        if verdict.status != ERROR and not same_problem(verdict, problem):
            return error_verdict(
                problem, f"the workers graded another version of {problem.slug} (submission {submission.id})"
            )
        return verdict


def same_problem(verdict: Verdict, problem: Problem) -> bool:
    """Whether the verdict is about this version of the problem (a worker's bank may hold another one).

    The worker's Judge writes the fingerprint of the version it graded (golden, wheats, mutants' sources and
    weights); a verdict from a worker older than that field is checked by its mutant ids only."""
    if verdict.problem != problem.slug or verdict.total != len(problem.mutants):
        return False
    if verdict.problem_sha256 is not None:
        return verdict.problem_sha256 == problem_fingerprint(problem)
    graded = {v.id for v in verdict.variants if v.kind == "mutant"}
    return not graded or graded == {m.id for m in problem.mutants}  # FAILURE: no mutant ran
