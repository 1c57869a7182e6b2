"""The grading service's tables: one row per submission, its state machine and its history.

The submissions table is also the job queue: a worker takes the oldest PENDING row that is due, or a
RUNNING one whose lease ran out (store.claim_next). A submission moves PENDING -> RUNNING -> SUCCESS |
FAILURE | ERROR. A retry (an ERROR verdict, a lost worker) puts it back to PENDING, due later;
``attempts`` counts the times a worker took it, and the
(id, attempts) pair fences a worker whose lease was taken over: only the current attempt may
record a result. Changing a column needs a migration in ``migrations/versions``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from qa_arena.grading.verdict import Verdict

PENDING, RUNNING, SUCCESS, FAILURE, ERROR = "PENDING", "RUNNING", "SUCCESS", "FAILURE", "ERROR"
STATUSES = (PENDING, RUNNING, SUCCESS, FAILURE, ERROR)
FINAL = frozenset({SUCCESS, FAILURE, ERROR})
SUBMIT, CHECK = "submit", "check"  # queued by `qa-arena submit` | an instant check from the notebook
KINDS = (SUBMIT, CHECK)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite stores naive text, so the zone is put back on load)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s"})


class Submission(Base):
    """A student's test suite for one problem, queued for grading, and what grading found."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="ck_submissions_status"),
        CheckConstraint(f"kind IN {KINDS!r}", name="ck_submissions_kind"),
        Index("ix_submissions_status", "status"),
        Index("ix_submissions_status_due_at", "status", "due_at"),  # the workers' look for the next job
        Index("ix_submissions_queued_at", "queued_at"),
        Index("ix_submissions_username_problem", "username", "problem"),
        Index("ix_submissions_username_queued_at", "username", "queued_at"),  # the checks' rate limits
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(200))  # not "user": a reserved word in PostgreSQL
    problem: Mapped[str] = mapped_column(String(200))  # the problem's slug
    source: Mapped[str] = mapped_column(Text)  # the tests, as Python source
    kind: Mapped[str] = mapped_column(String(16), default=SUBMIT, server_default=SUBMIT)
    assignment: Mapped[str | None] = mapped_column(String(200))  # the nbgrader assignment, when the client said
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    score: Mapped[float | None] = mapped_column(Float)  # None unless SUCCESS or FAILURE
    verdict: Mapped[dict | None] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))  # Verdict.to_dict()
    log: Mapped[str] = mapped_column(Text, default="")  # one line per event, oldest first
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(255))  # host:pid of the last worker that took it
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # of the latest attempt
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the running attempt's lease
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when a worker may take it (queued, or a retry)

    def phases(self) -> dict:
        """The id and the phase timestamps, as `submit --json` prints them."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": str(self.id),
            "attempts": self.attempts,
            "queued_at": iso(self.queued_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
        }


FEEDBACK_SOURCES = ("ai", "fallback")  # qa_arena.ai.base.AI, FALLBACK


class FeedbackRating(Base):
    """A student's 1-5 rating of the feedback text shown for one of their submissions.

    The text and its provenance are copied in: what the student rated must stay answerable after the
    feedback cache is cleared or the model changes. One rating per (submission, user); a new one replaces it.
    """

    __tablename__ = "feedback_ratings"
    __table_args__ = (
        CheckConstraint("stars >= 1 AND stars <= 5", name="ck_feedback_ratings_stars"),
        CheckConstraint(f"feedback_source IN {FEEDBACK_SOURCES!r}", name="ck_feedback_ratings_feedback_source"),
        UniqueConstraint("submission_id", "username", name="uq_feedback_ratings_submission_id_username"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    submission_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("submissions.id", name="fk_feedback_ratings_submission_id", ondelete="CASCADE")
    )
    username: Mapped[str] = mapped_column(String(200))  # who rated: the submission's owner
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    feedback_text: Mapped[str] = mapped_column(Text)  # exactly what the student saw
    feedback_source: Mapped[str] = mapped_column(String(16))  # ai | fallback
    feedback_model: Mapped[str | None] = mapped_column(String(200))  # the model, for ai
    feedback_reason: Mapped[str | None] = mapped_column(String(500))  # why the fallback was used, if known
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # of the latest rating


def error_verdict_dict(slug: str, message: str) -> dict:
    """The judge's JSON for an ERROR verdict, for failures that happen outside the judge (as a row stores it)."""
    return Verdict(slug, ERROR, None, message=message).to_dict()
