"""Failure drills (issue #6): the servers the grading service depends on go away while it works.

- Redis (broker and result backend) restarted in the middle of a burst: every job completes, once.
- PostgreSQL (the submissions) restarted while the worker grades: no submission lost, none recorded twice.
- A worker left on half-open connections to Redis (a NAT timeout, a failover), idle or grading: its
  commands time out (GradingQueue.redis_socket_timeout_s) and it reconnects once jobs wait and it takes
  none (GradingQueue.stall_s), instead of idling until kombu's own check or blocking for good.
- The Docker engine stopped: ERROR with no score once the retries are spent, and grading resumes when
  the engine is back (also within one submission's retries). The engine is a private dockerd
  (DockerDaemon), never the machine's.

Each drill has its own servers (a restart must not disturb other tests) and a real `qa-arena worker`.
"""

from __future__ import annotations

import time

import pytest

from qa_arena.service.models import FINAL, utcnow
from tests.support.servers import PostgresServer, RedisServer, TcpRelay

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

BURST = 12


# A suite whose one test takes a second: jobs long enough to be caught in the middle.
SLOW = "import time\nfrom adder import add\n\n\ndef test_sum():\n    time.sleep(1)\n    assert add(2, 3) == 5\n"


def submit_burst(service, count: int = BURST, source: str | None = None) -> list[str]:
    source = source or REFERENCE_TESTS.read_text()
    return [str(service.submit(f"student{i:02d}", "adder", source).id) for i in range(count)]


def count_final(service, ids) -> int:
    return sum(service.store.get(i).status in FINAL for i in ids)


@pytest.mark.parametrize("persistence", ["aof", "none"])
def test_redis_restarted_mid_burst_every_job_completes_once(
    own_server, setup_factory, tmp_path, request, postgres, persistence
):
    """The broker restarts while jobs run and wait: all complete, each graded once.

    aof: production's Redis (append-only file): the queue survives, nothing needs republishing.
    none: a Redis that forgets its queue: the sweeper republishes the lost jobs (pending_republish_s).
    """
    cgroups = f"qa-arena-svctest-drill-redis-{persistence}-"
    request.addfinalizer(lambda: sweep_cgroups(cgroups))
    redis = own_server(RedisServer(persistent=persistence == "aof"))
    settings = {
        "SubmissionStore.db_url": postgres.new_database(f"drill_redis_{persistence}"),
        "GradingQueue.broker_url": redis.url,
        "ProblemBank.paths": [str(make_bank(tmp_path / "bank"))],
        "LocalSandbox.cgroup_prefix": cgroups,
        **FAST,
    }
    if persistence == "none":
        settings["GradingQueue.pending_republish_s"] = 8.0
    setup = setup_factory("redis-drill", settings)
    worker = setup.worker("--backend", "local", "--concurrency", "2")
    service = setup.service()

    ids = submit_burst(service)
    wait_for(lambda: count_final(service, ids) >= 3, 60, "the first jobs of the burst")
    done_before = count_final(service, ids)
    redis.restart(downtime_s=1.0)
    assert done_before <= BURST - 3  # mid-burst: jobs were running and queued when Redis went away

    rows = wait_all_final(service, ids, timeout_s=60, worker=worker)
    for row in rows:
        assert_graded_once(row)
    assert "Connection to broker lost" in worker.output and worker.output.count("Connected to redis://") >= 2
    republished = [row for row in rows if "message overdue: published again" in row.log]
    if persistence == "none":  # the queue was lost with the restart: the sweeper brought those jobs back
        assert republished and "job lost, published again" in worker.output
    service.store.dispose()


def behind_relay(own_server, request, tmp_path, name: str) -> tuple[TcpRelay, dict[str, object]]:
    """A Redis of the test's own behind a TcpRelay, and settings whose broker is reached through the relay."""
    cgroups = f"qa-arena-svctest-drill-{name}-"
    request.addfinalizer(lambda: sweep_cgroups(cgroups))
    redis = own_server(RedisServer())
    relay = TcpRelay(redis.port)
    request.addfinalizer(relay.close)
    return relay, {
        "SubmissionStore.db_url": f"sqlite:///{tmp_path / 'submissions.sqlite3'}",
        "GradingQueue.broker_url": f"redis://127.0.0.1:{relay.port}/0",
        "ProblemBank.paths": [str(make_bank(tmp_path / "bank", minimal=True))],
        "LocalSandbox.cgroup_prefix": cgroups,
        **FAST,
    }


