"""The grading service's parts made from one traitlets config, and the submitter's side of the queue."""

from __future__ import annotations

import time
import uuid

from traitlets import Float
from traitlets.config import LoggingConfigurable

from qa_arena.grading.bank import ProblemBank
from qa_arena.service.grading import Grader
from qa_arena.service.models import FINAL, SUBMIT, Submission
from qa_arena.service.queue import GradingQueue
from qa_arena.service.store import SubmissionStore


class QueueError(RuntimeError):
    """The job could not be published (the broker is away): the submission is recorded as ERROR."""


class GradingService(LoggingConfigurable):
    """Store, problem bank, queue and grader, configured together (c.SubmissionStore.*, c.ProblemBank.* ...)."""

    poll_interval_s = Float(0.25, config=True, help="Seconds between looks at a submission one waits for.")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = SubmissionStore(parent=self)
        self.bank = ProblemBank(parent=self)
        self.queue = GradingQueue(parent=self)
        self.grader = Grader(self.store, self.bank, parent=self)
        self._celery = None

    @property
    def celery(self):
        """This service's Celery app (made on first use: importing Celery takes a moment)."""
        if self._celery is None:
            from qa_arena.service.tasks import make_app

            self._celery = make_app(self)
        return self._celery

    def publish(self, submission_id: uuid.UUID | str) -> None:
        """Send a submission's job (again: duplicates are harmless)."""
        from qa_arena.service.tasks import publish

        publish(self.celery, str(submission_id))

    def submit(
        self, username: str, slug: str, source: str, kind: str = SUBMIT, assignment: str | None = None
    ) -> Submission:
        """Queue a suite. ProblemError for a slug the bank lacks; QueueError if the broker cannot take it."""
        self.bank.resolve(slug)
        submission = self.store.create(username, slug, source, kind, assignment)
        try:
            self.publish(submission.id)
        except Exception as exc:
            message = f"could not be queued: {type(exc).__name__}: {' '.join(str(exc).split())}"
            self.store.abandon(submission.id, message)
            raise QueueError(message) from exc
        return submission

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
