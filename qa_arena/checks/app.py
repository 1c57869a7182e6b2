"""The check service: its configuration and its tornado application (handlers in handlers.py).

Run by the Hub as a managed service (`qa-arena check-service`); it reads the service variables the
Hub sets (JUPYTERHUB_SERVICE_URL, JUPYTERHUB_SERVICE_PREFIX, JUPYTERHUB_API_TOKEN...). Grading
goes through the grading service's queue: a worker (`qa-arena worker`) must be running.
"""

from __future__ import annotations

import asyncio
import os
from collections import OrderedDict, defaultdict
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlparse

from traitlets import Bool, Dict, Enum, Float, Int, Set, Unicode
from traitlets.config import LoggingConfigurable

from qa_arena import environment
from qa_arena.checks import SERVICE_NAME, STAFF_SCOPE
from qa_arena.checks.limits import CheckLimits
from qa_arena.checks.views import LEVELS
from qa_arena.grading.problem import Problem
from qa_arena.grading.student_view import INVALID_NAMED
from qa_arena.grading.verdict import SUCCESS, Verdict
from qa_arena.service.models import Submission
from qa_arena.service.service import GradingService

DEFAULT_PROVIDER = "qa_arena.ai.openai_provider.OpenAIFeedback"  # falls back to offline hints by itself


class CheckService(LoggingConfigurable):
    """Instant checks for students; limits, feedback level and feedback provider are configured here."""

    feedback_level = Enum(LEVELS, "hints", config=True, help="What a check shows: none, count, hints or tests.")
    feedback_levels = Dict(
        config=True,
        help='Per assignment or problem slug, e.g. {"ps4-state": "count"}; the assignment named by the check wins.',
    )
    staff_users = Set(
        config=True,
        help=f"Users treated as staff besides those holding the Hub scope {STAFF_SCOPE} (and Hub admins).",
    )
    problems = Set(
        config=True,
        help="Slugs students may check (staff may check any); empty: every problem of the bank. Keep "
        "problems of assignments not released yet out of it, or their hints are out early.",
    )
    invalid_tests_named = Int(
        INVALID_NAMED,
        config=True,
        help="Invalid tests named in a check's answer (the total is always given): more would let a suite read a "
        "variant out, a bit per test.",
    )
    max_tests_chars = Int(200_000, config=True, help="Largest tests source accepted, in characters (413 beyond).")
    max_wait_s = Float(30.0, config=True, help="Longest a GET may wait for a verdict (?wait=seconds).")
    feedback_provider = Unicode(
        DEFAULT_PROVIDER, config=True, help="The FeedbackProvider class (dotted name) writing the feedback text."
    )
    experiment = Unicode(
        "",
        config=True,
        help="An experiment (c.Experiments.experiments) whose groups choose the provider, per student.",
    )
    experiment_providers = Dict(
        config=True,
        help='The provider class of each group of `experiment`, e.g. {"control": "qa_arena.ai.HintsFallback", '
        '"ai": "qa_arena.ai.OpenAIFeedback"}; a group not listed gets `feedback_provider`.',
    )
    debug = Bool(False, config=True, help="Tracebacks in error answers (never in production).")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.grading = GradingService(parent=self)
        self.limits = CheckLimits(parent=self)
        self.user_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)  # one check at a time each
        self._providers: dict[str, object] = {}
        self._reported: OrderedDict[str, None] = OrderedDict()  # checks whose verdict was logged as an event

    def first_seen_final(self, submission_id: str) -> bool:
        """True once per check and process: the `check_graded` event is logged when its verdict is first served."""
        if submission_id in self._reported:
            return False
        self._reported[submission_id] = None
        if len(self._reported) > 100_000:
            self._reported.popitem(last=False)
        return True

    # -- policy ----------------------------------------------------------------------------------
    def is_staff(self, user: dict) -> bool:
        return bool(user.get("admin")) or user["name"] in self.staff_users or STAFF_SCOPE in user.get("scopes", ())

    def level_for(self, problem: str, assignment: str | None) -> str:
        level = self.feedback_levels.get(assignment or "") or self.feedback_levels.get(problem) or self.feedback_level
        if level not in LEVELS:
            raise ValueError(f"CheckService.feedback_levels: {level!r} is not one of {', '.join(LEVELS)}")
        return level

    def provider_name(self, username: str, problem: str) -> str:
        if not self.experiment:
            return self.feedback_provider
        from qa_arena.experiments.config import Experiments

        group = Experiments(config=self.config).group_for(self.experiment, username, problem)
        return self.experiment_providers.get(group, self.feedback_provider) if group else self.feedback_provider

    def provider(self, name: str):
        if name not in self._providers:
            from traitlets.utils.importstring import import_item

            self._providers[name] = import_item(name)(parent=self)
        return self._providers[name]

    def feedback(self, submission: Submission, problem: Problem, verdict: Verdict | None = None) -> dict | None:
        """The feedback text for a graded check (AI or offline hints; cached by the provider), or None.

        `verdict` is the check's verdict when the caller parsed it already (the view does), else parsed here.
        """
        if submission.status != SUCCESS or not submission.verdict:
            return None
        if verdict is None:
            verdict = Verdict.from_dict(submission.verdict, problem)
        if verdict.killed == verdict.total:
            return None
        explained = self.provider(self.provider_name(submission.username, problem.slug)).explain(
            problem, verdict, submission.source
        )
        return {**asdict(explained), "label": explained.label}


def service_address() -> tuple[str, int, str]:
    """(ip, port, prefix) from the variables the Hub gives a managed service."""
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE_NAME}/")
    ip = environment.value("QA_ARENA_CHECK_BIND_IP") or url.hostname or "127.0.0.1"  # 0.0.0.0 in a container
    return ip, url.port or 10101, prefix if prefix.endswith("/") else prefix + "/"


def make_app(service: CheckService, prefix: str):
    """The tornado application: the JSON API under PREFIX/api/, the student's page at PREFIX."""
    from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler
    from tornado.web import Application

    from qa_arena.checks import handlers
    from qa_arena.checks.events import log_request

    hub_auth = HubOAuth(cache_max_age=60)
    routes = [
        (prefix + "oauth_callback", HubOAuthCallbackHandler),
        (prefix + "api/health", handlers.HealthHandler),
        (prefix + "api/problems/([^/]+)", handlers.ProblemHandler),
        (prefix + "api/checks", handlers.ChecksHandler),
        (prefix + r"api/checks/([0-9a-fA-F-]{36})", handlers.CheckHandler),
        (prefix + r"api/checks/([0-9a-fA-F-]{36})/rating", handlers.RatingHandler),
        (prefix + "api/stats", handlers.StatsHandler),
        (prefix + "api/.*", handlers.NotFoundHandler),
        (prefix + r"rate/([0-9a-fA-F-]{36})", handlers.RatePageHandler),
        (prefix + "?", handlers.PageHandler),
    ]
    return Application(
        routes,
        hub_auth=hub_auth,
        login_url=hub_auth.login_url,
        check_service=service,
        log_function=log_request,
        cookie_secret=os.urandom(32),
        xsrf_cookies=False,  # HubOAuth checks XSRF for cookie-authenticated requests itself
        default_handler_class=handlers.NotFoundHandler,
        serve_traceback=service.debug,
        template_path=str(Path(__file__).with_name("templates")),
    )


async def serve(service: CheckService) -> None:
    ip, port, prefix = service_address()
    app = make_app(service, prefix)
    app.listen(port, address=ip, xheaders=True)
    service.log.info("QA Arena check service on http://%s:%d%s", ip, port, prefix)
    await asyncio.Event().wait()
