"""The submissions table is the job queue: `published_at` becomes `due_at` (when a worker may take the job),
and workers find the next job by (status, due_at).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:  # batch: SQLite renames by copying the table
        batch.alter_column("published_at", new_column_name="due_at")
    op.create_index("ix_submissions_status_due_at", "submissions", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_submissions_status_due_at", "submissions")
    with op.batch_alter_table("submissions") as batch:
        batch.alter_column("due_at", new_column_name="published_at")
