"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file, for the demo and development.

No server to run: `sqla+sqlite:///path` (the default broker URL) keeps the queue in one file that
submitters and workers on the same machine share. This subclass only tunes the engine for several
processes (WAL, a busy timeout) and lets `polling_interval` through (the stock transport would
pass it on to create_engine). Limits, which the service covers itself: a message taken by a
worker that is then SIGKILLed is never redelivered (the store's leases bring the job back), and
delivered messages stay in the table until `prune_delivered` removes them.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from kombu.transport import sqlalchemy as kombu_sqlalchemy
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from qa_arena.service.store import make_engine, sqlite_file, sqlite_lock

SCHEMES = ("sqla+", "sqlalchemy+")
TRANSPORT = "qa_arena.service.broker:Transport"


def is_embedded(url: str) -> bool:
    return url.startswith(SCHEMES)


def database_url(url: str) -> str:
    """sqla+sqlite:///x -> sqlite:///x"""
    return url.split("+", 1)[1]


class Channel(kombu_sqlalchemy.Channel):
    def _engine_from_config(self):
        """Our engine, with kombu's tables made under the file lock: kombu's own lock is per process."""
        url = self.connection.client.hostname
        engine = make_engine(url)
        file = sqlite_file(url)
        with sqlite_lock(file) if file is not None else contextlib.nullcontext():
            kombu_sqlalchemy.metadata.create_all(engine)
        return engine

    def _get_or_create(self, queue):
        """The queue's row; kombu's lock is per process, so another process may insert it first."""
        try:
            return super()._get_or_create(queue)
        except IntegrityError:
            self.session.rollback()
            return self.session.query(self.queue_cls).filter(self.queue_cls.name == queue).one()


class Transport(kombu_sqlalchemy.Transport):
    """kombu's SQLAlchemy transport with an engine fit for several processes."""

    Channel = Channel


def prune_delivered(url: str, older_than_s: float) -> int:
    """Delete messages delivered more than older_than_s ago (the transport keeps them); how many."""
    engine = make_engine(database_url(url))
    try:
        if not inspect(engine).has_table("kombu_message"):
            return 0
        cutoff = datetime.now() - timedelta(seconds=older_than_s)  # the transport stores local naive times
        with engine.begin() as connection:
            result = connection.execute(
                text("DELETE FROM kombu_message WHERE visible = :no AND timestamp < :cutoff"),
                {"no": False, "cutoff": cutoff},
            )
            return result.rowcount
    finally:
        engine.dispose()
