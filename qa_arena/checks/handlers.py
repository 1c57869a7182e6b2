"""The check service's request handlers: a small JSON API and the student's page.

Errors are `{"detail": ..., "type": ...}` with the right status; tracebacks only with
CheckService.debug. Database and grading work runs in threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import time
import traceback
import uuid

from jupyterhub.services.auth import HubOAuthenticated
from sqlalchemy import select
from tornado.web import HTTPError, RequestHandler, authenticated

from qa_arena.answer import render_html
from qa_arena.checks.events import event
from qa_arena.checks.views import check_view, final_verdict
from qa_arena.grading.problem import ProblemError
from qa_arena.service.models import CHECK, FINAL, FeedbackRating, Submission
from qa_arena.service.service import QueueError

TYPES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         413: "too_large", 429: "rate_limited", 503: "unavailable"}  # fmt: skip
LIST_LIMIT = 50


class ApiError(HTTPError):
    """An error answer: status, a sentence for the student, and its type."""

    def __init__(self, status: int, detail: str, type_: str | None = None, headers: dict | None = None) -> None:
        super().__init__(status, detail)
        self.detail, self.type = detail, type_ or TYPES.get(status, "error")
        self.headers = headers or {}


class BaseHandler(HubOAuthenticated, RequestHandler):
    @property
    def service(self):
        return self.settings["check_service"]

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code: int, **kwargs) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, ApiError):
            detail, type_ = error.detail, error.type
            for name, value in error.headers.items():
                self.set_header(name, value)
        elif isinstance(error, HTTPError) and error.log_message:
            detail, type_ = (
                error.log_message % error.args if error.args else error.log_message,
                TYPES.get(status_code, "error"),
            )
        else:
            detail, type_ = self._reason, TYPES.get(status_code, "internal_error" if status_code >= 500 else "error")
        body = {"detail": detail, "type": type_}
        if self.service.debug and error is not None and not isinstance(error, HTTPError):
            body["traceback"] = traceback.format_exception(*kwargs["exc_info"])
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(body))

    def send(self, data: dict | list, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(data))

    def user(self) -> dict:
        """The Hub user of this request (token or OAuth cookie); 401/403 otherwise."""
        user = self.current_user
        if user:
            return user
        if self.request.headers.get("Authorization") or self.hub_auth.cookie_name in self.request.cookies:
            raise ApiError(403, "this token or login does not give access to the check service")
        raise ApiError(401, "log in through the hub, or send `Authorization: token <your API token>`")

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise ApiError(400, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "the body must be a JSON object")
        return data

    async def problem(self, slug: str):
        try:
            return await asyncio.to_thread(self.service.grading.bank.resolve, slug)
        except ProblemError as exc:
            raise ApiError(404, f"unknown problem {slug!r}") from exc

    async def own_submission(self, submission_id: str, user: dict) -> Submission:
        """The check, if it is this user's (or the user is staff); 404 otherwise: others' ids stay unknown."""
        submission = await asyncio.to_thread(self.service.grading.store.get, _uuid_or_404(submission_id))
        if submission is None or (submission.username != user["name"] and not self.service.is_staff(user)):
            raise ApiError(404, f"no check {submission_id}")
        return submission

    async def view(self, submission: Submission) -> dict:
        try:
            problem = await asyncio.to_thread(self.service.grading.bank.resolve, submission.problem)
        except ProblemError:
            problem = None  # removed from the bank since: status only
        level = self.service.level_for(submission.problem, submission.assignment)
        verdict = final_verdict(submission, problem)  # parsed once, for the feedback and the view
        feedback = None
        if verdict is not None and level in ("hints", "tests"):
            feedback = await asyncio.to_thread(self.service.feedback, submission, problem, verdict)
        return check_view(submission, problem, level, feedback, verdict, self.service.invalid_tests_named)


def save_rating(service, submission: Submission, username: str, data: dict, feedback: dict):
    """Store the student's rating with the feedback text exactly as it was shown."""
    from qa_arena.ai.base import AIFeedback
    from qa_arena.ratings.store import RatingStore

    shown = AIFeedback(feedback["text"], feedback["source"], feedback.get("reason", ""), feedback.get("cached", False),
                       feedback.get("model", ""))  # fmt: skip
    return RatingStore(service.grading.store, parent=service).add(
        submission.id, username, data.get("stars"), shown, data.get("comment")
    )


