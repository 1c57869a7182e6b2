"""`qa-arena submit` and `qa-arena worker` as a user runs them: defaults only (a SQLite file, the environment)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest

from qa_arena.service.store import SubmissionStore

from .conftest import REFERENCE_TESTS, SERVICE, make_bank, qa_arena_main, use_env

pytestmark = SERVICE


@pytest.fixture
def plain(setup_factory, tmp_path):
    """No config at all: the bank from $QA_ARENA_PROBLEMS, the submissions (and queue) in $XDG_CACHE_HOME."""
    bank = make_bank(tmp_path / "bank")
    return setup_factory("plain", {}, env={"QA_ARENA_PROBLEMS": f"{tmp_path / 'nothing'}:{bank}"})


def test_submit_and_worker_end_to_end(plain):
    queued = plain.cli("submit", "adder", str(REFERENCE_TESTS))  # no worker yet: it waits in the queue
    assert queued.returncode == 0, queued.stderr
    first = queued.stdout.strip()
    assert str(uuid.UUID(first)) == first

    worker = plain.worker("--backend", "local")
    code, out = plain.submit_json("adder", str(REFERENCE_TESTS), "--user", "alice")

    assert code == 0, out
    assert (out["problem"], out["status"], out["score"], out["killed"], out["total"]) == ("adder", "SUCCESS", 100, 3, 3)
    assert out["valid_tests"] == 3 and out["invalid_tests"] == []
    assert {v["kind"] for v in out["variants"]} == {"golden", "wheat", "twin", "mutant"}
    assert uuid.UUID(out["id"]) and out["attempts"] == 1
    times = [datetime.fromisoformat(out[k]) for k in ("queued_at", "started_at", "finished_at")]
    assert times == sorted(times) and all(t.utcoffset().total_seconds() == 0 for t in times)

    state = plain.root / "cache" / "qa-arena" / "service"  # the default: one file in the cache dir
    assert sorted(p.name for p in state.glob("*.sqlite3")) == ["submissions.sqlite3"]
    store = SubmissionStore(db_url=f"sqlite:///{state / 'submissions.sqlite3'}")
    assert store.get(first).status == "SUCCESS"  # the one queued before any worker ran
    assert store.get(out["id"]).username == "alice"
    store.dispose()
    assert worker.terminate() == 0  # a warm shutdown


def test_submit_json_without_wait_prints_the_queued_submission(plain, capsys, monkeypatch):
    use_env(monkeypatch, plain.env())
    assert qa_arena_main(["submit", "adder", str(REFERENCE_TESTS), "--json"]) == 0
    queued = json.loads(capsys.readouterr().out)
    assert queued["status"] == "PENDING" and queued["attempts"] == 0 and queued["started_at"] is None
    assert uuid.UUID(queued["id"])


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["submit", "no-such-problem", str(REFERENCE_TESTS)], "unknown problem 'no-such-problem'"),
        (["submit", "../adder", str(REFERENCE_TESTS)], "is not a problem slug"),
        (["submit", "adder", "/nonexistent/tests.py"], "no such file"),
        (["worker", "--backend", "no.such.Sandbox"], "no.such.Sandbox"),
        (["worker", "--concurrency", "0"], "--concurrency"),
    ],
)
def test_bad_input_exits_2_with_one_line(plain, capsys, monkeypatch, args, reason):
    use_env(monkeypatch, plain.env())
    if args[0] == "submit":
        args = [*args, "--wait", "--json"]
    assert qa_arena_main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and reason in captured.err and len(captured.err.strip().splitlines()) == 1


def test_a_database_that_does_not_answer_is_exit_1_with_the_reason(plain, capsys, monkeypatch):
    use_env(monkeypatch, {**plain.env(), "QA_ARENA_DB_URL": "postgresql+psycopg://qa@127.0.0.1:1/qa"})
    assert qa_arena_main(["submit", "adder", str(REFERENCE_TESTS), "--wait", "--json"]) == 1
    err = capsys.readouterr().err
    assert "could not be queued: OperationalError" in err and "127.0.0.1" in err and "port 1" in err
