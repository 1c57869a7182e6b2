"""Instant checks: what kind of submission a row is, for which assignment, and the index the limits use.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:  # batch: SQLite cannot add a CHECK constraint in place
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="submit"))
        batch.add_column(sa.Column("assignment", sa.String(200), nullable=True))
        batch.create_check_constraint("ck_submissions_kind", "kind IN ('submit', 'check')")
        batch.create_index("ix_submissions_username_queued_at", ["username", "queued_at"])


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_username_queued_at")
        batch.drop_constraint("ck_submissions_kind", type_="check")
        batch.drop_column("assignment")
        batch.drop_column("kind")
