"""One grading job, as a worker runs it once it took it from the queue: grade under a heartbeat, then
record or retry. This is the one layer that retries.

The judge's ERROR verdict means the infrastructure failed (it never raises), so the job is put back,
due after an exponential backoff, until `max_attempts` is spent; then it is recorded as ERROR with no
score. SUCCESS and FAILURE are final. A worker that dies stops heartbeating: its job is taken again
once the lease runs out (store.claim_next), which also counts as an attempt.
Recording what an attempt found outlives a short database outage (a restart): the write is tried
again, the lease renewed each time, for up to `lease_s`.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial

from sqlalchemy.exc import InterfaceError, OperationalError
from traitlets import Bool, Float, Int
from traitlets.config import LoggingConfigurable

from qa_arena.grading.bank import ProblemBank
from qa_arena.grading.verdict import ERROR
from qa_arena.service.models import PENDING, error_verdict_dict
from qa_arena.service.store import Claim, SubmissionStore


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Heartbeat:
    """Keeps the running attempt's lease alive from a thread while the (blocking) judge works."""

    def __init__(self, store: SubmissionStore, submission_id: uuid.UUID, attempt: int, interval_s: float, log) -> None:
        self.store, self.submission_id, self.attempt = store, submission_id, attempt
        self.interval_s, self.log = interval_s, log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{submission_id}", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                if not self.store.heartbeat(self.submission_id, self.attempt):
                    self.log.warning("submission %s: lease lost; its result will not be recorded", self.submission_id)
                    return
            except Exception as exc:  # the database may come back before the lease runs out
                self.log.warning("submission %s: heartbeat failed: %s", self.submission_id, exc)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class _Collect(logging.Handler):
    """The judge's warnings during one job (this thread only), for the submission's log."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(f"judge {record.levelname.lower()}: {record.getMessage()}"[:500])


class Grader(LoggingConfigurable):
    """Runs grading jobs against the bank with the configured judge, and records what they found."""

    JUDGE_LOGGER = "qa_arena.service.judge"

    max_attempts = Int(3, min=1, config=True, help="Grading attempts per submission (ERROR verdicts and lost workers).")
    retry_backoff_s = Float(5.0, config=True, help="Delay before the first retry, in seconds; doubles each retry.")
    retry_backoff_max_s = Float(300.0, config=True, help="Longest delay between two attempts, in seconds.")
    retry_jitter = Bool(True, config=True, help="Pick each delay at random in [delay/2, delay] (spreads retries).")
    lease_s = Float(
        20.0,
        config=True,
        help="Seconds without a heartbeat after which a running attempt counts as lost and another worker takes "
        "the job (within lease_s + JobQueue.poll_interval_s). Keep it several times heartbeat_interval_s.",
    )
    heartbeat_interval_s = Float(5.0, config=True, help="Seconds between heartbeats of a running attempt.")

    def __init__(self, store: SubmissionStore, bank: ProblemBank, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store, self.bank = store, bank

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        delay = min(self.retry_backoff_max_s, self.retry_backoff_s * 2 ** (attempt - 1))
        return random.uniform(delay / 2, delay) if self.retry_jitter else delay

    def grade(self, slug: str, source: str) -> tuple[dict, list[str]]:
        """The judge's verdict as JSON (never raises), and the judge's warnings."""
        from qa_arena.grading.judge import Judge
        from qa_arena.grading.problem import ProblemError

        logger = logging.getLogger(self.JUDGE_LOGGER)
        collect = _Collect()
        logger.addHandler(collect)
        try:
            problem = self.bank.resolve(slug)
            verdict = Judge(config=self.config, log=logger).grade(problem, source).to_dict()
        except ProblemError as exc:  # the worker's bank lacks it or it broke: not the student's fault
            verdict = error_verdict_dict(slug, f"the grader could not grade: {exc}")
        except Exception as exc:  # e.g. a sandbox class that cannot be loaded
            logger.exception("grading %s failed", slug)
            verdict = error_verdict_dict(slug, f"the grader could not grade: {type(exc).__name__}: {exc}")
        finally:
            logger.removeHandler(collect)
        return verdict, collect.lines

    def run(self, claim: Claim) -> dict:
        """Grade a job taken from the queue; record its verdict, or put it back, due later, for a retry."""
        submission_id, attempt = claim.submission_id, claim.attempts
        summary = {"id": str(submission_id), "attempt": attempt}
        with Heartbeat(self.store, submission_id, attempt, self.heartbeat_interval_s, self.log):
            verdict, warnings = self.grade(claim.problem, claim.source)
        status = verdict["status"]
        lines = [*warnings]
        if status == ERROR and attempt < self.max_attempts:
            countdown = self.backoff(attempt)
            lines.append(f"attempt {attempt}: ERROR ({verdict.get('message', '')}); retry in {countdown:.1f} s")
            write = partial(self.store.retry_later, submission_id, attempt, "\n".join(lines), countdown)
            if self._record(submission_id, attempt, write):
                return {**summary, "status": PENDING, "retry_in_s": countdown}
        else:
            score = verdict.get("score")
            result = f"score {score:g}" if isinstance(score, int | float) else (verdict.get("message") or "no score")
            lines.append(f"attempt {attempt}: {status}, {result}")
            write = partial(self.store.finish, submission_id, attempt, verdict, "\n".join(lines))
            if self._record(submission_id, attempt, write):
                return {**summary, "status": status, "score": verdict.get("score")}
        self.log.warning(
            "submission %s: attempt %d lost its lease; its result was not recorded", submission_id, attempt
        )
        return {**summary, "status": "lease lost"}

    def _record(self, submission_id: uuid.UUID, attempt: int, write: Callable[[], bool]) -> bool:
        """Store what the attempt found; False if the attempt no longer holds the submission.

        If the database is away (a restart), the verdict is not thrown away: the write is tried again,
        renewing the lease first (so no other worker takes the job over once the database is back), until
        lease_s has passed; then the error propagates, and the job is taken again once its lease runs out.
        Each write is one guarded UPDATE, so a retry never records twice.
        """
        deadline = time.monotonic() + self.lease_s
        delay = min(0.2, self.heartbeat_interval_s)
        while True:
            try:
                return write()
            except (OperationalError, InterfaceError) as exc:
                if time.monotonic() + delay > deadline:
                    raise
                self.log.warning(
                    "submission %s: could not record attempt %d (%s); trying again in %.1f s",
                    submission_id, attempt, " ".join(str(exc).split())[:200], delay,
                )  # fmt: skip
            time.sleep(delay)
            delay = min(delay * 2, self.heartbeat_interval_s)
            try:
                if not self.store.heartbeat(submission_id, attempt):
                    return False  # taken over meanwhile: its result is not ours to record
            except (OperationalError, InterfaceError):
                pass  # still away: the write below fails the same way and is tried again