class NotFoundHandler(BaseHandler):
    def prepare(self) -> None:
        raise ApiError(404, f"no such endpoint: {self.request.path}")


class HealthHandler(BaseHandler):
    def get(self) -> None:
        self.send({"status": "ok"})


class ProblemHandler(BaseHandler):
    async def get(self, slug: str) -> None:
        user = self.user()
        problem = await self.problem(slug)
        event("problem_viewed", user=user["name"], problem=slug)
        fields = ("slug", "title", "difficulty", "module", "function", "description")
        self.send({field: getattr(problem, field) for field in fields})


class ChecksHandler(BaseHandler):
    async def post(self) -> None:
        """Queue a check: {"problem": slug, "tests": source, "assignment": name?} -> 202 and the check."""
        user = self.user()
        data = self.body()
        slug, tests, assignment = data.get("problem"), data.get("tests"), data.get("assignment")
        if not isinstance(slug, str) or not slug:
            raise ApiError(400, '"problem" (a problem slug) is required')
        if not isinstance(tests, str) or not tests.strip():
            raise ApiError(400, '"tests" (the tests, as Python source) is required')
        if assignment is not None and (not isinstance(assignment, str) or len(assignment) > 200):
            raise ApiError(400, '"assignment" must be a name of at most 200 characters')
        if len(tests) > self.service.max_tests_chars:
            raise ApiError(413, f"the tests are longer than {self.service.max_tests_chars} characters")
        if self.service.problems and slug not in self.service.problems and not self.service.is_staff(user):
            raise ApiError(404, f"unknown problem {slug!r}")  # not open for checks: the same answer as none
        await self.problem(slug)
        grading = self.service.grading
        async with self.service.user_locks[user["name"]]:
            if not self.service.is_staff(user):
                refusal = await asyncio.to_thread(
                    self.service.limits.refusal, grading.store, user["name"], slug, assignment
                )
                if refusal is not None:
                    event("check_refused", user=user["name"], problem=slug, reason=refusal.message)
                    raise ApiError(429, refusal.message, headers={"Retry-After": str(refusal.retry_after_s)})
            try:
                submission = await asyncio.to_thread(grading.submit, user["name"], slug, tests, CHECK, assignment)
            except QueueError as exc:
                raise ApiError(503, "the grading queue cannot take checks right now; try again in a minute") from exc
        event("check_submitted", user=user["name"], problem=slug, assignment=assignment, id=str(submission.id))
        self.set_header("Location", f"{self.request.path}/{submission.id}")
        self.send(await self.view(submission), status=202)

    async def get(self) -> None:
        """The user's latest checks (status and score only), newest first."""
        user = self.user()
        store = self.service.grading.store

        def latest() -> list[dict]:
            columns = (Submission.id, Submission.problem, Submission.assignment, Submission.status,
                       Submission.score, Submission.queued_at)  # fmt: skip
            query = (select(*columns).where(Submission.username == user["name"], Submission.kind == CHECK)
                     .order_by(Submission.queued_at.desc()).limit(LIST_LIMIT))  # fmt: skip
            with store.session() as session:
                rows = session.execute(query).all()
            return [{"id": str(r.id), "problem": r.problem, "assignment": r.assignment, "status": r.status,
                     "score": r.score, "queued_at": r.queued_at.isoformat()} for r in rows]  # fmt: skip

        self.send(await asyncio.to_thread(latest))


class CheckHandler(BaseHandler):
    async def get(self, submission_id: str) -> None:
        """One check, as the student may see it; `?wait=S` waits up to S seconds for the verdict."""
        user = self.user()
        try:
            wait = min(float(self.get_argument("wait", "0")), self.service.max_wait_s)
        except ValueError:
            raise ApiError(400, "wait must be a number of seconds") from None
        submission = await self.own_submission(submission_id, user)
        deadline, interval = time.monotonic() + max(wait, 0.0), self.service.grading.poll_interval_s
        while submission.status not in FINAL and time.monotonic() < deadline:
            await asyncio.sleep(interval)
            interval = min(interval * 1.5, 0.5)  # many students waiting: fewer reads, at most 0.5 s late
            submission = await self.own_submission(submission_id, user)
        view = await self.view(submission)
        if submission.status in FINAL and self.service.first_seen_final(submission_id):
            event("check_graded", user=submission.username, problem=submission.problem, id=submission_id,
                  status=submission.status, score=submission.score)  # fmt: skip
        self.send(view)


