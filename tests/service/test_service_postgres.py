"""Production wiring: workers configured by the environment alone, on a real PostgreSQL that is also their queue."""

from __future__ import annotations

import time

from .conftest import REFERENCE_TESTS, SERVICE, make_bank, wait_for

pytestmark = SERVICE


def test_a_job_through_postgresql_wakes_an_idle_worker_at_once(setup_factory, tmp_path, postgres):
    """The worker polls only every 30 s here: a job taken within seconds was announced by NOTIFY."""
    env = {
        "QA_ARENA_DB_URL": postgres.new_database("pg_e2e"),  # the environment alone, as in a deployment
        "QA_ARENA_PROBLEMS": str(make_bank(tmp_path / "bank")),
        "QA_ARENA_BROKER_URL": "redis://:secret@redis:6379/0",  # left over from an older deployment
    }
    setup = setup_factory("postgres", {"JobQueue.poll_interval_s": 30.0}, env=env)
    worker = setup.worker("--backend", "local")
    assert "QA_ARENA_BROKER_URL is set but no longer read" in worker.output  # said, and harmless
    time.sleep(1.0)  # idle, listening

    queued_at = time.monotonic()
    code, out = setup.submit_json("adder", str(REFERENCE_TESTS))
    assert code == 0, out
    assert (out["status"], out["score"], out["killed"], out["attempts"]) == ("SUCCESS", 100, 3, 1)
    assert time.monotonic() - queued_at < 15  # not the 30 s poll

    setup.settings["SubmissionStore.db_url"] = env["QA_ARENA_DB_URL"]
    service = setup.service()
    row = service.store.get(out["id"])
    assert (row.status, row.score, row.verdict["total"]) == ("SUCCESS", 100.0, 3)
    assert (row.started_at - row.queued_at).total_seconds() < 2, row.log  # taken as soon as it was queued
    service.store.dispose()


def test_a_worker_started_before_the_database_is_up_waits_for_it(setup_factory, tmp_path, own_server):
    """A worker whose database is not there yet says so and keeps trying (a deployment starting in any order)."""
    from tests.support.servers import PostgresServer

    pg = own_server(PostgresServer())
    url = pg.new_database("late")
    pg.halt()
    settings = {"SubmissionStore.db_url": url, "ProblemBank.paths": [str(make_bank(tmp_path / "bank"))]}
    setup = setup_factory("late", settings)
    worker = setup.worker("--backend", "local", ready=False)
    wait_for(lambda: "cannot" in worker.output or worker.proc.poll() is not None, 30, "the worker to notice")
    assert worker.proc.poll() is None, worker.output
    pg.resume()
    worker.wait_ready(timeout_s=60)
    code, out = setup.submit_json("adder", str(REFERENCE_TESTS))
    assert code == 0 and out["status"] == "SUCCESS", out
