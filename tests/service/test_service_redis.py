"""Production wiring: a real redis-server as broker and result backend, a real PostgreSQL as the store."""

from __future__ import annotations

import json

import redis

from .conftest import FAST, REFERENCE_TESTS, SERVICE, make_bank, wait_all_final

pytestmark = SERVICE


def test_a_job_through_redis_into_postgresql(setup_factory, tmp_path, redis_server, postgres):
    broker = redis_server.url.rsplit("/", 1)[0] + "/1"
    env = {
        "QA_ARENA_BROKER_URL": broker,  # the environment alone, as in a deployment
        "QA_ARENA_DB_URL": postgres.new_database("redis_e2e"),
        "QA_ARENA_PROBLEMS": str(make_bank(tmp_path / "bank")),
    }
    setup = setup_factory("redis", {}, env=env)
    worker = setup.worker("--backend", "local")
    assert f"Connected to redis://:**@127.0.0.1:{redis_server.port}/1" in worker.output

    code, out = setup.submit_json("adder", str(REFERENCE_TESTS))
    assert code == 0, out
    assert (out["status"], out["score"], out["killed"], out["attempts"]) == ("SUCCESS", 100, 3, 1)

    client = redis.Redis.from_url(broker)
    (key,) = client.keys("celery-task-meta-*")  # Redis is the result backend too: the job's summary is there
    meta = json.loads(client.get(key))
    assert meta["status"] == "SUCCESS" and meta["result"]["id"] == out["id"]
    assert client.llen("qa-arena-grading") == 0  # nothing left in the queue
    client.close()

    setup.settings["SubmissionStore.db_url"] = env["QA_ARENA_DB_URL"]
    row = setup.service().store.get(out["id"])
    assert (row.status, row.score, row.verdict["total"]) == ("SUCCESS", 100.0, 3)
    setup.service().store.dispose()


def test_a_busy_worker_with_jobs_waiting_is_not_taken_for_stalled(setup_factory, tmp_path, redis_server, postgres):
    """Jobs wait in the queue longer than stall_s, but the worker's only slot is busy: no reconnect."""
    settings = {
        "SubmissionStore.db_url": postgres.new_database("redis_busy"),
        "GradingQueue.broker_url": redis_server.url.rsplit("/", 1)[0] + "/3",
        "ProblemBank.paths": [str(make_bank(tmp_path / "bank", timeout_s=10, minimal=True))],
        **FAST,
        "GradingQueue.stall_s": 1.0,
    }
    setup = setup_factory("redis-busy", settings)
    worker = setup.worker("--backend", "local", "--concurrency", "1")
    service = setup.service()
    slow = "import time\nfrom adder import add\n\n\ndef test_sum():\n    time.sleep(3)\n    assert add(2, 3) == 5\n"
    ids = [str(service.submit(f"student{i}", "adder", slow).id) for i in range(3)]  # 3 s or more each
    rows = wait_all_final(service, ids, timeout_s=90, worker=worker)
    assert [row.status for row in rows] == ["SUCCESS"] * 3
    assert "reconnecting to the broker" not in worker.output and "Connection to broker lost" not in worker.output
    service.store.dispose()
