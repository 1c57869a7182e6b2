"""Migration 0002 (feedback_ratings) up and down on SQLite and on a real PostgreSQL; the upsert on both."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from qa_arena.ai.base import AIFeedback
from qa_arena.ratings.store import RatingStore
from qa_arena.service.models import Base, Submission
from qa_arena.service.store import VERSION_TABLE, SubmissionStore
from tests.ratings.helpers import add_submission

pytestmark = pytest.mark.service


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'submissions.sqlite3'}"
    postgres = request.getfixturevalue("postgres")
    return postgres.new_database(f"ratings_{uuid.uuid4().hex[:12]}")  # a fresh database: no other test's schema


@pytest.fixture
def store(db_url):
    store = SubmissionStore(db_url=db_url, auto_migrate=False)
    yield store
    store.dispose()


def _raw_rating(connection, submission_id: uuid.UUID, username: str, stars: int) -> None:
    connection.execute(
        text(
            "INSERT INTO feedback_ratings (id, submission_id, username, stars, feedback_text, feedback_source, "
            "rated_at) VALUES (:id, :sid, :user, :stars, 'text', 'ai', CURRENT_TIMESTAMP)"
        ),
        {"id": uuid.uuid4().hex if connection.dialect.name == "sqlite" else uuid.uuid4(),
         "sid": submission_id.hex if connection.dialect.name == "sqlite" else submission_id,
         "user": username, "stars": stars},
    )  # fmt: skip


def test_0002_upgrade_and_downgrade(store):
    store.migrate("0001")
    assert "feedback_ratings" not in inspect(store.engine).get_table_names()
    store.migrate()  # to head
    head = ScriptDirectory.from_config(store.alembic_config()).get_current_head()
    assert store.current_revision() == head
    inspector = inspect(store.engine)
    assert {"submissions", "feedback_ratings"} <= set(inspector.get_table_names())
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("feedback_ratings")} == {"submissions"}
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("feedback_ratings")}
    assert ("submission_id", "username") in uniques
    with store.engine.connect() as connection:  # the migrations build exactly what the models say
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []

    sub = add_submission(store, "alice", "adder", 50.0)
    store.downgrade("0001")
    inspector = inspect(store.engine)
    assert "feedback_ratings" not in inspector.get_table_names()
    assert store.current_revision() == "0001"
    with store.engine.connect() as connection:  # the submissions are untouched (columns of 0001 only)
        assert connection.scalar(select(Submission.score).where(Submission.id == sub.id)) == 50.0
    store.migrate()
    assert store.current_revision() == head
    store.downgrade("base")
    assert not {"submissions", "feedback_ratings"} & set(inspect(store.engine).get_table_names())
    assert store.current_revision() is None


def test_the_database_enforces_stars_and_one_rating_per_user(store):
    store.migrate()
    sub = add_submission(store, "alice", "adder", 50.0)
    for stars in (0, 6):
        with pytest.raises(IntegrityError), store.engine.begin() as connection:
            _raw_rating(connection, sub.id, "alice", stars)
    with store.engine.begin() as connection:
        _raw_rating(connection, sub.id, "alice", 3)
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        _raw_rating(connection, sub.id, "alice", 4)
    if store.engine.dialect.name == "postgresql":  # SQLite enforces foreign keys only when asked to
        with pytest.raises(IntegrityError), store.engine.begin() as connection:
            _raw_rating(connection, uuid.uuid4(), "alice", 4)


def test_rating_upsert_on_each_database(store):
    """The upsert is dialect-specific (ON CONFLICT on both): add, replace, read back."""
    store.auto_migrate = True
    sub = add_submission(store, "alice", "adder", 80.0)
    ratings = RatingStore(store)
    first = ratings.add(sub.id, "alice", 2, AIFeedback("text", "ai", model="m1"), comment="hm")
    second = ratings.add(sub.id, "alice", 5, AIFeedback("other", "ai", model="m2"))
    assert (first.replaced, second.replaced, second.row.id) == (False, True, first.row.id)
    rows = ratings.rows()
    assert [(r.stars, r.comment, r.feedback_model, r.feedback_text) for r in rows] == [(5, None, "m2", "other")]