@pytest.mark.parametrize("stall_s", [2.0, 0.0], ids=["watched", "unwatched"])
def test_a_worker_on_a_half_open_connection_reconnects_when_jobs_wait(
    own_server, setup_factory, tmp_path, request, stall_s
):
    """The worker's connections to Redis go silent (no error, no reply) while it waits for jobs.

    watched: jobs wait, the worker has room and takes none: it reconnects within stall_s and grades them,
    the job that the frozen connection's BRPOP took included (published again, not after pending_republish_s).
    unwatched (stall_s 0): the same worker idles (kombu would drop the connection only after 26 s), which
    shows that what the watched worker recovers from is a real stall.
    """
    relay, settings = behind_relay(own_server, request, tmp_path, "stall")
    setup = setup_factory("stall-drill", {**settings, "GradingQueue.stall_s": stall_s})
    worker = setup.worker("--backend", "local", "--concurrency", "2")
    service = setup.service()
    time.sleep(1.0)  # its consumer is waiting for jobs (BRPOP) on its connection
    assert relay.freeze() >= 1
    # Published at once, on new connections (relayed): the first job is likely taken by the BRPOP pending on
    # the frozen connection, whose reply never arrives. It must be published again after the reconnect.
    ids = submit_burst(service, count=3)

    if stall_s:
        rows = wait_all_final(service, ids, timeout_s=20, worker=worker)  # well before kombu's 26 s
        for row in rows:
            assert_graded_once(row)
        assert "took none: reconnecting to the broker" in worker.output
        assert "Connection to broker lost" in worker.output and worker.output.count("Connected to redis://") >= 2
    else:
        time.sleep(8.0)
        assert [service.store.get(i).attempts for i in ids] == [0, 0, 0], worker.output[-3000:]
        assert "reconnecting to the broker" not in worker.output
    service.store.dispose()


def test_a_worker_whose_connections_go_silent_while_it_grades_finishes_the_burst(
    own_server, setup_factory, tmp_path, request
):
    """The worker's connections to Redis go silent while both its slots grade and jobs wait. Its
    acknowledgements time out (GradingQueue.redis_socket_timeout_s) instead of blocking it for good, the
    stall watch reconnects it, and every job is graded once."""
    relay, settings = behind_relay(own_server, request, tmp_path, "silent")
    setup = setup_factory("silent-drill", {**settings, "GradingQueue.redis_socket_timeout_s": 3.0})
    worker = setup.worker("--backend", "local", "--concurrency", "2")
    service = setup.service()
    ids = submit_burst(service, count=6, source=SLOW)

    def both_running() -> bool:
        return sum(service.store.get(i).status == "RUNNING" for i in ids) == 2

    wait_for(both_running, 60, "both slots to grade", interval_s=0.02)
    assert relay.freeze() >= 1

    rows = wait_all_final(service, ids, timeout_s=60, worker=worker)
    for row in rows:
        assert_graded_once(row)
    assert "took none: reconnecting to the broker" in worker.output
    service.store.dispose()


def test_postgresql_restarted_while_grading_loses_no_submission(own_server, setup_factory, tmp_path, request):
    """The submissions database restarts, for less than a lease, while jobs are being graded: every
    submission ends final, graded once, its result recorded once (jobs that finished grading while the
    database was away keep their verdict)."""
    cgroups = "qa-arena-svctest-drill-pg-"
    request.addfinalizer(lambda: sweep_cgroups(cgroups))
    pg = own_server(PostgresServer())
    redis = own_server(RedisServer(persistent=True))
    settings = {
        "SubmissionStore.db_url": pg.url,
        "GradingQueue.broker_url": redis.url,
        "ProblemBank.paths": [str(make_bank(tmp_path / "bank", minimal=True))],  # golden + one mutant
        "LocalSandbox.cgroup_prefix": cgroups,
        **FAST,
        "Grader.lease_s": 10.0,  # longer than the outage, as production's 60 s lease is longer than a restart
    }
    setup = setup_factory("pg-drill", settings)
    worker = setup.worker("--backend", "local", "--concurrency", "2")
    service = setup.service()

    ids = submit_burst(service, count=8, source=SLOW)  # each job grades for more than a second

    def just_started() -> bool:  # a job with most of its grading ahead of it
        now = utcnow()
        rows = [service.store.get(i) for i in ids]
        return any(r.status == "RUNNING" and (now - r.started_at).total_seconds() < 0.5 for r in rows)

    wait_for(just_started, 60, "a job to start", interval_s=0.02)
    service.store.dispose()  # our connections would break like the worker's
    pg.restart(downtime_s=3.0)  # longer than the rest of that job: it finishes grading while the database is away

    rows = wait_all_final(service, ids, timeout_s=60)
    for row in rows:
        assert_graded_once(row)
    assert "could not record attempt 1" in worker.output  # a verdict waited for the database, and was kept
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
    """The pool lives in a Celery pool process, which exits without atexit: the shutdown signal drains it."""
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
