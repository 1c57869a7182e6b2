"""The grading service's parts made from one traitlets config, and the submitter's side of the queue."""

from __future__ import annotations

import time
import uuid

from sqlalchemy.exc import InterfaceError, OperationalError
from traitlets import Float
from traitlets.config import LoggingConfigurable

from qa_arena.grading.bank import ProblemBank
from qa_arena.service.grading import Grader
from qa_arena.service.models import FINAL, SUBMIT, Submission
from qa_arena.service.queue import JobQueue
from qa_arena.service.store import SubmissionStore


class QueueError(RuntimeError):
    """The job could not be queued (the submissions database is away)."""


class GradingService(LoggingConfigurable):
    """Store, problem bank, queue and grader, configured together (c.SubmissionStore.*, c.ProblemBank.* ...)."""

    poll_interval_s = Float(0.25, config=True, help="Seconds between looks at a submission one waits for.")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = SubmissionStore(parent=self)
        self.bank = ProblemBank(parent=self)
        self.queue = JobQueue(parent=self)
        self.grader = Grader(self.store, self.bank, parent=self)

    def submit(
        self, username: str, slug: str, source: str, kind: str = SUBMIT, assignment: str | None = None
    ) -> Submission:
        """Queue a suite. ProblemError for a slug the bank lacks; QueueError if the database cannot take it."""
        self.bank.resolve(slug)
        try:
            return self.store.create(username, slug, source, kind, assignment)
        except (OperationalError, InterfaceError) as exc:
            message = f"could not be queued: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
            raise QueueError(message) from exc

    def wait(self, submission_id: uuid.UUID | str, timeout_s: float) -> Submission:
        """The submission once it is final, or as it is when timeout_s runs out."""
        deadline = time.monotonic() + timeout_s
        while True:
            submission = self.store.get(submission_id)
            if submission is None:
                raise KeyError(f"no submission {submission_id}")
            if submission.status in FINAL or time.monotonic() >= deadline:
                return submission
            time.sleep(self.poll_interval_s)
