"""The hub as an LTI 1.3 tool (QA_ARENA_HUB_AUTHENTICATOR=lti13): ltiauthenticator for the launch, configured
from the registration in the QA Arena database; QA Arena's post-auth hook (qa_arena.lms.launch) for the
deployment check, the launch record and the course groups; the tool's public keys at /hub/lti13/jwks; and
the target of a deep-linking launch at /hub/lti13/deep-link (qa_arena.lms.deep_linking).

Launch in a new tab (platform setting): in an iframe, browsers drop the hub's cookies as third-party ones.
"""

from __future__ import annotations

import html
from datetime import timedelta

from jupyterhub.handlers import BaseHandler
from sqlalchemy import select
from tornado import web

from qa_arena.course.settings import read_course
from qa_arena.lms.deep_linking import Offer, deep_linking_response, released_assignments
from qa_arena.lms.keys import ToolKeys
from qa_arena.lms.launch import linked_course, post_auth_hook
from qa_arena.lms.models import CourseLink, Launch, Platform
from qa_arena.lms.roster import LmsUsernames
from qa_arena.service.models import utcnow
from qa_arena.service.store import SubmissionStore, configured_store

AUTHENTICATOR = "lti13"  # the value of QA_ARENA_HUB_AUTHENTICATOR that selects this
TIME_LEEWAY_S = 45  # clock drift allowed on the id_token's times (the issue asks 30-60 s)


class ToolJwksHandler(web.RequestHandler):
    """GET /hub/lti13/jwks: the tool's public JWKS, for the LMS's registration (by URL)."""

    def get(self) -> None:
        with configured_store() as store:
            jwks = ToolKeys(store).jwks()
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "max-age=300")
        self.finish(jwks)


def configure_lti(c, store: SubmissionStore) -> list[tuple[str, type]]:
    """Set the hub's authenticator to LTI 1.3 for the registered LMS; the extra handlers to serve."""
    with store.session() as session:
        platforms = list(session.scalars(select(Platform).order_by(Platform.id)))
    if not platforms:
        raise ValueError(
            "QA_ARENA_HUB_AUTHENTICATOR=lti13 but no LMS is registered: "
            "qa-arena lms register ... (with the hub's QA_ARENA_DB_URL)"
        )
    issuers = sorted({p.issuer for p in platforms})
    if len(issuers) > 1:
        raise ValueError(f"ltiauthenticator serves one LMS issuer; registered: {', '.join(issuers)}")
    first = platforms[0]
    c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
    c.LTI13Authenticator.issuer = first.issuer
    c.LTI13Authenticator.client_id = {p.client_id for p in platforms}
    c.LTI13Authenticator.authorize_url = first.auth_url
    c.LTI13Authenticator.jwks_endpoint = first.jwks_url
    c.LTI13Authenticator.username_key = LmsUsernames(config=c).username_key
    c.LTI13Authenticator.tool_name = "QA Arena"
    c.LTI13Authenticator.tool_description = "Write pytest tests; they are graded against hidden bugs"
    c.LTI13LaunchValidator.time_leeway = TIME_LEEWAY_S
    c.Authenticator.post_auth_hook = post_auth_hook  # deployments, launches, usernames, groups
    c.Authenticator.manage_groups = True
    c.Authenticator.allow_all = True  # anyone the LMS launches from a registered deployment
    c.Authenticator.admin_users = set()
    ToolKeys(store).signing_key()  # the keys exist before the LMS asks for them
    return [(r"/lti13/jwks", ToolJwksHandler), (r"/lti13/deep-link", DeepLinkHandler)]


class DeepLinkHandler(BaseHandler):
    """/hub/lti13/deep-link: the target of a deep-linking launch. An instructor of a linked course picks one of
    its released assignments; the page then posts the signed response back to the LMS."""

    def _request(self, store: SubmissionStore) -> tuple[Launch, Platform, CourseLink, list[Offer]]:
        """The user's latest deep-linking launch (within the hour), its platform, linked course and the course's
        released assignments."""
        with store.session() as session:  # read, then sign outside it (SQLite: one writer at a time)
            launch, platform, link = self._launch(session)
        return launch, platform, link, released_assignments(read_course(link.course_dir))

    def _launch(self, session) -> tuple[Launch, Platform, CourseLink]:
        since = utcnow() - timedelta(hours=1)
        launch = session.scalars(
            select(Launch)
            .where(Launch.username == self.current_user.name, Launch.message_type == "LtiDeepLinkingRequest")
            .where(Launch.launched_at >= since)
            .order_by(Launch.launched_at.desc(), Launch.id.desc())
            .limit(1)
        ).one_or_none()
        if launch is None or not launch.deep_linking:
            raise web.HTTPError(400, "no deep-linking launch from the LMS in the last hour: add QA Arena from the LMS")
        if launch.role not in ("instructor", "ta"):
            raise web.HTTPError(403, "only the course's instructors add QA Arena assignments to the LMS")
        platform = session.get(Platform, launch.platform_id)
        link = linked_course(session, platform, launch.context_id)
        if link is None:
            raise web.HTTPError(
                409, f"this LMS course ({launch.context_id}) is linked to no QA Arena course: "
                "qa-arena lms link-course --course-dir COURSE --context-id " + str(launch.context_id)
            )  # fmt: skip
        return launch, platform, link

    @web.authenticated
    def get(self) -> None:
        with configured_store() as store:
            _, _, link, offers = self._request(store)
        if not offers:
            raise web.HTTPError(409, f"course {link.course_id} has no released assignment yet")
        choices = "".join(
            f'<label><input type="radio" name="assignment" value="{html.escape(o.assignment)}" required> '
            f"{html.escape(o.assignment)} ({o.max_score:g} points)</label><br>"
            for o in offers
        )
        self.finish(
            f"<!doctype html><html><head><title>QA Arena: add an assignment</title></head><body>"
            f"<h1>Add a QA Arena assignment of {html.escape(link.course_id)}</h1>"
            f'<form method="post">{self.xsrf_form_html()}{choices}<button type="submit">Add</button></form>'
            "</body></html>"
        )

    @web.authenticated
    def post(self) -> None:
        chosen = self.get_body_argument("assignment")
        with configured_store() as store:
            launch, platform, link, offers = self._request(store)
            offer = next((o for o in offers if o.assignment == chosen), None)
            if offer is None:
                raise web.HTTPError(400, f"{chosen!r} is not a released assignment of {link.course_id}")
            # the student's server fetches the assignment and opens it (qa_arena/course/landing.py)
            path = f"user-redirect/qa-arena/assignments/{link.course_id}/{offer.assignment}"
            launch_url = f"{self.request.protocol}://{self.request.host}{self.hub.base_url}{path}"
            token = deep_linking_response(ToolKeys(store), platform, launch.deep_linking, offer, launch_url)
        return_url = launch.deep_linking["deep_link_return_url"]
        self.finish(
            f'<!doctype html><html><body><form method="post" action="{html.escape(return_url)}">'
            f'<input type="hidden" name="JWT" value="{token}"></form>'
            "<script>document.forms[0].submit()</script></body></html>"
        )
