"""Fixtures of the experiments tests: a SQLite service store per test and the command line pointed at it."""

from __future__ import annotations

import pytest


@pytest.fixture
def cli_env(tmp_path, monkeypatch, store):
    """The command line run in this process against `store`'s database, with no config file but --config's."""
    monkeypatch.delenv("QA_ARENA_CONFIG", raising=False)
    monkeypatch.setenv("QA_ARENA_DB_URL", store.db_url)
    monkeypatch.chdir(tmp_path)
    return store


def write_config(path, experiments: dict, min_per_group: int | None = None):
    """A qa_arena_config.py defining `experiments` (and the minimum group size)."""
    text = f"c.Experiments.experiments = {experiments!r}\n"
    if min_per_group is not None:
        text += f"c.Experiments.min_per_group = {min_per_group}\n"
    path.write_text(text)
    return path
