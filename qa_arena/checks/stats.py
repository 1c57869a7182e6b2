"""Course statistics from the submissions table, for staff: the stats endpoint and `qa-arena stats`.

One query loads the rows (no per-submission queries); pandas does the rest. Rates are fractions
(0-1); None where nothing was measured.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select

from qa_arena.service.models import CHECK, ERROR, FAILURE, SUBMIT, SUCCESS, Submission
from qa_arena.service.store import SubmissionStore

PERCENTILES = (50, 90, 95, 99)
COLUMNS = ("username", "problem", "kind", "status", "score", "verdict", "queued_at", "started_at", "finished_at")


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def load_frame(store: SubmissionStore, problem: str | None = None, since: datetime | None = None) -> pd.DataFrame:
    query = select(*(getattr(Submission, c) for c in COLUMNS)).order_by(Submission.queued_at)
    if problem:
        query = query.where(Submission.problem == problem)
    if since:
        query = query.where(Submission.queued_at >= since)
    with store.session() as session:
        rows = session.execute(query).all()
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _problem_stats(problem: str, rows: pd.DataFrame) -> dict:
    graded = rows[rows.status.isin([SUCCESS, FAILURE])]
    tests = invalid = 0
    survived: dict[str, list[bool]] = {}
    for verdict in graded.verdict:
        tests += len(verdict.get("tests", []))
        invalid += len(verdict.get("invalid_tests", []))
        if verdict.get("status") == SUCCESS:  # with no valid test, no mutant was really tried
            for variant in verdict.get("variants", []):
                if variant.get("kind") == "mutant":
                    survived.setdefault(variant["id"], []).append(not variant.get("killed_by"))
    return {
        "problem": problem,
        "submissions": int((rows.kind == SUBMIT).sum()),
        "checks": int((rows.kind == CHECK).sum()),
        "students": int(rows.username.nunique()),
        "average_score": _number(graded.score.mean()) if len(graded) else None,
        "error_rate": _number((rows.status == ERROR).mean()) if len(rows) else None,
        "invalid_test_rate": _number(invalid / tests) if tests else None,
        "mutants": [
            {"mutant": mutant, "graded": len(flags), "survival_rate": _number(sum(flags) / len(flags))}
            for mutant, flags in sorted(survived.items())
        ],
    }


def _improvement(frame: pd.DataFrame) -> dict:
    """Per student and problem: the first check's score against the final one (last submit, else last check)."""
    graded = frame[frame.status.isin([SUCCESS, FAILURE])]
    gains = []
    for _, rows in graded.groupby(["username", "problem"]):
        checks, submits = rows[rows.kind == CHECK], rows[rows.kind == SUBMIT]
        if checks.empty or (len(checks) < 2 and submits.empty):
            continue
        final = submits.iloc[-1] if not submits.empty else checks.iloc[-1]
        gains.append((checks.iloc[0].score, final.score))
    if not gains:
        return {"students": 0, "first_check_score": None, "final_score": None, "mean_gain": None}
    first, final = zip(*gains, strict=True)
    return {
        "students": len(gains),
        "first_check_score": _number(pd.Series(first).mean()),
        "final_score": _number(pd.Series(final).mean()),
        "mean_gain": _number((pd.Series(final) - pd.Series(first)).mean()),
    }


def _latency(frame: pd.DataFrame) -> dict:
    started = frame.dropna(subset=["started_at"])
    waits = (
        pd.to_datetime(started.started_at, utc=True) - pd.to_datetime(started.queued_at, utc=True)
    ).dt.total_seconds()
    if waits.empty:
        return {"n": 0, **{f"p{p}": None for p in PERCENTILES}, "max": None}
    return {
        "n": len(waits),
        **{f"p{p}": _number(waits.quantile(p / 100)) for p in PERCENTILES},
        "max": _number(waits.max()),
    }


def service_stats(store: SubmissionStore, problem: str | None = None, since: datetime | None = None) -> dict:
    """Submissions per problem, average score, error and invalid-test rates, mutant survival, improvement, latency."""
    frame = load_frame(store, problem, since)
    return {
        "submissions": int((frame.kind == SUBMIT).sum()),
        "checks": int((frame.kind == CHECK).sum()),
        "problems": [_problem_stats(slug, rows) for slug, rows in frame.groupby("problem")],
        "check_to_submit": _improvement(frame),
        "queue_latency_s": _latency(frame),
    }
