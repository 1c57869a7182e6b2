"""How a worker finds its next job: the submissions table is the queue.

There is no broker. A worker takes a job with one transaction (`SubmissionStore.claim_next`: the oldest
due PENDING row, or a RUNNING one whose lease ran out; `FOR UPDATE SKIP LOCKED` on PostgreSQL, the write
lock on SQLite). When there is none it waits: on PostgreSQL until a submitter's NOTIFY or poll_interval_s,
whichever comes first; on SQLite it looks again every sqlite_poll_interval_s. The poll is also how a job
whose lease ran out, or a retry that became due, is found, and it covers a NOTIFY lost with a connection.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from sqlalchemy.engine import make_url
from traitlets import Float, Int
from traitlets.config import LoggingConfigurable

from qa_arena.service.store import JOBS_CHANNEL, SubmissionStore, tcp_timeouts

log = logging.getLogger(__name__)


class JobQueue(LoggingConfigurable):
    """The worker's side of the queue: how many jobs at once, how often to look, how long a job may run."""

    concurrency = Int(
        1,
        min=1,
        config=True,
        help="Jobs one worker runs at a time (one process each). Each job's sandbox already runs "
        "Sandbox.workers variants in parallel, so 1 suits a 2-core machine.",
    )
    poll_interval_s = Float(
        5.0,
        config=True,
        help="PostgreSQL: seconds an idle worker waits for a NOTIFY before it looks for jobs anyway (retries "
        "that became due, jobs of a worker that stopped). A job whose worker died is taken again within "
        "Grader.lease_s + this.",
    )
    sqlite_poll_interval_s = Float(
        0.2, config=True, help="SQLite: seconds between an idle worker's looks for jobs (SQLite has no NOTIFY)."
    )
    time_limit_s = Float(
        660.0,
        config=True,
        help="Seconds a job may run before its process is killed; the job is then taken again once its lease "
        "runs out (until Grader.max_attempts is spent).",
    )
    sweep_interval_s = Float(
        30.0, config=True, help="Seconds between a worker's looks for judge containers left by a killed worker."
    )


class Wakeup:
    """Waits for news of a job: PostgreSQL's LISTEN on a connection of its own, else a plain sleep."""

    def __init__(self, store: SubmissionStore, queue: JobQueue) -> None:
        self.store, self.queue = store, queue
        self.postgres = make_url(store.db_url).get_backend_name() == "postgresql"
        self._connection = None

    @property
    def interval_s(self) -> float:
        return self.queue.poll_interval_s if self.postgres else self.queue.sqlite_poll_interval_s

    def listen(self) -> None:
        """Start listening (before the first look, so that no job queued after that look is missed)."""
        if not self.postgres or self._connection is not None:
            return
        url = make_url(self.store.db_url).set(drivername="postgresql")
        settings = tcp_timeouts(self.store.tcp_timeout_s) if self.store.tcp_timeout_s > 0 else {}
        try:
            self._connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True, **settings)
            self._connection.execute(f"LISTEN {JOBS_CHANNEL}")
        except psycopg.Error as exc:  # the poll goes on meanwhile; the next wait tries again
            reason = " ".join(str(exc).split())
            log.warning("cannot listen for new jobs (%s): looking every %.1f s", reason, self.interval_s)
            self.close()

    def wait(self, stopping: threading.Event) -> bool:
        """Until a job was queued, interval_s passed or `stopping` is set; True when woken by a NOTIFY."""
        if self._connection is None:
            self.listen()
        deadline = time.monotonic() + self.interval_s
        try:
            while (left := deadline - time.monotonic()) > 0 and not stopping.is_set():
                if self._connection is None:
                    stopping.wait(left)
                elif any(True for _ in self._connection.notifies(timeout=min(left, 1.0), stop_after=1)):
                    return True
            return False
        except psycopg.Error as exc:  # a restart, a cut link (tcp_timeout_s): listen again next time
            log.warning("lost the connection that listens for new jobs: %s", " ".join(str(exc).split()))
            self.close()
            return False

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
