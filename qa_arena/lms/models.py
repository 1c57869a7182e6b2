"""The LMS tables, in the QA Arena database (the grading service's: $QA_ARENA_DB_URL, SQLite by default).

- ``lms_platforms``: a registration (issuer, client id, deployment id and the platform's endpoints).
- ``lms_tool_keys``: the tool's RSA key pairs; the newest live one signs, every live one is in the JWKS.
- ``lms_lineitems``: which LMS line item an nbgrader assignment of a course posts its scores to.
- ``lms_members``: a course's members as the LMS's roster (NRPS) names them, with the username each gets.
- ``lms_outbox``: every score post, with its state, attempts and the platform's answer.
Changing a column needs a migration in ``qa_arena/service/migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from qa_arena.lms import FAILED, PENDING, SENT, SKIPPED
from qa_arena.service.models import Base, UTCDateTime, utcnow

OUTBOX_STATES = (PENDING, SENT, FAILED, SKIPPED)


def one_or_new(session, model, **keys):
    """The row of `model` with these key columns, or a new one with them, added to the session."""
    row = session.scalars(select(model).filter_by(**keys)).one_or_none()
    if row is None:
        row = model(**keys)
        session.add(row)
    return row


class Platform(Base):
    """One LTI 1.3 registration of QA Arena in an LMS: the tool's client id there, one deployment."""

    __tablename__ = "lms_platforms"
    __table_args__ = (
        UniqueConstraint("issuer", "client_id", "deployment_id", name="uq_lms_platforms_issuer_client_deployment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(500))
    deployment_id: Mapped[str] = mapped_column(String(500))
    auth_url: Mapped[str] = mapped_column(Text)  # OIDC authorization endpoint (the launch)
    token_url: Mapped[str] = mapped_column(Text)  # OAuth 2 token endpoint (AGS, NRPS)
    jwks_url: Mapped[str] = mapped_column(Text)  # the platform's keys (id_tokens)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ToolKey(Base):
    """An RSA key pair of the tool. Retired keys leave the JWKS; a rotation publishes two until then."""

    __tablename__ = "lms_tool_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LineItem(Base):
    """The LMS column an assignment's scores go to."""

    __tablename__ = "lms_lineitems"
    __table_args__ = (UniqueConstraint("course_id", "assignment", name="uq_lms_lineitems_course_assignment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    course_id: Mapped[str] = mapped_column(String(200))
    assignment: Mapped[str] = mapped_column(String(200))
    lineitem: Mapped[str] = mapped_column(Text)
    platform_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("lms_platforms.id", name="fk_lms_lineitems_platform_id", ondelete="CASCADE")
    )
    push_after_autograde: Mapped[bool] = mapped_column(Boolean, default=False)  # opt-in, per assignment
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Member(Base):
    """A member of a course in the LMS (from its roster), and the QA Arena username it gets."""

    __tablename__ = "lms_members"
    __table_args__ = (UniqueConstraint("course_id", "platform_id", "sub", name="uq_lms_members_course_platform_sub"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    course_id: Mapped[str] = mapped_column(String(200))
    platform_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("lms_platforms.id", name="fk_lms_members_platform_id", ondelete="CASCADE")
    )
    sub: Mapped[str] = mapped_column(String(500))  # the LTI user id: AGS's userId
    username: Mapped[str | None] = mapped_column(String(200))  # None: flagged
    name: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(500))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    student: Mapped[bool] = mapped_column(Boolean, default=False)
    flag: Mapped[str | None] = mapped_column(Text)  # why this member cannot be graded
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScorePost(Base):
    """One score post to a line item: what was (or will be) sent, and what the platform answered."""

    __tablename__ = "lms_outbox"
    __table_args__ = (
        CheckConstraint(f"state IN {OUTBOX_STATES!r}", name="ck_lms_outbox_state"),
        Index("ix_lms_outbox_lineitem_student", "lineitem_id", "student"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lineitem_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("lms_lineitems.id", name="fk_lms_outbox_lineitem_id", ondelete="CASCADE")
    )
    student: Mapped[str] = mapped_column(String(200))  # the nbgrader student id
    lms_user_id: Mapped[str | None] = mapped_column(String(500))
    score_given: Mapped[float | None] = mapped_column(Float)
    score_maximum: Mapped[float | None] = mapped_column(Float)
    grading_progress: Mapped[str] = mapped_column(String(32))  # FullyGraded | PendingManual
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the score's, set when first sent
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CourseLink(Base):
    """An LMS context (a course there) linked to a QA Arena course, once, by its instructor or an admin."""

    __tablename__ = "lms_courses"
    __table_args__ = (UniqueConstraint("platform_id", "context_id", name="uq_lms_courses_platform_context"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("lms_platforms.id", name="fk_lms_courses_platform_id", ondelete="CASCADE")
    )
    context_id: Mapped[str] = mapped_column(String(500))
    course_id: Mapped[str] = mapped_column(String(200))
    course_dir: Mapped[str] = mapped_column(Text)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Launch(Base):
    """One LTI launch that logged a user in: who, from which deployment, context and link, with which roles."""

    __tablename__ = "lms_launches"
    __table_args__ = (Index("ix_lms_launches_username", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("lms_platforms.id", name="fk_lms_launches_platform_id", ondelete="CASCADE")
    )
    sub: Mapped[str] = mapped_column(String(500))
    username: Mapped[str] = mapped_column(String(200))
    context_id: Mapped[str | None] = mapped_column(String(500))
    course_id: Mapped[str | None] = mapped_column(String(200))  # the linked course, if any
    resource_link_id: Mapped[str | None] = mapped_column(String(500))
    role: Mapped[str | None] = mapped_column(String(16))  # instructor | ta | student
    roles: Mapped[list] = mapped_column(JSON, default=list)
    ags: Mapped[dict | None] = mapped_column(JSON)  # the AGS endpoint claim
    nrps: Mapped[dict | None] = mapped_column(JSON)  # the NRPS claim
    message_type: Mapped[str] = mapped_column(String(64), default="LtiResourceLinkRequest")
    deep_linking: Mapped[dict | None] = mapped_column(JSON)  # a deep-linking request's settings claim
    launched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
