"""The answer cache and the token ledger: one sqlite file that outlives the process."""

from __future__ import annotations

import time

from qa_arena.ai.store import FILE_NAME, FeedbackStore, cache_key
from qa_arena.grading.paths import user_cache_dir


def test_the_key_ignores_order_and_duplicates():
    assert cache_key("adder", ["b", "a"], ["t2", "t1"], "m") == cache_key("adder", {"a", "b"}, ["t1", "t2", "t1"], "m")
    keys = {
        cache_key("adder", ["a"], [], "m"),
        cache_key("adder", ["a", "b"], [], "m"),
        cache_key("adder", ["a"], ["t1"], "m"),
        cache_key("adder", ["a"], [], "other"),
        cache_key("durations", ["a"], [], "m"),
        cache_key("adder", ["a"], [], "m", "edited"),
    }
    assert len(keys) == 6


def test_answers_are_kept_for_their_ttl(tmp_path):
    store = FeedbackStore(tmp_path / "cache")
    assert store.get("k", 60) is None
    store.put("k", "text", "model")
    assert FeedbackStore(tmp_path / "cache").get("k", 60) == ("text", "model")
    time.sleep(0.02)
    assert store.get("k", 0.01) is None
    assert (tmp_path / "cache" / FILE_NAME).is_file()


def test_tokens_add_up_per_day(tmp_path):
    store = FeedbackStore(tmp_path)
    assert store.tokens_used() == 0
    store.add_tokens(100)
    store.add_tokens(23)
    store.add_tokens(5, day="2000-01-01")
    assert FeedbackStore(tmp_path).tokens_used() == 123
    assert store.tokens_used("2000-01-01") == 5


def test_the_default_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert user_cache_dir() == tmp_path / "qa-arena"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_cache_dir() == tmp_path / "home" / ".cache" / "qa-arena"
