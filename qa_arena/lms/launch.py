"""LTI 1.3 launches: who came from which LMS, into which course, with which role.

ltiauthenticator verifies the id_token (signature, issuer, audience, nonce, state, times); it does not
check the deployment. `post_auth_hook` (c.Authenticator.post_auth_hook) refuses a deployment that is not
registered, records the launch, names the user by the roster's rule (roster.LmsUsernames) and gives them
the groups of every course they launched into with their role there: `formgrade-<course>` for
instructors and TAs, `nbgrader-<course>` for students (c.Authenticator.manage_groups). A context becomes a
course once it is linked (`qa-arena lms link-course`); a student's LTI user id goes into that course's
gradebook at launch, as the roster does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from qa_arena.course.settings import CourseError, read_course
from qa_arena.lms.gradebook import open_gradebook
from qa_arena.lms.models import CourseLink, Launch, Platform
from qa_arena.lms.roster import LmsUsernames, is_student
from qa_arena.service.models import utcnow
from qa_arena.service.store import SubmissionStore, configured_store

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DEPLOYMENT, CONTEXT, RESOURCE_LINK, ROLES = (CLAIM + n for n in ("deployment_id", "context", "resource_link", "roles"))
MESSAGE_TYPE = CLAIM + "message_type"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
INSTRUCTOR_ROLES = ("membership#Instructor", "membership#ContentDeveloper", "membership#Administrator")
TA_ROLE = "membership/Instructor#TeachingAssistant"


class LaunchRefused(PermissionError):
    """The launch comes from an LMS deployment QA Arena does not know: what to register is in the message."""


def role_of(roles: list[str]) -> str | None:
    """instructor, ta or student: the strongest course role among the LTI roles (None: no course role)."""
    if any(role.endswith(TA_ROLE) for role in roles):
        return "ta"
    if any(role.endswith(INSTRUCTOR_ROLES) for role in roles):
        return "instructor"
    return "student" if is_student(roles) else None


@dataclass(frozen=True)
class LaunchResult:
    username: str
    course_id: str | None
    role: str | None
    groups: list[str]  # every course group the user has from their launches


def linked_course(session, platform: Platform, context_id: str | None) -> CourseLink | None:
    """The course an LMS context is linked to. A context is the LMS's (issuer and client), whichever of its
    deployments it was linked through."""
    if not context_id:
        return None
    same_lms = select(Platform.id).where(Platform.issuer == platform.issuer, Platform.client_id == platform.client_id)
    return session.scalars(
        select(CourseLink).where(CourseLink.platform_id.in_(same_lms), CourseLink.context_id == context_id)
    ).first()


def client_id_of(claims: dict) -> str:
    audience = claims.get("aud")
    return claims.get("azp") or (audience if isinstance(audience, str) else (audience or [""])[0])


class Launches:
    """Records launches in the QA Arena database and says what they give."""

    def __init__(self, store: SubmissionStore, usernames: LmsUsernames | None = None) -> None:
        self.store, self.usernames = store, usernames or LmsUsernames()

    def platform(self, session, claims: dict) -> Platform:
        issuer, client_id, deployment = claims.get("iss"), client_id_of(claims), claims.get(DEPLOYMENT)
        found = session.scalars(
            select(Platform).where(
                Platform.issuer == issuer, Platform.client_id == client_id, Platform.deployment_id == deployment
            )
        ).one_or_none()
        if found is None:
            raise LaunchRefused(
                f"LMS deployment {deployment!r} of {issuer} (client {client_id}) is not registered with QA Arena: "
                f"an admin runs qa-arena lms register --issuer {issuer} --client-id {client_id} "
                f"--deployment-id {deployment} ..."
            )
        return found

    def record(self, claims: dict) -> LaunchResult:
        username = self.usernames.username(claims)
        if not username:
            raise LaunchRefused("the launch names no user (no sub)")
        roles = list(claims.get(ROLES) or [])
        context_id = (claims.get(CONTEXT) or {}).get("id")
        with self.store.session() as session:
            platform = self.platform(session, claims)
            link = linked_course(session, platform, context_id)
            launch = Launch(
                platform_id=platform.id, sub=str(claims["sub"]), username=username, context_id=context_id,
                course_id=link.course_id if link else None, role=role_of(roles), roles=roles,
                resource_link_id=(claims.get(RESOURCE_LINK) or {}).get("id"), ags=claims.get(AGS),
                nrps=claims.get(NRPS), launched_at=utcnow(),
                message_type=claims.get(MESSAGE_TYPE) or "LtiResourceLinkRequest",
                deep_linking=claims.get(DEEP_LINKING),
            )  # fmt: skip
            session.add(launch)
            course_dir = link.course_dir if link else None
            groups = self._groups(session, username)
        if course_dir and launch.role == "student":
            self._into_gradebook(Path(course_dir), username, str(claims["sub"]), claims)
        return LaunchResult(username, launch.course_id, launch.role, groups)

    @staticmethod
    def _groups(session, username: str) -> list[str]:
        """The groups of every course the user launched into, with the latest role they had there."""
        latest: dict[str, str | None] = {}
        query = select(Launch.course_id, Launch.role).where(Launch.username == username, Launch.course_id.is_not(None))
        for course_id, role in session.execute(query.order_by(Launch.launched_at, Launch.id)):
            latest[course_id] = role
        groups = set()
        for course_id, role in latest.items():
            if role in ("instructor", "ta"):
                groups.add(f"formgrade-{course_id}")
            elif role == "student":
                groups.add(f"nbgrader-{course_id}")
        return sorted(groups)

    @staticmethod
    def _into_gradebook(course_dir: Path, username: str, sub: str, claims: dict) -> None:
        """The student in the course's gradebook with their LTI user id (a login is not refused over it)."""
        try:
            with open_gradebook(read_course(course_dir)) as gradebook:
                gradebook.update_or_create_student(
                    username, lms_user_id=sub, first_name=claims.get("given_name"),
                    last_name=claims.get("family_name"), email=claims.get("email"),
                )  # fmt: skip
        except (CourseError, OSError, ValueError) as exc:
            log.warning("launch of %s: not added to the gradebook of %s: %s", username, course_dir, exc)


async def post_auth_hook(authenticator, handler, authentication: dict) -> dict:
    """c.Authenticator.post_auth_hook for LTI13Authenticator: refuse unregistered deployments, record the
    launch, set the username and the user's course groups."""
    from tornado import web

    claims = authentication.get("auth_state") or {}
    with configured_store() as store:
        try:
            result = Launches(store, LmsUsernames(config=authenticator.config)).record(claims)
        except LaunchRefused as exc:
            raise web.HTTPError(403, str(exc)) from exc
    return {**authentication, "name": result.username, "groups": result.groups}
