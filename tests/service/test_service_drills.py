"""Failure drills: the servers the grading service depends on go away, or go silent, while it works.

- PostgreSQL (the submissions, which are also the queue) restarted in the middle of a 50-job burst, while
  jobs run and wait: every job reaches a final status exactly once (jobs that finished grading while the
  database was away keep their verdict).
- Half-open connections: every connection the workers hold to PostgreSQL goes silent at once (the workers
  run in a network namespace, NetworkLink; the packets of those connections are dropped, new connections
  work), while jobs run and wait. The workers notice within SubmissionStore.tcp_timeout_s and reconnect;
  every job is graded, once, within 60 s.
- A worker SIGKILLed mid-grade: test_service_recovery.py. The Docker engine stopped: ERROR with no score
  once the retries are spent, and grading resumes when the engine is back (also within one submission's
  retries). The engine is a private dockerd (DockerDaemon), never the machine's.

Each drill has its own servers (a restart must not disturb other tests) and real `qa-arena worker`s; each
prints its recovery time ([drill] lines, shown with -s).
"""

from __future__ import annotations

import time

import pytest

from qa_arena.service.models import FINAL, utcnow
from tests.support.servers import NetworkLink, PostgresServer, ServiceUnavailable

from .conftest import (
    FAST,
    REFERENCE_TESTS,
    SERVICE,
    assert_graded_once,
    embedded_settings,
    make_bank,
    sweep_cgroups,
    wait_all_final,
    wait_for,
)

pytestmark = [*SERVICE, pytest.mark.slow]

BURST = 50


# A suite whose one test takes a second: jobs long enough to be caught in the middle.
SLOW = "import time\nfrom adder import add\n\n\ndef test_sum():\n    time.sleep(1)\n    assert add(2, 3) == 5\n"


def submit_burst(service, count: int = BURST, source: str | None = None) -> list[str]:
    source = source or REFERENCE_TESTS.read_text()
    return [str(service.submit(f"student{i:02d}", "adder", source).id) for i in range(count)]


def count_final(service, ids) -> int:
    return sum(service.store.get(i).status in FINAL for i in ids)


def test_postgresql_restarted_mid_burst_every_job_is_final_once(
    own_server, setup_factory, tmp_path, request, drill_report
):
    """The database restarts, for less than a lease, while a 50-job burst is graded by two workers: every
    submission ends final, graded once, its result recorded once."""
    cgroups = "qa-arena-svctest-drill-pg-"
    request.addfinalizer(lambda: sweep_cgroups(cgroups))
    pg = own_server(PostgresServer())
    settings = {
        "SubmissionStore.db_url": pg.url,
        "ProblemBank.paths": [str(make_bank(tmp_path / "bank", minimal=True))],  # golden + one mutant
        "LocalSandbox.cgroup_prefix": cgroups,
        **FAST,
        "Grader.lease_s": 10.0,  # longer than the outage, as production's 20 s lease is longer than a restart
    }
    setup = setup_factory("pg-drill", settings)
    workers = [setup.worker("--backend", "local", "--concurrency", "2"), setup.worker("--backend", "local")]
    service = setup.service()

    ids = submit_burst(service, source=SLOW)  # each job grades for more than a second

    def just_started() -> bool:  # a job with most of its grading ahead of it, and jobs still waiting
        now = utcnow()
        rows = [service.store.get(i) for i in ids]
        fresh = any(r.status == "RUNNING" and (now - r.started_at).total_seconds() < 0.5 for r in rows)
        return fresh and sum(r.status == "PENDING" for r in rows) >= 10

    wait_for(just_started, 60, "a job to start", interval_s=0.02)
    service.store.dispose()  # our connections would break like the workers'
    pg.restart(downtime_s=3.0)  # longer than the rest of that job: it finishes grading while the database is away
    back_at, back_utc = time.monotonic(), utcnow()

    rows = wait_all_final(service, ids, timeout_s=120, worker=workers[0])
    for row in rows:
        assert_graded_once(row)
    output = "".join(worker.output for worker in workers)
    assert "could not record attempt 1" in output  # a verdict waited for the database, and was kept
    resumed_s = min((r.started_at - back_utc).total_seconds() for r in rows if r.started_at > back_utc)
    drill_report(
        f"PostgreSQL restarted mid-burst (3 s down): jobs taken again {resumed_s:.1f} s after it was back; all "
        f"{BURST} final, each recorded once, {time.monotonic() - back_at:.1f} s after"
    )
    service.store.dispose()


