"""Students' ratings of the feedback they were shown.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_ratings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("feedback_text", sa.Text(), nullable=False),
        sa.Column("feedback_source", sa.String(16), nullable=False),
        sa.Column("feedback_model", sa.String(200), nullable=True),
        sa.Column("feedback_reason", sa.String(500), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars >= 1 AND stars <= 5", name="ck_feedback_ratings_stars"),
        sa.CheckConstraint("feedback_source IN ('ai', 'fallback')", name="ck_feedback_ratings_feedback_source"),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name="fk_feedback_ratings_submission_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback_ratings"),
        sa.UniqueConstraint("submission_id", "username", name="uq_feedback_ratings_submission_id_username"),
    )


def downgrade() -> None:
    op.drop_table("feedback_ratings")
