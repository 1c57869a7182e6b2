"""How grading jobs travel: the Celery settings, from traits.

Redis in production (`QA_ARENA_BROKER_URL=redis://...`); by default the embedded broker (a SQLite
file, see broker.py). Jobs are durable: a message is acknowledged only after its job ran
(`acks_late`), is given back if the worker process dies (`reject_on_worker_lost`), and a worker
takes one job at a time per process (prefetch multiplier 1). What the broker cannot guarantee
(a whole worker SIGKILLed on the embedded broker) the store's leases and the sweeper recover.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from traitlets import Enum, Float, Int, Unicode, default
from traitlets.config import LoggingConfigurable

from qa_arena.service.broker import TRANSPORT, database_url, is_embedded
from qa_arena.service.store import state_dir

TASK_NAME = "qa_arena.service.grade"


class GradingQueue(LoggingConfigurable):
    """The broker, the queue and the worker settings of the grading jobs."""

    broker_url = Unicode(
        config=True,
        help="Celery broker. Default: $QA_ARENA_BROKER_URL, else the embedded broker "
        "sqla+sqlite:///$XDG_CACHE_HOME/qa-arena/service/broker.sqlite3 (one machine, no server). "
        "Production: redis://host:6379/0.",
    )
    result_backend = Unicode(
        config=True,
        help="Celery result backend for the jobs' short summaries (the submissions table holds the verdicts). "
        "Default: $QA_ARENA_RESULT_BACKEND, else the broker's URL when it is Redis, else none.",
    )
    queue = Unicode("qa-arena-grading", config=True, help="Name of the queue the jobs go to.")
    concurrency = Int(
        1,
        min=1,
        config=True,
        help="Jobs one worker runs at a time (processes). Each job's sandbox already runs Sandbox.workers "
        "variants in parallel, so 1 suits a 2-core machine.",
    )
    pool = Enum(["prefork", "threads", "solo"], "prefork", config=True, help="Celery pool (prefork isolates jobs).")
    soft_time_limit_s = Float(
        600.0,
        config=True,
        help="Seconds a job may run before it is interrupted (an infrastructure ERROR: retried).",
    )
    time_limit_s = Float(
        660.0,
        config=True,
        help="Seconds after which the job's process is killed outright (at least soft_time_limit_s + 1); "
        "the sweeper then runs the job again once its lease runs out.",
    )
    polling_interval_s = Float(
        0.1,
        config=True,
        help="Embedded broker only: seconds between looks for new jobs (a busy worker waits this long).",
    )
    visibility_timeout_s = Float(
        3600.0,
        config=True,
        help="Redis only: seconds before an unacknowledged job is handed to another worker. Keep it above "
        "time_limit_s (a duplicate is harmless, but wasted work).",
    )
    sweep_interval_s = Float(
        5.0, config=True, help="Seconds between a worker's looks for lost jobs (dead workers, lost messages)."
    )
    pending_republish_s = Float(
        3600.0,
        config=True,
        help="Seconds a PENDING submission's message may be overdue before it is published again "
        "(a message lost before any worker took it). Duplicates are harmless.",
    )
    retry_republish_s = Float(
        120.0,
        config=True,
        help="Seconds the message of a job that a worker took before (a retry, a job of a dead worker) may be "
        "overdue before it is published again. Short, because a broker that restarts loses the delayed retries "
        "its workers held; a duplicate is harmless (a job is graded once).",
    )
    redis_socket_timeout_s = Float(
        30.0,
        config=True,
        help="Redis only: seconds a command to the broker or result backend may wait for its reply, and a "
        "connection to be made, before the connection counts as lost (a half-open connection would "
        "otherwise block the worker's acknowledgements for good).",
    )
    stall_s = Float(
        30.0,
        config=True,
        help="Redis only: seconds jobs may wait in the queue while a worker with a free slot takes none of "
        "them before that worker reconnects to the broker. A broker restart or a half-open connection can "
        "leave Celery's consumer connected to nothing, idle forever (celery#8030, #9054). 0 disables.",
    )
    delivered_retention_s = Float(
        86400.0, config=True, help="Embedded broker only: seconds delivered messages are kept before pruning."
    )

    @default("broker_url")
    def _broker_default(self) -> str:
        return f"sqla+sqlite:///{state_dir() / 'broker.sqlite3'}"

    @default("result_backend")
    def _backend_default(self) -> str:
        return self.broker_url if self.redis else ""

    @property
    def embedded(self) -> bool:
        return is_embedded(self.broker_url)

    @property
    def redis(self) -> bool:
        return self.broker_url.startswith(("redis://", "rediss://"))

    def held(self, submission_ids: list[str]) -> set[str]:
        """Redis only: those of the submissions whose job has a message in the queue or delivered to a worker
        and not yet acknowledged (kombu's `unacked` hash). The others' messages are gone."""
        with self._redis() as client:
            messages = b"\n".join([*client.lrange(self.queue, 0, -1), *client.hvals("unacked")])
        return {sid for sid in submission_ids if sid.encode() in messages}

    def waiting(self) -> int:
        """Redis only: the jobs in the queue that no worker has taken yet."""
        with self._redis() as client:
            return int(client.llen(self.queue))

    @contextlib.contextmanager
    def _redis(self) -> Iterator:
        """A connection of its own to the broker (not one a stalled consumer may hold)."""
        import redis

        client = redis.Redis.from_url(self.broker_url, socket_timeout=5, socket_connect_timeout=5)
        try:
            yield client
        finally:
            client.close()

    def celery_config(self) -> dict:
        """The Celery settings (app.conf) of submitters and workers."""
        conf = {
            "broker_url": self.broker_url,
            "broker_connection_retry_on_startup": True,
            "result_backend": self.result_backend or None,
            "task_ignore_result": not self.result_backend,
            "result_expires": 86400,
            "task_default_queue": self.queue,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "task_soft_time_limit": self.soft_time_limit_s,
            "task_time_limit": max(self.time_limit_s, self.soft_time_limit_s + 1),
            "task_serializer": "json",
            "accept_content": ["json"],
            "result_serializer": "json",
            "worker_concurrency": self.concurrency,
            "worker_pool": self.pool,
            "worker_hijack_root_logger": False,
            "task_publish_retry_policy": {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
        }
        if self.embedded:
            conf.update(
                broker_url=database_url(self.broker_url),
                broker_transport=TRANSPORT,
                broker_transport_options={"polling_interval": self.polling_interval_s},
                worker_enable_remote_control=False,  # needs fanout, which the SQL transport lacks
            )
        elif self.redis:
            conf["broker_transport_options"] = {
                "visibility_timeout": self.visibility_timeout_s,
                "socket_timeout": self.redis_socket_timeout_s,
                "socket_connect_timeout": self.redis_socket_timeout_s,
            }
        if self.result_backend.startswith(("redis://", "rediss://")):  # fail in seconds, not 20 retries
            conf["result_backend_transport_options"] = {"retry_policy": dict(conf["task_publish_retry_policy"])}
            conf["redis_socket_timeout"] = conf["redis_socket_connect_timeout"] = self.redis_socket_timeout_s
        return conf
