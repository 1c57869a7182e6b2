"""`qa-arena worker`: processes that take grading jobs from the submissions table and grade them.

The worker's main process supervises `JobQueue.concurrency` job processes (spawned, one job at a time
each): it restarts one that died, kills one whose job ran over `JobQueue.time_limit_s`, and removes
judge containers left by a killed worker of this host. A job process's loop is claim, grade, record;
when no job is ready it waits (queue.Wakeup). Job processes die with the main process (PR_SET_PDEATHSIG),
so a SIGKILLed worker leaves no grading behind: its jobs' leases run out and other workers take them.
SIGTERM or SIGINT: each job process finishes its job, then everything exits (exit code 0).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError
from traitlets.config import Config

from qa_arena.service.grading import worker_name
from qa_arena.service.queue import Wakeup
from qa_arena.service.service import GradingService

log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1
DATABASE_AWAY = (OperationalError, InterfaceError)


def die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies (a killed worker leaves no job process)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class JobProcess:
    """One job slot: a spawned process running `run_slot`, and what the supervisor knows of it."""

    def __init__(self, context, config: Config, slot: int, loglevel: str) -> None:
        self.slot = slot
        self.job_started = context.Value("d", 0.0)  # time.monotonic() when its job began; 0: idle
        self.looked = context.Value("d", 0.0)  # time.monotonic() when the database last answered it
        self.stopping = context.Event()
        self.process = context.Process(
            target=run_slot,
            args=(config, f"{worker_name()}/{slot}", loglevel, self.job_started, self.looked, self.stopping),
            name=f"qa-arena-job-{slot}",
            daemon=False,
        )
        self.process.start()

    def running_for(self) -> float:
        started = self.job_started.value
        return time.monotonic() - started if started else 0.0


def run_slot(config: Config, name: str, loglevel: str, job_started, looked, stopping) -> None:
    """A job process: take jobs and grade them until asked to stop. `name`: the worker's host:pid/slot."""
    die_with_parent()
    for signum in (signal.SIGTERM, signal.SIGINT):  # the supervisor says when to stop (stopping)
        signal.signal(signum, signal.SIG_IGN)
    logging.basicConfig(level=loglevel, format=f"[%(asctime)s %(levelname)s {name}] %(message)s")
    service = GradingService(config=config)
    wakeup = Wakeup(service.store, service.queue)
    grader, store = service.grader, service.store
    try:
        while not stopping.is_set():
            wakeup.listen()
            try:
                claim = store.claim_next(name, grader.lease_s, grader.max_attempts)
            except DATABASE_AWAY as exc:
                log.warning("cannot look for jobs: %s", " ".join(str(exc).split())[:300])
                store.dispose()
                stopping.wait(wakeup.interval_s)
                continue
            looked.value = time.monotonic()
            if claim is None:
                wakeup.wait(stopping)
                continue
            job_started.value = time.monotonic()
            try:
                result = grader.run(claim)
                log.info("submission %s: %s", claim.submission_id, result)
            except DATABASE_AWAY as exc:  # the verdict could not be recorded: graded again after its lease
                log.warning("submission %s: not recorded: %s", claim.submission_id, " ".join(str(exc).split())[:300])
            finally:
                job_started.value = 0.0
    finally:
        wakeup.close()
        from qa_arena.grading.sandbox.docker import DockerSandbox

        DockerSandbox.drain_pools()  # pre-started judge containers go with their process


