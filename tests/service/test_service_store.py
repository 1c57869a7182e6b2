"""The submissions store on SQLite and on a real PostgreSQL: migrations both ways, and the guarded state changes."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from qa_arena.environment import environment_config
from qa_arena.grading.bank import ProblemBank, UnknownProblem
from qa_arena.service.models import Base
from qa_arena.service.store import VERSION_TABLE, SubmissionStore

from .conftest import ADDER, SERVICE, make_bank

pytestmark = SERVICE

INDEXES = {
    "ix_submissions_status": ["status"],
    "ix_submissions_queued_at": ["queued_at"],
    "ix_submissions_username_problem": ["username", "problem"],
    "ix_submissions_username_queued_at": ["username", "queued_at"],
}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'submissions.sqlite3'}"
    postgres = request.getfixturevalue("postgres")
    schema_free = SubmissionStore(db_url=postgres.url, auto_migrate=False)
    schema_free.downgrade("base")  # each test starts from an empty database
    schema_free.dispose()
    return postgres.url


@pytest.fixture
def store(db_url):
    store = SubmissionStore(db_url=db_url)
    yield store
    store.dispose()


def test_migrations_upgrade_and_downgrade(db_url):
    store = SubmissionStore(db_url=db_url, auto_migrate=False)
    store.migrate()
    inspector = inspect(store.engine)
    assert "submissions" in inspector.get_table_names()
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("submissions")}
    assert indexes == INDEXES
    assert store.current_revision() == "0003"
    with store.engine.connect() as connection:  # the migrations build exactly what the models say
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []

    store.downgrade("base")
    inspector = inspect(store.engine)
    assert "submissions" not in inspector.get_table_names()
    assert store.current_revision() is None
    store.migrate()  # and up again
    assert "submissions" in inspect(store.engine).get_table_names()
    store.dispose()


def test_concurrent_first_use_migrates_once(db_url):
    """Workers starting together on a new database: the migration lock lets one of them create the schema."""
    errors: list[BaseException] = []

    def first_use() -> None:
        try:
            store = SubmissionStore(db_url=db_url)
            store.create("alice", "adder", "def test_x(): pass")
            store.dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_claim_finish_and_duplicates(store):
    sub = store.create("alice", "adder", "def test_x(): pass")
    assert sub.status == "PENDING" and sub.attempts == 0 and sub.queued_at.tzinfo is not None

    first = store.claim(sub.id, "w1", lease_s=60, max_attempts=3)
    assert (first.outcome, first.attempts, first.problem) == ("claimed", 1, "adder")
    assert store.claim(sub.id, "w2", lease_s=60, max_attempts=3).outcome == "busy"  # a live lease
    assert store.heartbeat(sub.id, 1)

    verdict = {"problem": "adder", "status": "SUCCESS", "score": 72.5}
    assert store.finish(sub.id, 1, verdict, "attempt 1: SUCCESS")
    assert not store.finish(sub.id, 1, verdict, "again")  # recorded once
    assert store.claim(sub.id, "w3", lease_s=60, max_attempts=3).outcome == "final"

    done = store.get(sub.id)
    assert (done.status, done.score, done.attempts, done.verdict) == ("SUCCESS", 72.5, 1, verdict)
    assert done.queued_at <= done.started_at <= done.finished_at
    assert done.heartbeat_at is None
    assert store.claim(uuid.uuid4(), "w1", 60, 3).outcome == "missing"


def test_a_lost_worker_is_taken_over_and_fenced_off(store):
    sub = store.create("bob", "adder", "src")
    assert store.claim(sub.id, "w1", lease_s=60, max_attempts=3).attempts == 1
    taken = store.claim(sub.id, "w2", lease_s=0, max_attempts=3)  # w1's lease has run out
    assert (taken.outcome, taken.attempts) == ("claimed", 2)
    assert not store.heartbeat(sub.id, 1)  # w1 learns it lost the lease...
    assert not store.finish(sub.id, 1, {"status": "FAILURE", "score": 0.0}, "late")  # ...and cannot record
    assert store.finish(sub.id, 2, {"status": "SUCCESS", "score": 100.0}, "attempt 2: SUCCESS")
    row = store.get(sub.id)
    assert (row.status, row.score, row.attempts) == ("SUCCESS", 100.0, 2)
    assert "attempt 1 lost (worker w1 stopped answering)" in row.log


def test_stale_jobs_are_reclaimed_then_given_up(store):
    sub = store.create("carol", "adder", "src")
    store.claim(sub.id, "w1", lease_s=60, max_attempts=1)
    assert store.reclaim_stale(lease_s=60) == []  # alive
    assert store.reclaim_stale(lease_s=0) == [sub.id]
    assert store.reclaim_stale(lease_s=0) == []  # once
    assert store.get(sub.id).status == "PENDING"
    spent = store.claim(sub.id, "w2", lease_s=60, max_attempts=1)
    assert spent.outcome == "exhausted"
    row = store.get(sub.id)
    assert (row.status, row.score) == ("ERROR", None)  # an ERROR has no score, never 0
    assert row.verdict["status"] == "ERROR" and row.verdict["score"] is None
    assert "gave up after 1 attempts" in row.verdict["message"]


def test_retry_later_and_overdue_messages(store):
    sub = store.create("dan", "adder", "src")
    store.claim(sub.id, "w1", lease_s=60, max_attempts=3)
    assert store.retry_later(sub.id, 1, "attempt 1: ERROR; retry in 0.0 s", countdown_s=0)
    row = store.get(sub.id)
    assert (row.status, row.attempts) == ("PENDING", 1)
    assert store.overdue(pending_s=3600) == []
    assert store.overdue(pending_s=-1) == [sub.id]


def test_a_lost_retry_is_published_again_sooner_than_a_job_waiting_for_its_first_worker(store):
    """A broker restart loses the delayed retries workers held; a fresh job may just wait behind a long queue."""
    waiting = store.create("eve", "adder", "src")
    retried = store.create("dan", "adder", "src")
    store.claim(retried.id, "w1", lease_s=60, max_attempts=3)
    assert store.retry_later(retried.id, 1, "attempt 1: ERROR; retry in 0.0 s", countdown_s=0)
    time.sleep(0.05)
    assert store.overdue(pending_s=3600, retry_s=3600) == []
    assert store.overdue(pending_s=3600, retry_s=0.01) == [retried.id]
    assert store.overdue(pending_s=3600, retry_s=0.01) == []  # published again just now: not twice
    assert "message overdue: published again" in store.get(retried.id).log
    assert "overdue" not in store.get(waiting.id).log
    time.sleep(0.05)
    assert set(store.overdue(pending_s=0.01, retry_s=3600)) == {waiting.id}


def test_bank_resolves_a_slug_in_the_first_directory_holding_it(tmp_path, monkeypatch):
    first, second = make_bank(tmp_path / "one"), make_bank(tmp_path / "two")
    toml = first / "adder" / "problem.toml"
    toml.write_text(toml.read_text().replace('title = "Add two integers"', 'title = "First"'))
    monkeypatch.setenv("QA_ARENA_PROBLEMS", f"{tmp_path / 'empty'}:{first}:{second}")
    bank = ProblemBank(config=environment_config())  # the variable, as every command loads it
    assert bank.paths == [str(tmp_path / "empty"), str(first), str(second)]
    assert bank.resolve("adder").title == "First"
    for slug in ("nope", "../adder", ".hidden", ""):
        with pytest.raises(UnknownProblem):
            bank.resolve(slug)
    assert ProblemBank(paths=[str(ADDER.parent)]).resolve("adder").slug == "adder"  # the trait wins
