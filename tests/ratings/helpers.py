"""Helpers shared by the ratings and experiments tests: graded submissions made directly, and the CLI in-process."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from qa_arena.service.models import Submission
from qa_arena.service.store import SubmissionStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def add_submission(
    store: SubmissionStore,
    username: str,
    problem: str,
    score: float | None,
    at: datetime | timedelta = T0,
    status: str = "SUCCESS",
) -> Submission:
    """A submission row as a worker would have left it, queued at `at` (or T0 + a timedelta)."""
    queued = T0 + at if isinstance(at, timedelta) else at
    row = Submission(
        id=uuid.uuid4(),
        username=username,
        problem=problem,
        source="def test_x(): pass\n",
        status=status,
        score=score,
        verdict={"problem": problem, "status": status, "score": score},
        log="",
        attempts=1,
        queued_at=queued,
        started_at=queued if status != "PENDING" else None,
        finished_at=queued + timedelta(seconds=5) if status not in ("PENDING", "RUNNING") else None,
    )
    with store.session() as session:
        session.add(row)
    return row


def run_main(argv: list[str]) -> int:
    """`qa-arena ARGV` in this process."""
    from qa_arena import cli

    return cli.main(argv)