class Supervisor:
    """The worker's main process: starts the job processes, keeps them running, reaps orphaned containers."""

    TICK_S = 0.5

    def __init__(self, service: GradingService, loglevel: str = "INFO", alive_file: str | None = None) -> None:
        self.service, self.loglevel = service, loglevel
        self.alive_file = Path(alive_file) if alive_file else None
        self.context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited connections
        self.slots: list[JobProcess] = []
        self.stop_requested = threading.Event()
        self._reaping_refused = False
        self._reaped_at = 0.0

    def start_slot(self, slot: int) -> JobProcess:
        return JobProcess(self.context, self.service.config, slot, self.loglevel)

    def request_stop(self, signum=None, _frame=None) -> None:
        if not self.stop_requested.is_set():
            log.info("stopping: each job process finishes its job first (%s)", signal.Signals(signum).name)
        self.stop_requested.set()

    def run(self) -> int:
        queue, store = self.service.queue, self.service.store
        while True:  # a deployment may start the workers before their database
            try:
                store.ensure_schema()
                break
            except DATABASE_AWAY as exc:
                reason = " ".join(str(exc).split())[:300]
                log.warning("cannot reach the submissions database (%s): trying again in 2 s", reason)
                store.dispose()
                if self.stop_requested.wait(2.0):
                    return 0
        log.info("problem bank: %s", ", ".join(self.service.bank.paths) or "(empty: set QA_ARENA_PROBLEMS)")
        log.info("submissions database: %s", store.engine.url.render_as_string(hide_password=True))
        store.dispose()  # the supervisor holds no connection while it waits
        self.slots = [self.start_slot(i + 1) for i in range(queue.concurrency)]
        deadline = time.monotonic() + 120
        while not all(job.looked.value for job in self.slots) and time.monotonic() < deadline:
            if self.stop_requested.wait(0.05) or not all(job.process.is_alive() for job in self.slots):
                break  # what went wrong is said below
        log.info("qa-arena worker %s: %d job process(es) ready.", worker_name(), queue.concurrency)
        while not self.stop_requested.wait(self.TICK_S):
            self.watch_slots()
            self.touch_alive()
            if time.monotonic() - self._reaped_at >= queue.sweep_interval_s:
                self._reaped_at = time.monotonic()
                self.reap_judge_containers()
        for job in self.slots:
            job.stopping.set()
        for job in self.slots:
            job.process.join()
        log.info("qa-arena worker %s stopped.", worker_name())
        return 0

    def watch_slots(self) -> None:
        """Restart a job process that died; kill one whose job ran over the time limit (restarted next tick)."""
        limit = self.service.queue.time_limit_s
        for i, job in enumerate(self.slots):
            if not job.process.is_alive():
                log.error("job process %d exited with %s: starting another", job.slot, job.process.exitcode)
                self.slots[i] = self.start_slot(job.slot)
            elif job.running_for() > limit:
                log.error("job process %d ran its job over %.0f s: killed (the job is taken again)", job.slot, limit)
                job.process.kill()
                job.process.join()

    def touch_alive(self) -> None:
        """The health file: touched while every job process is alive and is grading or reached the database."""
        if self.alive_file is None:
            return
        now, recent = time.monotonic(), 3 * max(self.service.queue.poll_interval_s, 10.0)

        def answering(job: JobProcess) -> bool:
            return job.process.is_alive() and bool(job.job_started.value or now - job.looked.value < recent)

        if all(answering(job) for job in self.slots):
            self.alive_file.touch()

    def reap_judge_containers(self) -> None:
        """Judge containers left by a worker of this host that was killed (SIGKILL leaves its pool behind)."""
        import docker

        from qa_arena.grading.judge import Judge
        from qa_arena.grading.sandbox.docker import DockerSandbox

        try:
            if self._reaping_refused or Judge(config=self.service.config).backend_name() != "docker":
                return
            reaped = DockerSandbox.reap_orphans()
        except docker.errors.APIError as exc:
            if exc.status_code != 403:
                log.warning("could not look for orphaned judge containers: %s", exc)
                return
            # The deployment's Docker proxy lists no containers; it removes a judge container itself when
            # the container's stream closes, as it does when its worker dies.
            log.info("not looking for orphaned judge containers: the Docker API refuses to list them")
            self._reaping_refused = True
            return
        except Exception as exc:  # the Docker engine is away: next time
            log.warning("could not look for orphaned judge containers: %s", exc)
            return
        for name in reaped:
            log.warning("removed %s: the judge container of a worker that is gone", name)


def run_worker(service: GradingService, loglevel: str = "INFO", alive_file: str | None = None) -> int:
    """Run a worker in this process until SIGTERM or SIGINT; its exit code."""
    logging.basicConfig(level=loglevel, format="[%(asctime)s %(levelname)s worker] %(message)s", stream=sys.stderr)
    supervisor = Supervisor(service, loglevel, alive_file)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, supervisor.request_stop)
    log.info("starting on %s (pid %d)", socket.gethostname(), os.getpid())
    return supervisor.run()
