"""The grading service's tables: one row per submission, its state machine and its history.

A submission moves PENDING -> RUNNING -> SUCCESS | FAILURE | ERROR. A retry (an ERROR verdict,
a lost worker) puts it back to PENDING; ``attempts`` counts the times a worker took it, and the
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
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PENDING, RUNNING, SUCCESS, FAILURE, ERROR = "PENDING", "RUNNING", "SUCCESS", "FAILURE", "ERROR"
STATUSES = (PENDING, RUNNING, SUCCESS, FAILURE, ERROR)
FINAL = frozenset({SUCCESS, FAILURE, ERROR})


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
        Index("ix_submissions_status", "status"),
        Index("ix_submissions_queued_at", "queued_at"),
        Index("ix_submissions_username_problem", "username", "problem"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(200))  # not "user": a reserved word in PostgreSQL
    problem: Mapped[str] = mapped_column(String(200))  # the problem's slug
    source: Mapped[str] = mapped_column(Text)  # the tests, as Python source
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
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last message sent (or due) for it

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