class RatingHandler(BaseHandler):
    async def post(self, submission_id: str) -> None:
        """The student's 1-5 rating of the feedback text their check showed: {"stars": n, "comment": "..."}."""
        from qa_arena.ratings.validate import RatingError

        user = self.user()
        data = self.body()
        submission = await self.own_submission(submission_id, user)
        if submission.username != user["name"]:
            raise ApiError(403, "only the student who checked may rate its feedback")
        view = await self.view(submission)
        if "feedback" not in view:
            raise ApiError(400, "this check showed no feedback text to rate")
        try:
            saved = await asyncio.to_thread(save_rating, self.service, submission, user["name"], data, view["feedback"])
        except RatingError as exc:
            raise ApiError(400, str(exc)) from exc
        event("feedback_rated", user=user["name"], problem=submission.problem, id=submission_id, stars=saved.row.stars)
        self.send({"id": submission_id, "stars": saved.row.stars, "replaced": saved.replaced}, status=201)


class StatsHandler(BaseHandler):
    async def get(self) -> None:
        """Staff only: the course's statistics (`qa-arena stats` prints the same)."""
        from qa_arena.checks.stats import service_stats

        user = self.user()
        if not self.service.is_staff(user):
            raise ApiError(403, "the statistics are for staff")
        problem = self.get_argument("problem", None)
        self.send(await asyncio.to_thread(service_stats, self.service.grading.store, problem))


class PageHandler(BaseHandler):
    @authenticated
    async def get(self) -> None:
        """The student's checks with their feedback, and a form to rate each feedback text."""
        user = self.current_user
        store = self.service.grading.store

        def latest() -> tuple[list[Submission], dict]:
            query = (select(Submission).where(Submission.username == user["name"], Submission.kind == CHECK)
                     .order_by(Submission.queued_at.desc()).limit(LIST_LIMIT))  # fmt: skip
            with store.session() as session:
                checks = list(session.scalars(query))
                rated = select(FeedbackRating.submission_id, FeedbackRating.stars).where(
                    FeedbackRating.username == user["name"], FeedbackRating.submission_id.in_([c.id for c in checks])
                )
                return checks, dict(session.execute(rated).all())

        checks, ratings = await asyncio.to_thread(latest)
        views = []
        for check in checks:
            view = await self.view(check)
            views.append({**view, "rating": ratings.get(check.id), "html": render_html(view)})
        rated = self.get_argument("rated", None)
        self.render("checks.html", user=user["name"], limit=LIST_LIMIT, views=views, rated=rated)


class RatePageHandler(BaseHandler):
    @authenticated
    async def post(self, submission_id: str) -> None:
        """The page's rating form (cookie-authenticated; HubOAuth checks its XSRF token)."""
        from qa_arena.ratings.validate import RatingError

        user = self.current_user
        submission = await self.own_submission(submission_id, user)
        view = await self.view(submission)
        if submission.username != user["name"] or "feedback" not in view:
            raise ApiError(400, "no feedback of yours to rate here")
        data = {"stars": self.get_body_argument("stars", ""), "comment": self.get_body_argument("comment", "") or None}
        try:
            await asyncio.to_thread(save_rating, self.service, submission, user["name"], data, view["feedback"])
        except RatingError as exc:
            raise ApiError(400, str(exc)) from exc
        event("feedback_rated", user=user["name"], problem=submission.problem, id=submission_id, stars=data["stars"])
        self.redirect(f"{self.reverse_prefix()}?rated={submission_id}#check-{submission_id}")

    def reverse_prefix(self) -> str:
        return self.request.path.rsplit("/rate/", 1)[0] + "/"


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError(404, f"no check {value}") from None
