"""The LMS: registrations, the tool's keys, line items, roster members, the score outbox, course links and
launches (qa_arena.lms.models).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qa_arena.service.models import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lms_platforms",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(500), nullable=False),
        sa.Column("deployment_id", sa.String(500), nullable=False),
        sa.Column("auth_url", sa.Text(), nullable=False),
        sa.Column("token_url", sa.Text(), nullable=False),
        sa.Column("jwks_url", sa.Text(), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lms_platforms"),
        sa.UniqueConstraint("issuer", "client_id", "deployment_id", name="uq_lms_platforms_issuer_client_deployment"),
    )
    op.create_table(
        "lms_tool_keys",
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("kid", name="pk_lms_tool_keys"),
    )
    op.create_table(
        "lms_lineitems",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("course_id", sa.String(200), nullable=False),
        sa.Column("assignment", sa.String(200), nullable=False),
        sa.Column("lineitem", sa.Text(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("push_after_autograde", sa.Boolean(), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lms_lineitems"),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["lms_platforms.id"], name="fk_lms_lineitems_platform_id", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("course_id", "assignment", name="uq_lms_lineitems_course_assignment"),
    )
    op.create_table(
        "lms_members",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("course_id", sa.String(200), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(500), nullable=False),
        sa.Column("username", sa.String(200), nullable=True),
        sa.Column("name", sa.String(500), nullable=True),
        sa.Column("email", sa.String(500), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("student", sa.Boolean(), nullable=False),
        sa.Column("flag", sa.Text(), nullable=True),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lms_members"),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["lms_platforms.id"], name="fk_lms_members_platform_id", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("course_id", "platform_id", "sub", name="uq_lms_members_course_platform_sub"),
    )
    op.create_table(
        "lms_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("lineitem_id", sa.Integer(), nullable=False),
        sa.Column("student", sa.String(200), nullable=False),
        sa.Column("lms_user_id", sa.String(500), nullable=True),
        sa.Column("score_given", sa.Float(), nullable=True),
        sa.Column("score_maximum", sa.Float(), nullable=True),
        sa.Column("grading_progress", sa.String(32), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("timestamp", UTCDateTime(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lms_outbox"),
        sa.ForeignKeyConstraint(
            ["lineitem_id"], ["lms_lineitems.id"], name="fk_lms_outbox_lineitem_id", ondelete="CASCADE"
        ),
        sa.CheckConstraint("state IN ('pending', 'sent', 'failed', 'skipped')", name="ck_lms_outbox_state"),
    )
    op.create_index("ix_lms_outbox_lineitem_student", "lms_outbox", ["lineitem_id", "student"])
    op.create_table(
        "lms_courses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(500), nullable=False),
        sa.Column("course_id", sa.String(200), nullable=False),
        sa.Column("course_dir", sa.Text(), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lms_courses"),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["lms_platforms.id"], name="fk_lms_courses_platform_id", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("platform_id", "context_id", name="uq_lms_courses_platform_context"),
    )
    op.create_table(
        "lms_launches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(500), nullable=False),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("context_id", sa.String(500), nullable=True),
        sa.Column("course_id", sa.String(200), nullable=True),
        sa.Column("resource_link_id", sa.String(500), nullable=True),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("ags", sa.JSON(), nullable=True),
        sa.Column("nrps", sa.JSON(), nullable=True),
        sa.Column("message_type", sa.String(64), nullable=False),
        sa.Column("deep_linking", sa.JSON(), nullable=True),
        sa.Column("launched_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lms_launches"),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["lms_platforms.id"], name="fk_lms_launches_platform_id", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_lms_launches_username", "lms_launches", ["username"])


def downgrade() -> None:
    op.drop_index("ix_lms_launches_username", "lms_launches")
    op.drop_index("ix_lms_outbox_lineitem_student", "lms_outbox")
    for table in (
        "lms_launches",
        "lms_courses",
        "lms_outbox",
        "lms_members",
        "lms_lineitems",
        "lms_tool_keys",
        "lms_platforms",
    ):
        op.drop_table(table)