def test_workers_whose_connections_go_half_open_recover_within_a_minute(
    own_server, setup_factory, tmp_path, request, drill_report
):
    """Every connection the workers hold to PostgreSQL goes silent while both job slots grade and more jobs
    wait; jobs queued afterwards wait too. With the default SubmissionStore.tcp_timeout_s the workers drop
    those connections, reconnect, and grade every job once, well within 60 s."""
    cgroups = "qa-arena-svctest-drill-halfopen-"
    request.addfinalizer(lambda: sweep_cgroups(cgroups))
    try:
        link = NetworkLink()
    except ServiceUnavailable as exc:
        pytest.skip(str(exc))
    request.addfinalizer(link.close)
    pg = own_server(PostgresServer(also_listen_on=link.host_ip))
    settings = {
        "SubmissionStore.db_url": pg.url_at(link.host_ip),
        "ProblemBank.paths": [str(make_bank(tmp_path / "bank", minimal=True))],
        "LocalSandbox.cgroup_prefix": cgroups,
        **FAST,
        "Grader.lease_s": 20.0,  # the defaults: a lease longer than the time to notice a dead connection
        "Grader.heartbeat_interval_s": 5.0,
    }
    setup = setup_factory("half-open-drill", settings)
    worker = setup.worker("--backend", "local", "--concurrency", "2", wrap=link.command)
    service = setup.service()
    service.store.db_url = pg.url  # the test itself is not behind the link
    ids = submit_burst(service, count=4, source=SLOW)
    wait_for(lambda: sum(service.store.get(i).status == "RUNNING" for i in ids) == 2, 60, "both slots to grade")

    silenced = link.silence_connections()
    cut_at = time.monotonic()
    assert silenced >= 2, silenced  # each job process's pooled connection (and its LISTEN one)
    ids += submit_burst(service, count=4, source=SLOW)

    rows = wait_all_final(service, ids, timeout_s=60, worker=worker)
    recovered_s = time.monotonic() - cut_at
    for row in rows:
        assert row.status == "SUCCESS" and row.log.count(": SUCCESS") == 1, row.log  # recorded once each
    drill_report(f"half-open connections: {silenced} silenced, all {len(ids)} jobs final {recovered_s:.1f} s later")
    assert recovered_s < 60
    service.store.dispose()


def docker_service(setup_factory, tmp_path, daemon, **settings):
    """A worker with the docker backend on the private engine (DOCKER_HOST), after one job that warms it up.

    The warm-up also leaves a started container in the worker's pool, as a long-lived worker has."""
    bank = make_bank(tmp_path / "bank")
    setup = setup_factory(
        "docker-drill", embedded_settings(tmp_path, bank, **settings), env={"DOCKER_HOST": daemon.url}
    )
    setup.worker("--backend", "docker")
    service = setup.service()
    warm = service.wait(service.submit("warm-up", "adder", REFERENCE_TESTS.read_text()).id, timeout_s=60)
    assert_graded_once(warm)

    def only_the_pooled_one() -> bool:  # the warm-up's container removed, the next one started and waiting
        running, every = (daemon.docker("ps", *a, "-q").stdout.split() for a in ([], ["-a"]))
        return len(running) == len(every) == 1

    wait_for(only_the_pooled_one, 30, "the worker's pool to hold a started container")
    service.worker_process = setup.workers[0]
    return service


