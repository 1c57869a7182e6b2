"""Grading jobs through the embedded broker to real `qa-arena worker` processes (local sandbox)."""

from __future__ import annotations

import pytest

from qa_arena.grading.judge import Judge
from qa_arena.grading.problem import load_problem
from qa_arena.service.queue import TASK_NAME
from qa_arena.service.service import GradingService

from .conftest import REFERENCE_TESTS, SERVICE, embedded_settings, make_bank, wait_for

pytestmark = SERVICE

NOTHING_VALID = "from adder import add\n\n\ndef test_wrong():\n    assert add(1, 1) == 3\n"
VERDICT_KEYS = {
    "problem", "status", "score", "kill_ratio", "killed", "total", "valid_tests", "invalid_tests", "tests",
    "variants", "duration_s", "message", "problem_sha256",
}  # fmt: skip


def test_a_submission_is_graded_by_the_worker_like_the_judge(embedded):
    service = embedded.service()
    source = REFERENCE_TESTS.read_text()
    submission = service.submit("alice", "adder", source)
    done = service.wait(submission.id, timeout_s=60)

    assert done.status == "SUCCESS", done.log
    assert (done.attempts, done.username, done.problem, done.source) == (1, "alice", "adder", source)
    assert set(done.verdict) == VERDICT_KEYS
    direct = Judge(sandbox_class="local").grade(
        load_problem(embedded.settings["ProblemBank.paths"][0] + "/adder"), source
    )
    for key in ("problem", "status", "score", "kill_ratio", "killed", "total", "valid_tests", "tests"):
        assert done.verdict[key] == direct.to_dict()[key], key
    assert done.verdict["problem_sha256"] == direct.problem_sha256 is not None  # the version the worker graded
    assert done.score == direct.score == 100.0
    assert done.queued_at <= done.started_at <= done.finished_at
    assert "attempt 1 started on" in done.log and "attempt 1: SUCCESS, score 100" in done.log


def test_failure_is_final_not_retried(embedded):
    service = embedded.service()
    done = service.wait(service.submit("bob", "adder", NOTHING_VALID).id, timeout_s=60)
    assert (done.status, done.score, done.attempts) == ("FAILURE", 0.0, 1), done.log
    assert done.verdict["valid_tests"] == 0 and "retry" not in done.log


def test_a_redelivered_job_grades_once(embedded):
    """Three deliveries of one submission: two at once (one finds a live lease), one after the verdict."""
    service = embedded.service()
    submission = service.submit("carol", "adder", REFERENCE_TESTS.read_text())
    service.publish(submission.id)  # a duplicate while the first is queued or running
    done = service.wait(submission.id, timeout_s=60)
    assert done.status == "SUCCESS", done.log
    service.publish(submission.id)  # a late duplicate, e.g. redelivered after a broker hiccup
    final = wait_for(
        lambda: (row := service.store.get(submission.id)).log.count("duplicate delivery skipped") == 2 and row,
        timeout_s=30,
        what="both duplicates to be skipped",
    )
    assert final.attempts == 1
    assert final.log.count("attempt 1: SUCCESS") == 1 and "attempt 2" not in final.log
    assert "duplicate delivery skipped: already SUCCESS" in final.log
    assert (final.finished_at, final.verdict) == (done.finished_at, done.verdict)


def test_an_error_is_retried_with_backoff_then_recorded_as_error(setup_factory, tmp_path):
    """CrashSandbox never starts: each attempt is an infrastructure ERROR; 3 attempts, then ERROR with no score."""
    bank = make_bank(tmp_path / "bank")
    setup = setup_factory("crash", embedded_settings(tmp_path, bank, **{"Grader.max_attempts": 3}))
    setup.worker("--backend", "tests.ai.fakes.CrashSandbox")
    code, out = setup.submit_json("adder", str(REFERENCE_TESTS))

    assert code == 1, out  # like `qa-arena judge`: the grader could not grade
    assert (out["status"], out["score"], out["attempts"]) == ("ERROR", None, 3)
    assert "CrashSandbox" in out["message"]
    row = setup.service().store.get(out["id"])
    assert (row.status, row.score) == ("ERROR", None)
    assert "retry in 0.3 s" in row.log and "retry in 0.6 s" in row.log  # exponential backoff
    assert "attempt 3: ERROR" in row.log
    assert (row.finished_at - row.queued_at).total_seconds() >= 0.9


@pytest.mark.parametrize("broker", ["sqla+sqlite:////tmp/qa-arena-unused/broker.sqlite3", "redis://127.0.0.1:6379/0"])
def test_jobs_are_durable_and_bounded(broker):
    service = GradingService()
    service.queue.broker_url = broker
    conf, task = service.celery.conf, service.celery.tasks[TASK_NAME]
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
    assert task.acks_late and task.reject_on_worker_lost
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    if broker.startswith("redis"):
        assert conf.result_backend == broker  # Redis is the result backend too
        assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    else:  # the embedded broker: kombu's SQL transport on SQLite, no result backend (the store holds verdicts)
        assert conf.broker_transport == "qa_arena.service.broker:Transport"
        assert conf.broker_url == "sqlite:////tmp/qa-arena-unused/broker.sqlite3"
        assert conf.result_backend is None and conf.task_ignore_result


PUBLISH_AT = """
import sys, time
from traitlets.config import Config
from qa_arena.service.service import GradingService

config = Config()
config.GradingQueue.broker_url = sys.argv[1]
service = GradingService(config=config)
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all together
service.publish("00000000-0000-0000-0000-000000000001")
"""


def test_processes_publishing_at_once_to_a_new_embedded_broker(tmp_path):
    """kombu makes the queue's row on first use under a lock of its process only: the others must cope."""
    import subprocess
    import sys
    import time

    for attempt in range(3):  # the race is a matter of timing: a few fresh brokers
        url = f"sqla+sqlite:///{tmp_path / f'broker-{attempt}.sqlite3'}"
        at = str(time.time() + 3)
        runs = [subprocess.Popen([sys.executable, "-c", PUBLISH_AT, url, at], stderr=subprocess.PIPE, text=True)
                for _ in range(4)]  # fmt: skip
        for run in runs:
            _, err = run.communicate(timeout=60)
            assert run.returncode == 0, err[-2000:]
