"""What an experiment's report is computed from, read from the service database.

Improvement: for each student and problem, the score of the first graded submission (SUCCESS or
FAILURE, in the order they were queued) and of the last; a pair counts only with two or more graded
submissions. ERROR submissions have no score and are skipped. Ratings: the stars each student gave,
on submissions the experiment covers. Students are then put in their groups by ``Experiment.group_for``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from qa_arena.experiments.config import Experiment
from qa_arena.service.models import FAILURE, SUCCESS, FeedbackRating, Submission
from qa_arena.service.store import SubmissionStore


@dataclass(frozen=True)
class Improvement:
    """One student's progress on one problem: final minus first graded score."""

    username: str
    problem: str
    first: float
    last: float
    graded: int  # graded submissions seen

    @property
    def delta(self) -> float:
        return self.last - self.first


@dataclass(frozen=True)
class StarRating:
    username: str
    problem: str
    stars: int
    feedback_source: str


def improvements(store: SubmissionStore, experiment: Experiment) -> list[Improvement]:
    """(student, problem) pairs with at least two graded submissions in the experiment's problems and window."""
    query = (
        select(Submission.username, Submission.problem, Submission.score, Submission.queued_at)
        .where(Submission.status.in_([SUCCESS, FAILURE]), Submission.score.is_not(None))
        .order_by(Submission.username, Submission.problem, Submission.queued_at, Submission.id)
    )
    if experiment.problems is not None:
        query = query.where(Submission.problem.in_(experiment.problems))
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    with store.session() as session:
        for username, problem, score, queued_at in session.execute(query):
            if experiment.covers(problem, queued_at):
                scores[username, problem].append(score)
    return [
        Improvement(username, problem, values[0], values[-1], len(values))
        for (username, problem), values in scores.items()
        if len(values) >= 2
    ]


def star_ratings(store: SubmissionStore, experiment: Experiment) -> list[StarRating]:
    """Ratings of submissions the experiment covers (by problem and by when the submission was queued)."""
    columns = (FeedbackRating.username, Submission.problem, FeedbackRating.stars, FeedbackRating.feedback_source)
    query = (
        select(*columns, Submission.queued_at)
        .join(Submission, Submission.id == FeedbackRating.submission_id)
        .order_by(FeedbackRating.username, FeedbackRating.rated_at)
    )
    if experiment.problems is not None:
        query = query.where(Submission.problem.in_(experiment.problems))
    with store.session() as session:
        return [
            StarRating(username, problem, stars, source)
            for username, problem, stars, source, queued_at in session.execute(query)
            if experiment.covers(problem, queued_at)
        ]
