"""The submissions store on SQLite and on a real PostgreSQL: migrations both ways, and the guarded state changes."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from qa_arena.service.models import Base
from qa_arena.service.store import JOBS_CHANNEL, VERSION_TABLE, SubmissionStore

from .conftest import SERVICE

pytestmark = SERVICE

INDEXES = {
    "ix_submissions_status": ["status"],
    "ix_submissions_status_due_at": ["status", "due_at"],
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
    assert store.current_revision() == "0005"
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


def test_claim_finish_and_a_graded_job_is_not_taken_again(store):
    sub = store.create("alice", "adder", "def test_x(): pass")
    assert sub.status == "PENDING" and sub.attempts == 0 and sub.queued_at.tzinfo is not None

    first = store.claim_next("w1", lease_s=60, max_attempts=3)
    assert (first.submission_id, first.attempts, first.problem, first.source) == (sub.id, 1, "adder", sub.source)
    assert store.claim_next("w2", lease_s=60, max_attempts=3) is None  # a live lease: nothing for w2
    assert store.heartbeat(sub.id, 1)

    verdict = {"problem": "adder", "status": "SUCCESS", "score": 72.5}
    assert store.finish(sub.id, 1, verdict, "attempt 1: SUCCESS")
    assert not store.finish(sub.id, 1, verdict, "again")  # recorded once
    assert store.claim_next("w3", lease_s=0, max_attempts=3) is None  # final: never taken again

    done = store.get(sub.id)
    assert (done.status, done.score, done.attempts, done.verdict) == ("SUCCESS", 72.5, 1, verdict)
    assert done.queued_at <= done.started_at <= done.finished_at
    assert done.heartbeat_at is None and done.worker == "w1"


def test_jobs_are_taken_oldest_first_each_once(store):
    ids = [store.create(f"s{i}", "adder", "src").id for i in range(3)]
    taken = [store.claim_next(f"w{i}", lease_s=60, max_attempts=3) for i in range(4)]
    assert [c.submission_id for c in taken[:3]] == ids and taken[3] is None


def test_a_lost_worker_is_taken_over_and_fenced_off(store):
    sub = store.create("bob", "adder", "src")
    assert store.claim_next("w1", lease_s=60, max_attempts=3).attempts == 1
    taken = store.claim_next("w2", lease_s=0, max_attempts=3)  # w1's lease has run out
    assert (taken.submission_id, taken.attempts) == (sub.id, 2)
    assert not store.heartbeat(sub.id, 1)  # w1 learns it lost the lease...
    assert not store.finish(sub.id, 1, {"status": "FAILURE", "score": 0.0}, "late")  # ...and cannot record
    assert store.finish(sub.id, 2, {"status": "SUCCESS", "score": 100.0}, "attempt 2: SUCCESS")
    row = store.get(sub.id)
    assert (row.status, row.score, row.attempts, row.worker) == ("SUCCESS", 100.0, 2, "w2")
    assert "attempt 1 lost (worker w1 stopped answering)" in row.log


def test_a_job_whose_attempts_are_spent_is_recorded_as_error_and_the_next_one_taken(store):
    spent = store.create("carol", "adder", "src")
    waiting = store.create("dan", "adder", "src")
    assert store.claim_next("w1", lease_s=60, max_attempts=1).submission_id == spent.id
    # w1 died: its lease runs out, and it had the only attempt. The next look records it and goes on.
    assert store.claim_next("w2", lease_s=0, max_attempts=1).submission_id == waiting.id
    row = store.get(spent.id)
    assert (row.status, row.score) == ("ERROR", None)  # an ERROR has no score, never 0
    assert row.verdict["status"] == "ERROR" and row.verdict["score"] is None
    assert "gave up after 1 attempts" in row.verdict["message"] and "no attempts left (1 of 1)" in row.log


def test_a_retry_is_taken_when_it_is_due(store):
    sub = store.create("dan", "adder", "src")
    store.claim_next("w1", lease_s=60, max_attempts=3)
    assert store.retry_later(sub.id, 1, "attempt 1: ERROR; retry in 0.3 s", countdown_s=0.3)
    row = store.get(sub.id)
    assert (row.status, row.attempts, row.heartbeat_at) == ("PENDING", 1, None)
    assert store.claim_next("w1", lease_s=60, max_attempts=3) is None  # not due yet
    time.sleep(0.35)
    assert store.claim_next("w2", lease_s=60, max_attempts=3).attempts == 2


def test_workers_claiming_at_once_never_take_the_same_job(db_url):
    """Eight threads, each with a store (its own connections), claim from 40 jobs at once: each job is taken
    exactly once, none is left (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the write lock)."""
    SubmissionStore(db_url=db_url).ensure_schema()
    seeding = SubmissionStore(db_url=db_url)
    ids = {seeding.create(f"s{i}", "adder", "src").id for i in range(40)}
    taken: list[uuid.UUID] = []
    lock, start = threading.Lock(), threading.Barrier(8)

    def claim_all(name: str) -> None:
        store = SubmissionStore(db_url=db_url)
        start.wait()
        while (claim := store.claim_next(name, lease_s=60, max_attempts=3)) is not None:
            with lock:
                taken.append(claim.submission_id)
        store.dispose()

    threads = [threading.Thread(target=claim_all, args=(f"w{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(ids) and len(taken) == len(set(taken)) == 40
    seeding.dispose()


def test_a_queued_job_is_announced_on_postgresql(request):
    """store.create NOTIFYs the workers' channel when it commits: an idle worker wakes at once, not at its poll."""
    import psycopg

    postgres = request.getfixturevalue("postgres")
    url = postgres.new_database("notify_test")
    store = SubmissionStore(db_url=url)
    store.ensure_schema()
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as listener:
        listener.execute(f"LISTEN {JOBS_CHANNEL}")
        assert list(listener.notifies(timeout=0.2)) == []
        store.create("ann", "adder", "src")
        assert [n.channel for n in listener.notifies(timeout=5, stop_after=1)] == [JOBS_CHANNEL]
    store.dispose()
