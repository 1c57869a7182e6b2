"""Where ratings live: the ``feedback_ratings`` table beside the submissions (same database, same migrations).

A rating is accepted only for a graded submission of the same user (a student rates the feedback on
their own work); for anyone else the submission is "not found", so the answer does not tell whether
someone else's id exists. A second rating of the same submission by the same user replaces the first,
in one upsert, so two clicks racing each other leave one row.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from traitlets import Int, TraitError, validate
from traitlets.config import LoggingConfigurable

from qa_arena.ai.base import AIFeedback
from qa_arena.ratings.validate import MAX_COMMENT_CHARS, RatingError, check_rating
from qa_arena.service.models import FINAL, FeedbackRating, Submission, utcnow
from qa_arena.service.store import SubmissionStore


@dataclass(frozen=True)
class RatingRow:
    """A stored rating with its submission's problem, status and score (what staff lists and exports show)."""

    id: uuid.UUID
    submission_id: uuid.UUID
    username: str
    problem: str
    submission_status: str
    submission_score: float | None
    stars: int
    comment: str | None
    feedback_source: str
    feedback_model: str | None
    feedback_reason: str | None
    feedback_text: str
    rated_at: datetime

    def to_dict(self) -> dict:
        """JSON-ready: ids and the time as strings."""
        out = asdict(self)
        out.update(id=str(self.id), submission_id=str(self.submission_id), rated_at=self.rated_at.isoformat())
        return out


@dataclass(frozen=True)
class SavedRating:
    row: RatingRow
    replaced: bool  # an earlier rating of the same submission by the same user was overwritten


class RatingStore(LoggingConfigurable):
    """Add, replace and read feedback ratings. The database is c.SubmissionStore.db_url ($QA_ARENA_DB_URL)."""

    max_comment_chars = Int(
        MAX_COMMENT_CHARS,
        config=True,
        help="Longest comment accepted, in characters (longer ones are refused, not cut). Default 2000.",
    )

    @validate("max_comment_chars")
    def _check_max_comment(self, proposal) -> int:
        if proposal["value"] < 1:
            raise TraitError("RatingStore.max_comment_chars must be at least 1")
        return proposal["value"]

    def __init__(self, submissions: SubmissionStore | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.submissions = submissions if submissions is not None else SubmissionStore(parent=self)

    def add(
        self,
        submission_id: uuid.UUID | str,
        username: str,
        stars: int | str,
        feedback: AIFeedback,
        comment: str | None = None,
    ) -> SavedRating:
        """Store (or replace) `username`'s rating of the feedback shown for their submission.

        RatingError, with a one-line reason, for bad input: stars not 1-5, a comment too long, a
        submission that does not exist, is not theirs, or is not graded yet.
        """
        rating = check_rating(submission_id, username, stars, feedback, comment, self.max_comment_chars)
        values = dict(
            stars=rating.stars,
            comment=rating.comment,
            feedback_text=rating.feedback_text,
            feedback_source=rating.feedback_source,
            feedback_model=rating.feedback_model,
            feedback_reason=rating.feedback_reason,
            rated_at=utcnow(),
        )
        with self.submissions.session() as session:
            submission = session.get(Submission, rating.submission_id)
            if submission is None or submission.username != rating.username:
                raise RatingError(f"no submission {rating.submission_id} of user {rating.username}")
            if submission.status not in FINAL:
                raise RatingError(
                    f"submission {rating.submission_id} is not graded yet ({submission.status}): no feedback to rate"
                )
            key = (FeedbackRating.submission_id == rating.submission_id, FeedbackRating.username == rating.username)
            replaced = session.execute(select(FeedbackRating.id).where(*key)).first() is not None
            insert = _insert_for(session.get_bind().dialect.name)
            statement = insert(FeedbackRating).values(
                id=uuid.uuid4(), submission_id=rating.submission_id, username=rating.username, **values
            )
            session.execute(statement.on_conflict_do_update(index_elements=["submission_id", "username"], set_=values))
        rows = self.rows(submission_id=rating.submission_id, username=rating.username)
        note = " (replaced)" if replaced else ""
        self.log.info("rating of %s by %s: %d stars%s", rating.submission_id, rating.username, rating.stars, note)
        return SavedRating(rows[0], replaced)

    def rows(
        self, problem: str | None = None, submission_id: uuid.UUID | None = None, username: str | None = None
    ) -> list[RatingRow]:
        """Ratings, oldest first, optionally of one problem, submission or user."""
        query = (
            select(FeedbackRating, Submission.problem, Submission.status, Submission.score)
            .join(Submission, Submission.id == FeedbackRating.submission_id)
            .order_by(FeedbackRating.rated_at, FeedbackRating.id)
        )
        if problem is not None:
            query = query.where(Submission.problem == problem)
        if submission_id is not None:
            query = query.where(FeedbackRating.submission_id == submission_id)
        if username is not None:
            query = query.where(FeedbackRating.username == username)
        with self.submissions.session() as session:
            return [_row(rating, *more) for rating, *more in session.execute(query).all()]


def _row(rating: FeedbackRating, problem: str, status: str, score: float | None) -> RatingRow:
    return RatingRow(
        id=rating.id,
        submission_id=rating.submission_id,
        username=rating.username,
        problem=problem,
        submission_status=status,
        submission_score=score,
        stars=rating.stars,
        comment=rating.comment,
        feedback_source=rating.feedback_source,
        feedback_model=rating.feedback_model,
        feedback_reason=rating.feedback_reason,
        feedback_text=rating.feedback_text,
        rated_at=rating.rated_at,
    )


def _insert_for(dialect: str):
    """The INSERT with ON CONFLICT of the two databases the service supports."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"ratings need SQLite or PostgreSQL, not {dialect}")
    return insert
