"""Production wiring: a real redis-server as broker and result backend, a real PostgreSQL as the store."""

from __future__ import annotations

import json

import redis

from .conftest import REFERENCE_TESTS, SERVICE, make_bank

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
