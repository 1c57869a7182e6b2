"""Grading jobs through the embedded default (a SQLite database, which is the queue) to real `qa-arena worker`
processes (local sandbox)."""

from __future__ import annotations

import time

from qa_arena.grading.judge import Judge
from qa_arena.grading.problem import load_problem

from .conftest import (
    REFERENCE_TESTS,
    SERVICE,
    assert_graded_once,
    embedded_settings,
    make_bank,
    wait_all_final,
    wait_for,
)

pytestmark = SERVICE

NOTHING_VALID = "from adder import add\n\n\ndef test_wrong():\n    assert add(1, 1) == 3\n"
VERDICT_KEYS = {
    "problem", "status", "score", "kill_ratio", "killed", "total", "valid_tests", "invalid_tests", "tests",
    "variants", "duration_s", "message", "problem_sha256", "collection", "collection_note",
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


def test_workers_sharing_a_database_grade_each_job_once(setup_factory, tmp_path):
    """Two workers (one with two job processes) on one SQLite file take 12 jobs between them: each is graded
    exactly once, and both workers took some."""
    bank = make_bank(tmp_path / "bank", timeout_s=20, minimal=True)
    setup = setup_factory("shared", embedded_settings(tmp_path, bank))
    first, second = setup.worker("--backend", "local", "--concurrency", "2"), setup.worker("--backend", "local")
    service = setup.service()
    ids = [service.submit(f"s{i:02d}", "adder", REFERENCE_TESTS.read_text()).id for i in range(12)]
    rows = wait_all_final(service, ids, timeout_s=120, worker=first)
    for row in rows:
        assert_graded_once(row)
    by_worker = {row.worker.rsplit("/", 1)[0] for row in rows}
    assert len(by_worker) == 2, by_worker
    assert "ready." in second.output


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


SLOW = "import time\nfrom adder import add\n\n\ndef test_sum():\n    time.sleep(2)\n    assert add(2, 3) == 5\n"


def test_a_warm_shutdown_finishes_the_job_under_way(setup_factory, tmp_path):
    setup = setup_factory("warm", embedded_settings(tmp_path, make_bank(tmp_path / "bank", timeout_s=20, minimal=True)))
    worker = setup.worker("--backend", "local")
    service = setup.service()
    submission = service.submit("fay", "adder", SLOW)
    wait_for(lambda: service.store.get(submission.id).status == "RUNNING", 30, "the job to start")
    assert worker.terminate() == 0  # SIGTERM, as a service manager stops it
    assert_graded_once(service.store.get(submission.id))  # finished before the worker exited
    assert "stopping: each job process finishes its job first (SIGTERM)" in worker.output


def test_a_job_over_the_time_limit_is_killed_and_taken_again_until_its_attempts_are_spent(setup_factory, tmp_path):
    settings = embedded_settings(
        tmp_path,
        make_bank(tmp_path / "bank", timeout_s=20, minimal=True),
        **{"JobQueue.time_limit_s": 1.0, "Grader.max_attempts": 2},
    )
    setup = setup_factory("limit", settings)
    worker = setup.worker("--backend", "local")
    service = setup.service()
    done = service.wait(service.submit("gus", "adder", SLOW).id, timeout_s=60)
    assert (done.status, done.score, done.attempts) == ("ERROR", None, 2), done.log
    assert "gave up after 2 attempts" in done.verdict["message"] and "attempt 1 lost" in done.log
    assert worker.output.count("ran its job over 1 s: killed") == 2
    assert "job process 1 exited" in worker.output  # and was started again, which took the job again


def test_the_alive_file_is_touched_while_the_worker_can_grade(setup_factory, tmp_path):
    alive = tmp_path / "alive"
    setup = setup_factory(
        "alive", embedded_settings(tmp_path, make_bank(tmp_path / "bank", timeout_s=20, minimal=True))
    )
    worker = setup.worker("--backend", "local", "--alive-file", str(alive))
    first = wait_for(lambda: alive.exists() and alive.stat().st_mtime, 10, "the alive file")
    wait_for(lambda: alive.stat().st_mtime > first, 5, "the alive file to be touched again")
    worker.kill()
    stopped = alive.stat().st_mtime
    time.sleep(1.5)
    assert alive.stat().st_mtime == stopped
