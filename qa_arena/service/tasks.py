"""The Celery application of a grading service, and its one task: grade a submission by id.

Each GradingService makes its own app from its traits (`make_app`), so two services in one process
(tests, a hub talking to two queues) never share a broker connection. Workers fork their pool
processes from the configured app, which keeps the service at `app.qa_arena_service`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Celery
from sqlalchemy.exc import InterfaceError, OperationalError

from qa_arena.service.queue import TASK_NAME

if TYPE_CHECKING:
    from qa_arena.service.service import GradingService


def grade(task, submission_id: str) -> dict:
    """The task body: one delivery of one submission's job."""

    def retry(countdown: float) -> None:
        raise task.retry(countdown=countdown)

    return task.app.qa_arena_service.grader.run(submission_id, retry)


def make_app(service: GradingService) -> Celery:
    app = Celery("qa_arena.service", set_as_current=False)
    app.conf.update(service.queue.celery_config())
    app.qa_arena_service = service
    app.task(
        bind=True,
        name=TASK_NAME,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=None,  # ERROR verdicts are bounded by Grader.max_attempts, counted in the database
        autoretry_for=(OperationalError, InterfaceError),  # the database is away: try again later
        retry_backoff=2,
        retry_backoff_max=300,
        retry_kwargs={"max_retries": 10},
    )(grade)
    return app


def publish(app: Celery, submission_id: str) -> None:
    """Send the job of one submission (again: duplicates are harmless)."""
    app.tasks[TASK_NAME].apply_async(args=[str(submission_id)], queue=app.conf.task_default_queue, retry=True)
