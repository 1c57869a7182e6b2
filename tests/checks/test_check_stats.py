"""Course statistics: exact numbers from a handful of known submissions; the CLI prints and plots them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from qa_arena.checks.stats import service_stats
from qa_arena.service.models import CHECK, SUBMIT, Submission
from qa_arena.service.store import SubmissionStore

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def verdict(status: str, score: float | None, tests: int, invalid: int, killed: list[str], mutants=("m1", "m2")):
    return {
        "problem": "p",
        "status": status,
        "score": score,
        "tests": [{"name": f"t{i}", "valid": i >= invalid} for i in range(tests)],
        "invalid_tests": [{"name": f"t{i}", "failed_on": "golden", "reason": ""} for i in range(invalid)],
        "variants": [
            {
                "id": m,
                "kind": "mutant",
                "outcome": "failed" if m in killed else "passed",
                "killed_by": ["t9"] if m in killed else [],
            }
            for m in mutants
        ],
    }


def add(store, user, kind, status, score, data, queued, wait_s=None):
    submission = store.create(user, "p", "def test_x(): pass", kind)
    values = {"status": status, "score": score, "verdict": data, "queued_at": queued}
    if wait_s is not None:
        values["started_at"] = queued + timedelta(seconds=wait_s)
    with store.session() as session:
        session.execute(update(Submission).where(Submission.id == submission.id).values(**values))


@pytest.fixture
def store(store):
    """The shared SQLite store, with four known submissions."""
    add(store, "alice", CHECK, "FAILURE", 0.0, verdict("FAILURE", 0.0, 2, 2, []), T0, 1.0)
    add(store, "alice", CHECK, "SUCCESS", 65.0, verdict("SUCCESS", 65.0, 2, 0, ["m1"]), T0 + timedelta(hours=1), 2.0)
    add(
        store,
        "alice",
        SUBMIT,
        "SUCCESS",
        100.0,
        verdict("SUCCESS", 100.0, 2, 0, ["m1", "m2"]),
        T0 + timedelta(hours=2),
        3.0,
    )
    add(store, "bob", CHECK, "ERROR", None, {"problem": "p", "status": "ERROR"}, T0 + timedelta(hours=3), 4.0)
    return store


def test_the_numbers(store):
    stats = service_stats(store)
    assert (stats["submissions"], stats["checks"]) == (1, 3)
    (p,) = stats["problems"]
    assert (p["problem"], p["submissions"], p["checks"], p["students"]) == ("p", 1, 3, 2)
    assert p["average_score"] == pytest.approx(55.0)  # graded ones: 0, 65, 100
    assert p["error_rate"] == 0.25
    assert p["invalid_test_rate"] == round(2 / 6, 4)  # rates are rounded to 4 places
    # m1 survived neither valid suite, m2 one of two; the FAILURE (no valid test) does not count
    assert p["mutants"] == [{"mutant": "m1", "graded": 2, "survival_rate": 0.0},
                            {"mutant": "m2", "graded": 2, "survival_rate": 0.5}]  # fmt: skip
    assert stats["check_to_submit"] == {
        "students": 1,
        "first_check_score": 0.0,
        "final_score": 100.0,
        "mean_gain": 100.0,
    }
    latency = stats["queue_latency_s"]
    assert (latency["n"], latency["p50"], latency["max"]) == (4, 2.5, 4.0)


def test_filters_and_an_empty_database(store, tmp_path):
    assert service_stats(store, problem="other")["problems"] == []
    later = service_stats(store, since=T0 + timedelta(minutes=90))
    assert (later["submissions"], later["checks"]) == (1, 1)
    empty = SubmissionStore(db_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    stats = service_stats(empty)
    assert stats["problems"] == [] and stats["queue_latency_s"]["n"] == 0 and stats["check_to_submit"]["students"] == 0
    empty.dispose()


def test_the_cli_prints_json_and_plots(store, tmp_path):
    env = {"QA_ARENA_DB_URL": store.db_url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    plot = tmp_path / "survival.png"
    command = [sys.executable, "-m", "qa_arena", "stats", "--json", "--plot", str(plot)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["problems"][0]["error_rate"] == 0.25
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = subprocess.run(command[:4], env=env, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0 and "m2" in table.stdout and "50.0 %" in table.stdout
    bad = subprocess.run([*command[:4], "--since", "yesterday"], env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "not an ISO date" in bad.stderr
