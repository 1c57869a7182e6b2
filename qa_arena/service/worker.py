"""`qa-arena worker`: a Celery worker for the grading jobs, plus the sweeper that brings lost jobs back.

The sweeper runs in the worker's main process. It puts RUNNING submissions whose worker stopped
heartbeating (SIGKILL, a lost machine, a hard time limit) back to PENDING and publishes their job
again, and republishes PENDING jobs whose message is long overdue. Several workers may sweep at
once: each row changes under a guard, so one job is published once per loss.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from celery import signals

from .broker import prune_delivered
from .service import GradingService

log = logging.getLogger(__name__)


class Sweeper:
    """Every sweep_interval_s: republish lost jobs; on the embedded broker, prune old delivered messages."""

    PRUNE_EVERY_S = 3600.0

    def __init__(self, service: GradingService) -> None:
        self.service = service
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="qa-arena-sweeper", daemon=True)
        self._pruned_at = 0.0

    def sweep(self) -> list[str]:
        """One pass; the ids published again."""
        store, queue = self.service.store, self.service.queue
        ids = [str(i) for i in store.reclaim_stale(self.service.grader.lease_s)]
        ids += [str(i) for i in store.overdue(queue.pending_republish_s, queue.retry_republish_s)]
        for sid in ids:
            log.warning("submission %s: job lost, published again", sid)
            self.service.publish(sid)
        if queue.embedded and time.monotonic() - self._pruned_at > self.PRUNE_EVERY_S:
            self._pruned_at = time.monotonic()
            pruned = prune_delivered(queue.broker_url, queue.delivered_retention_s)
            if pruned:
                log.info("pruned %d delivered messages from the embedded broker", pruned)
        return ids

    def _loop(self) -> None:
        while True:
            try:
                self.sweep()
            except Exception:  # the database or broker may be back next time
                log.exception("sweep failed")
            if self._stop.wait(self.service.queue.sweep_interval_s):
                return

    def start(self, **_signal_kwargs) -> None:
        if not self._thread.is_alive():
            service = self.service
            log.info("problem bank: %s", ", ".join(service.bank.paths) or "(empty: set QA_ARENA_PROBLEMS)")
            log.info("submissions database: %s", service.store.engine.url.render_as_string(hide_password=True))
            self._thread.start()

    def stop(self, **_signal_kwargs) -> None:
        self._stop.set()


def drain_sandbox_pools(**_signal_kwargs) -> None:
    """Pre-started judge containers go with their process (a pool process exits without running atexit)."""
    from ..sandbox.docker import DockerSandbox

    DockerSandbox.drain_pools()


def run_worker(service: GradingService, loglevel: str = "INFO") -> int:
    """Start a worker in this process until it is stopped (SIGTERM: warm shutdown); its exit code."""
    service.store.ensure_schema()
    queue = service.queue
    sweeper = Sweeper(service)
    # Started once the pool's processes exist, so they are not forked from a process running the thread.
    signals.worker_ready.connect(sweeper.start, weak=False)
    signals.worker_shutdown.connect(sweeper.stop, weak=False)
    signals.worker_process_shutdown.connect(drain_sandbox_pools, weak=False)  # prefork pool processes
    signals.worker_shutdown.connect(drain_sandbox_pools, weak=False)  # solo and threads pools
    worker = service.celery.Worker(
        hostname=f"qa-arena.{os.getpid()}@{socket.gethostname()}",
        loglevel=loglevel,
        concurrency=queue.concurrency,
        pool_cls=queue.pool,
        queues=[queue.queue],
        without_mingle=True,
        without_gossip=True,
        without_heartbeat=True,
        optimization="fair",
    )
    try:
        worker.start()
    finally:
        sweeper.stop()
    return worker.exitcode or 0
