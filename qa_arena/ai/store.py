"""Answers already paid for, and the tokens spent today: one small sqlite file in the cache dir.

Both outlive a process (the CLI runs once per submission), and several graders on one machine share
them; sqlite gives that without a server. The budget check is not a reservation: graders running
at the same moment can overspend it by one answer each.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

FILE_NAME = "ai-feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, text TEXT NOT NULL, model TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS usage (day TEXT PRIMARY KEY, tokens INTEGER NOT NULL);
"""


def cache_key(slug: str, killed: Iterable[str], invalid: Iterable[str], model: str, problem_digest: str = "") -> str:
    """Same problem, same killed mutants, same invalid tests, same model: same feedback."""
    parts = [slug, sorted(set(killed)), sorted(set(invalid)), model, problem_digest]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def today() -> str:
    return datetime.now(UTC).date().isoformat()


class FeedbackStore:
    """The answer cache (with a time to live) and the daily token ledger."""

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / FILE_NAME

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:  # one transaction per use
                db.executescript(_SCHEMA)
                yield db
        finally:
            db.close()

    def get(self, key: str, ttl_s: float) -> tuple[str, str] | None:
        """(text, model) of a cached answer younger than ``ttl_s`` seconds."""
        with self._db() as db:
            row = db.execute("SELECT text, model, at FROM answers WHERE key = ?", (key,)).fetchone()
        if row is None or time.time() - row[2] > ttl_s:
            return None
        return row[0], row[1]

    def put(self, key: str, text: str, model: str) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)", (key, text, model, time.time()))

    def tokens_used(self, day: str | None = None) -> int:
        with self._db() as db:
            row = db.execute("SELECT tokens FROM usage WHERE day = ?", (day or today(),)).fetchone()
        return row[0] if row else 0

    def add_tokens(self, tokens: int, day: str | None = None) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO usage VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET tokens = tokens + excluded.tokens",
                (day or today(), max(int(tokens), 0)),
            )
