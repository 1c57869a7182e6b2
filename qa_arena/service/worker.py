"""`qa-arena worker`: a Celery worker for the grading jobs, plus the sweeper that brings lost jobs back.

The sweeper runs in the worker's main process. It puts RUNNING submissions whose worker stopped
heartbeating (SIGKILL, a lost machine, a hard time limit) back to PENDING and publishes their job
again, and republishes PENDING jobs whose message is long overdue. Several workers may sweep at
once: each row changes under a guard, so one job is published once per loss. On Redis it also
watches the worker's own consumer (StallWatch): a worker that has room while jobs wait, and takes
none, reconnects to the broker.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from celery import signals
from celery.worker import state

from qa_arena.service.broker import prune_delivered
from qa_arena.service.models import utcnow
from qa_arena.service.service import GradingService

log = logging.getLogger(__name__)


class StallWatch:
    """Reconnects this worker's consumer when jobs wait in the queue, it has a free slot, and it takes none.

    Celery's Redis consumer can outlive its connection without noticing (a broker restart while every
    slot was busy, a half-open TCP connection): the worker then idles while the queue fills. The sign
    is unambiguous: the queue held jobs at every look for stall_s, this worker had room at every look,
    and it received no job in that time. The remedy is the one a lost connection gets: the consumer
    raises a connection error in its own event loop, and Celery reconnects (new channel, new prefetch).
    A job that the old connection's pending BRPOP had already taken off the queue went down with it:
    once reconnected, jobs published before then with a message neither queued nor delivered are
    published again.
    """

    def __init__(self, service: GradingService) -> None:
        self.service = service
        self.queue = service.queue
        self.consumer = None  # set once the worker is ready
        self.received = 0  # jobs this worker's consumer took (task_received, in the main process)
        self._since: float | None = None
        self._received_then = 0
        self._stalled_connection = None  # the connection given up, until the consumer has another

    def on_received(self, **_signal_kwargs) -> None:
        self.received += 1

    def look(self) -> bool:
        """One look; True when it found the consumer stalled and asked it to reconnect."""
        consumer = self.consumer
        if consumer is None or not self.queue.redis or self.queue.stall_s <= 0:
            return False
        if self._stalled_connection is not None:
            if consumer.connection is None or consumer.connection is self._stalled_connection:
                return False  # still reconnecting
            self.publish_lost()
            self._stalled_connection = None
        now = time.monotonic()
        room = len(state.reserved_requests) < self.queue.concurrency
        if not room or self.received != self._received_then or self.queue.waiting() == 0:
            self._since, self._received_then = None, self.received
            return False
        if self._since is None:
            self._since = now
        if now - self._since < self.queue.stall_s:
            return False
        self._since = None
        if consumer.hub is None:  # the solo and threads pools run no event loop we can reach
            log.error("jobs have waited %.0f s while this worker had room and took none", self.queue.stall_s)
            return False
        log.warning(
            "jobs have waited %.0f s while this worker had room and took none: reconnecting to the broker",
            self.queue.stall_s,
        )
        self._stalled_connection = consumer.connection
        consumer.hub.call_soon(_raise_stalled)
        return True

    def publish_lost(self) -> list[str]:
        """Publish again the jobs published before now whose message is neither queued nor delivered."""
        store = self.service.store
        rows = store.waiting_since(utcnow())
        held = self.queue.held([str(sid) for sid, _ in rows])
        lost = [(sid, published_at) for sid, published_at in rows if str(sid) not in held]
        ids = [str(sid) for sid in store.renew(lost, "message taken by a stalled connection: published again")]
        for sid in ids:
            log.warning("submission %s: job taken by the stalled connection, published again", sid)
            self.service.publish(sid)
        return ids


def _raise_stalled() -> None:
    """Run in the consumer's event loop: Celery treats it as a lost connection and reconnects."""
    raise ConnectionError("the consumer took no job while jobs waited (stalled connection)")


class Sweeper:
    """Every sweep_interval_s (and at start): republish lost jobs; on the embedded broker, prune old delivered
    messages; on Redis, look at the consumer (StallWatch); remove judge containers whose worker is gone."""

    PRUNE_EVERY_S = 3600.0

    def __init__(self, service: GradingService) -> None:
        self.service = service
        self.stall_watch = StallWatch(service)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="qa-arena-sweeper", daemon=True)
        self._pruned_at = 0.0
        self._reaping_refused = False

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

    def reap_judge_containers(self) -> None:
        """Judge containers left by a worker of this host that was killed (SIGKILL leaves its pool behind)."""
        import docker

        from qa_arena.grading.judge import Judge
        from qa_arena.grading.sandbox.docker import DockerSandbox

        if self._reaping_refused or Judge(config=self.service.config).backend_name() != "docker":
            return
        try:
            reaped = DockerSandbox.reap_orphans()
        except docker.errors.APIError as exc:
            if exc.status_code != 403:
                raise
            # The deployment's Docker proxy lists no containers; it removes a judge container itself when
            # the container's stream closes, as it does when its worker dies.
            log.info("not looking for orphaned judge containers: the Docker API refuses to list them")
            self._reaping_refused = True
            return
        for name in reaped:
            log.warning("removed %s: the judge container of a worker that is gone", name)

    def _loop(self) -> None:
        while True:
            try:
                self.sweep()
            except Exception:  # the database or broker may be back next time
                log.exception("sweep failed")
            try:
                self.reap_judge_containers()
            except Exception as exc:  # the Docker engine is away: next time
                log.warning("could not look for orphaned judge containers: %s", exc)
            try:
                self.stall_watch.look()
            except Exception as exc:  # the broker is away: the consumer notices that itself
                log.info("could not look at the queue: %s", exc)
            if self._stop.wait(self.service.queue.sweep_interval_s):
                return

    def start(self, sender=None, **_signal_kwargs) -> None:
        """worker_ready: sender is the worker's consumer."""
        self.stall_watch.consumer = sender
        if not self._thread.is_alive():
            service = self.service
            log.info("problem bank: %s", ", ".join(service.bank.paths) or "(empty: set QA_ARENA_PROBLEMS)")
            log.info("submissions database: %s", service.store.engine.url.render_as_string(hide_password=True))
            self._thread.start()

    def stop(self, **_signal_kwargs) -> None:
        self._stop.set()


def drain_sandbox_pools(**_signal_kwargs) -> None:
    """Pre-started judge containers go with their process (a pool process exits without running atexit)."""
    from qa_arena.grading.sandbox.docker import DockerSandbox

    DockerSandbox.drain_pools()


def run_worker(service: GradingService, loglevel: str = "INFO") -> int:
    """Start a worker in this process until it is stopped (SIGTERM: warm shutdown); its exit code."""
    service.store.ensure_schema()
    queue = service.queue
    sweeper = Sweeper(service)
    # Started once the pool's processes exist, so they are not forked from a process running the thread.
    signals.worker_ready.connect(sweeper.start, weak=False)
    signals.task_received.connect(sweeper.stall_watch.on_received, weak=False)
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
