"""Fixtures of the ratings tests: a SQLite service store per test; the real PostgreSQL of tests/service."""

from __future__ import annotations

import pytest

from qa_arena.ratings.store import RatingStore
from tests.service.conftest import postgres  # noqa: F401  (the session's throwaway PostgreSQL server)


@pytest.fixture
def ratings(store) -> RatingStore:
    return RatingStore(store)


@pytest.fixture
def cli_env(tmp_path, monkeypatch, store):
    """The command line run in this process against `store`'s database, with no config file."""
    for name in ("QA_ARENA_CONFIG", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QA_ARENA_DB_URL", store.db_url)
    monkeypatch.chdir(tmp_path)
    return store
