"""How often a student may check: a daily cap and a minimum interval, per assignment if configured.

Counted from the submissions table (checks of the student since UTC midnight), so the limits hold
across restarts and across several service processes. Staff are exempt (the handler decides).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from traitlets import Dict, Float, Int
from traitlets.config import LoggingConfigurable

from qa_arena.service.models import CHECK, Submission, utcnow
from qa_arena.service.store import SubmissionStore


@dataclass(frozen=True)
class Refusal:
    """Why a check is refused now, and when the student may try again."""

    message: str
    retry_after_s: int


class CheckLimits(LoggingConfigurable):
    """Per-student limits on instant checks."""

    daily_cap = Int(50, min=0, config=True, help="Checks per student per UTC day (0: checks are off).")
    min_interval_s = Float(10.0, min=0, config=True, help="Seconds a student waits between two checks.")
    per_assignment = Dict(
        config=True,
        help='Overrides by assignment name or problem slug, e.g. {"ps1-basics": {"daily_cap": 100, '
        '"min_interval_s": 5}}. The assignment named by the check wins over its problem.',
    )

    def limits_for(self, problem: str, assignment: str | None) -> tuple[int, float]:
        override = self.per_assignment.get(assignment or "") or self.per_assignment.get(problem) or {}
        cap = int(override.get("daily_cap", self.daily_cap))
        return cap, float(override.get("min_interval_s", self.min_interval_s))

    def refusal(
        self, store: SubmissionStore, username: str, problem: str, assignment: str | None, now: datetime | None = None
    ) -> Refusal | None:
        """None when `username` may check now; else the reason, as the 429 answer says it."""
        now = now or utcnow()
        cap, interval = self.limits_for(problem, assignment)
        if cap == 0:
            return Refusal("instant checks are off for this assignment", 24 * 3600)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        mine = (Submission.username == username, Submission.kind == CHECK)  # ix_submissions_username_queued_at
        with store.session() as session:
            today = select(func.count()).select_from(Submission).where(*mine, Submission.queued_at >= midnight)
            used = session.scalar(today)
            latest = session.scalar(select(func.max(Submission.queued_at)).where(*mine))
        if used >= cap:
            tomorrow = midnight + timedelta(days=1)
            return Refusal(
                f"you have used all {cap} checks for today; they renew at 00:00 UTC",
                max(1, int((tomorrow - now).total_seconds())),
            )
        if latest is not None:
            wait = interval - (now - latest).total_seconds()
            if wait > 0:  # one number, said and sent as Retry-After alike
                seconds = max(1, math.ceil(wait))
                return Refusal(f"please wait {seconds} s between two checks", seconds)
        return None
