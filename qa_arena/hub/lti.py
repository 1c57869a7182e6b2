"""The hub as an LTI 1.3 tool (QA_ARENA_HUB_AUTHENTICATOR=lti13): ltiauthenticator for the launch, configured
from the registration in the QA Arena database; QA Arena's post-auth hook (qa_arena.lms.launch) for the
deployment check, the launch record and the course groups; the tool's public keys at /hub/lti13/jwks.

Launch in a new tab (platform setting): in an iframe, browsers drop the hub's cookies as third-party ones.
"""

from __future__ import annotations

from sqlalchemy import select
from tornado import web

from qa_arena.command import load_config
from qa_arena.lms.keys import ToolKeys
from qa_arena.lms.launch import post_auth_hook
from qa_arena.lms.models import Platform
from qa_arena.lms.roster import LmsUsernames
from qa_arena.service.store import SubmissionStore

AUTHENTICATOR = "lti13"  # the value of QA_ARENA_HUB_AUTHENTICATOR that selects this
TIME_LEEWAY_S = 45  # clock drift allowed on the id_token's times (the issue asks 30-60 s)


class ToolJwksHandler(web.RequestHandler):
    """GET /hub/lti13/jwks: the tool's public JWKS, for the LMS's registration (by URL)."""

    def get(self) -> None:
        store = SubmissionStore(config=load_config(None))
        try:
            self.set_header("Content-Type", "application/json")
            self.set_header("Cache-Control", "max-age=300")
            self.finish(ToolKeys(store).jwks())
        finally:
            store.dispose()


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
    return [(r"/lti13/jwks", ToolJwksHandler)]
