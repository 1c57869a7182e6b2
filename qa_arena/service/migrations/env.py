"""Alembic environment of the grading service: the submissions tables in the configured database
(c.SubmissionStore.db_url, $QA_ARENA_DB_URL, else the default SQLite)."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

import qa_arena.lms.models  # noqa: F401  (its tables, in the same metadata)
from qa_arena.command import load_config
from qa_arena.service.models import Base
from qa_arena.service.store import VERSION_TABLE, SubmissionStore

config = context.config
if config.config_file_name is not None and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def configured_db_url() -> str:
    """The URL alembic was given, else the one QA Arena's config and environment name."""
    return config.get_main_option("sqlalchemy.url") or SubmissionStore(config=load_config(None)).db_url


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,  # our own: the database may be shared with nbgrader's gradebook
        render_as_batch=True,  # SQLite can only ALTER a table by copying it
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=configured_db_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # SubmissionStore.migrate() holds the connection and the migration lock
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(configured_db_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
