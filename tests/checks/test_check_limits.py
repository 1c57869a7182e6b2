"""The checks' rate limits, counted from the submissions table (SQLite here; the hub tests use the service)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from qa_arena.checks.limits import CheckLimits
from qa_arena.service.models import CHECK, SUBMIT, Submission
from qa_arena.service.store import SubmissionStore

NOW = datetime(2026, 11, 22, 15, 0, 0, tzinfo=UTC)


def add(store: SubmissionStore, user: str, at: datetime, kind: str = CHECK, problem: str = "adder") -> None:
    submission = store.create(user, problem, "def test_x(): pass", kind)
    with store.session() as session:
        session.execute(update(Submission).where(Submission.id == submission.id).values(queued_at=at))


def test_under_the_cap_and_after_the_interval_a_check_may_go(store):
    limits = CheckLimits(daily_cap=3, min_interval_s=10)
    assert limits.refusal(store, "alice", "adder", None, NOW) is None  # nothing yet
    add(store, "alice", NOW - timedelta(seconds=11))
    assert limits.refusal(store, "alice", "adder", None, NOW) is None


def test_too_soon_says_how_long_to_wait(store):
    add(store, "alice", NOW - timedelta(seconds=3))
    refusal = CheckLimits(daily_cap=3, min_interval_s=10).refusal(store, "alice", "adder", None, NOW)
    assert refusal.message == "please wait 7 s between two checks" and refusal.retry_after_s == 7  # one number
    add(store, "bob", NOW - timedelta(seconds=3.4))
    refusal = CheckLimits(daily_cap=3, min_interval_s=10).refusal(store, "bob", "adder", None, NOW)
    assert refusal.message == "please wait 7 s between two checks" and refusal.retry_after_s == 7


def test_the_daily_cap_counts_todays_checks_of_this_student_only(store):
    limits = CheckLimits(daily_cap=2, min_interval_s=0)
    add(store, "alice", NOW - timedelta(days=1))  # yesterday
    add(store, "alice", NOW - timedelta(hours=1), kind=SUBMIT)  # not a check
    add(store, "bob", NOW - timedelta(hours=1))
    add(store, "alice", NOW - timedelta(hours=2), problem="other")  # any problem counts
    assert limits.refusal(store, "alice", "adder", None, NOW) is None
    add(store, "alice", NOW - timedelta(hours=1))
    refusal = limits.refusal(store, "alice", "adder", None, NOW)
    assert refusal.message == "you have used all 2 checks for today; they renew at 00:00 UTC"
    assert refusal.retry_after_s == 9 * 3600  # until midnight UTC
    assert limits.refusal(store, "bob", "adder", None, NOW) is None


def test_overrides_by_assignment_then_by_problem(store):
    limits = CheckLimits(
        daily_cap=1,
        min_interval_s=0,
        per_assignment={
            "ps1": {"daily_cap": 5},
            "adder": {"daily_cap": 3, "min_interval_s": 60},
            "closed": {"daily_cap": 0},
        },
    )
    assert limits.limits_for("adder", "ps1") == (5, 0.0)  # the assignment wins
    assert limits.limits_for("adder", None) == (3, 60.0)
    assert limits.limits_for("other", "ps9") == (1, 0.0)
    add(store, "alice", NOW - timedelta(seconds=30))
    assert "wait 30 s" in limits.refusal(store, "alice", "adder", None, NOW).message
    assert limits.refusal(store, "alice", "adder", "ps1", NOW) is None
    assert limits.refusal(store, "alice", "other", None, NOW).message.startswith("you have used all 1")
    assert (
        limits.refusal(store, "alice", "adder", "closed", NOW).message == "instant checks are off for this assignment"
    )