@pytest.mark.docker
def test_docker_stopped_gives_error_after_retries_then_grading_resumes(docker_engine, setup_factory, tmp_path):
    """Engine stopped: each attempt fails, max_attempts of them, then ERROR with no score. Engine back: the
    next submission is graded normally, at its first attempt (not on the pooled container the stop killed)."""
    daemon = docker_engine
    service = docker_service(setup_factory, tmp_path, daemon, **{"Grader.max_attempts": 3})
    source = REFERENCE_TESTS.read_text()

    daemon.halt()
    assert not daemon.ping()
    down = service.wait(service.submit("bob", "adder", source).id, timeout_s=60)
    assert (down.status, down.score, down.attempts) == ("ERROR", None, 3), down.log
    assert (down.verdict["status"], down.verdict["score"]) == ("ERROR", None)
    assert "no Docker engine answers" in down.verdict["message"]
    assert down.log.count("judge warning: grading adder failed: no Docker engine answers") == 3, down.log
    assert "attempt 1: ERROR" in down.log and "retry in 0.3 s" in down.log, down.log
    assert "attempt 2: ERROR" in down.log and "retry in 0.6 s" in down.log, down.log
    assert "attempt 3: ERROR, the grader could not grade: no Docker engine answers" in down.log, down.log
    assert "attempt 4" not in down.log and down.log.count(": ERROR") == 3, down.log

    daemon.resume()
    back = service.wait(service.submit("carol", "adder", source).id, timeout_s=60)
    assert_graded_once(back)  # the first job after the outage: no attempt wasted on a container of before
    assert (back.verdict["killed"], back.verdict["total"]) == (3, 3)
    service.store.dispose()


@pytest.mark.docker
def test_docker_back_before_the_retries_run_out_gives_success(docker_engine, setup_factory, tmp_path):
    """Engine stopped, a submission's first attempt fails; the engine is back before the retry: SUCCESS."""
    daemon = docker_engine
    settings = {"Grader.max_attempts": 3, "Grader.retry_backoff_s": 4.0}  # time to bring the engine back
    service = docker_service(setup_factory, tmp_path, daemon, **settings)

    daemon.halt()
    submission = service.submit("dave", "adder", REFERENCE_TESTS.read_text())
    wait_for(lambda: "attempt 1: ERROR" in service.store.get(submission.id).log, 30, "the first attempt to fail")
    daemon.resume()
    done = service.wait(submission.id, timeout_s=60)
    assert (done.status, done.score, done.attempts) == ("SUCCESS", 100.0, 2), done.log
    assert "no Docker engine answers" in done.log and "retry in 4.0 s" in done.log, done.log
    assert done.log.count("attempt 2: SUCCESS, score 100") == 1 and done.log.count(": SUCCESS") == 1, done.log
    assert (done.verdict["killed"], done.verdict["total"]) == (3, 3)
    service.store.dispose()


@pytest.mark.docker
def test_a_stopped_worker_takes_its_pre_started_container_along(docker_engine, setup_factory, tmp_path):
    """The pool lives in a job process: a warm shutdown (SIGTERM) drains it before the process exits."""
    daemon = docker_engine
    service = docker_service(setup_factory, tmp_path, daemon)
    assert service.worker_process.terminate() == 0  # a warm shutdown, as a service manager stops it
    assert daemon.docker("ps", "-aq").stdout.split() == []
    service.store.dispose()


def test_a_private_dockerds_namespace_is_one_containerd_accepts():
    """mkdtemp's random part may hold "_": containerd refused "qa-arena-dockerd-_s0_01cp" (a CI flake)."""
    import re
    from pathlib import Path

    from tests.support.servers import DockerDaemon

    valid = re.compile(r"^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$")  # containerd's identifier rule
    for random in ("_s0_01cp", "ab__cd", "abc_", "plain123"):
        assert valid.fullmatch(DockerDaemon.namespace_for(Path(f"/tmp/qa-arena-dockerd-{random}")))
