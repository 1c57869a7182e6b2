"""A course's roster from the LMS (NRPS) into its nbgrader gradebook, under the usernames members get at launch.

The username rule is ltiauthenticator's (`c.LTI13Authenticator.username_key`, which
`c.LmsUsernames.username_key` mirrors; default "email"): the claim's value, else the LTI user id (`sub`),
lowercased as JupyterHub normalises names. The same rule names a user at launch, so the gradebook's student
is the hub's user. Members who cannot be graded are flagged, not added: inactive in the LMS, or a username
that another LMS user already has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from traitlets import Unicode
from traitlets.config import LoggingConfigurable

from qa_arena.course.settings import Course
from qa_arena.lms.client import LtiClient
from qa_arena.lms.gradebook import open_gradebook
from qa_arena.lms.models import Member, one_or_new
from qa_arena.service.models import utcnow
from qa_arena.service.store import SubmissionStore

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
ROSTER_FIELDS = {"sub": "user_id"}  # the id token's claim -> the NRPS member's field, where they differ


class LmsUsernames(LoggingConfigurable):
    """How an LMS user is named in QA Arena (the hub, the gradebook, the exchange)."""

    username_key = Unicode(
        "email",
        config=True,
        help="The claim that names a user, as c.LTI13Authenticator.username_key at launch: 'email' (default), "
        "'sub' (the LTI user id: stable, opaque), or another claim the launch and the roster both carry. A user "
        "without it is named by 'sub'. Names are lowercased. Change it only before the first launch.",
    )

    def username(self, claims: dict) -> str | None:
        """The username for a launch's claims or a roster member; None only without a user id at all."""
        value = claims.get(self.username_key) or claims.get(ROSTER_FIELDS.get(self.username_key, ""))
        value = value or claims.get("sub") or claims.get("user_id")
        name = str(value or "").strip().lower()
        return name or None


def is_student(roles: list[str]) -> bool:
    return any(role == LEARNER or role.endswith("#Learner") or role == "Learner" for role in roles)


@dataclass
class RosterResult:
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    flagged: list[dict] = field(default_factory=list)  # {"sub", "name", "reason"}

    def to_dict(self) -> dict:
        return {"added": len(self.added), "kept": len(self.kept), "flagged": len(self.flagged),
                "added_students": self.added, "kept_students": self.kept, "flagged_members": self.flagged}  # fmt: skip


class Roster(LoggingConfigurable):
    """Syncs one course's students from the LMS."""

    def __init__(self, store: SubmissionStore, course: Course, platform_id: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store, self.course, self.platform_id = store, course, platform_id
        self.usernames = LmsUsernames(parent=self)

    def sync(self, client: LtiClient, memberships_url: str) -> RosterResult:
        members = list(client.memberships(memberships_url))
        result = RosterResult()
        with open_gradebook(self.course) as gradebook:
            owners = {s.id: s.lms_user_id for s in gradebook.students}
            for member in members:
                sub = str(member.get("user_id") or "")
                if not sub:
                    result.flagged.append({"sub": None, "name": member.get("name"), "reason": "no user_id"})
                    continue
                username, reason = self._judge(member, owners)
                self._remember(member, sub, username if reason is None else None, reason)
                if not is_student(member.get("roles", [])):
                    continue
                if reason is not None:
                    result.flagged.append({"sub": sub, "name": member.get("name"), "reason": reason})
                    continue
                known = username in owners and owners[username] == sub
                gradebook.update_or_create_student(
                    username,
                    lms_user_id=sub,
                    first_name=member.get("given_name"),
                    last_name=member.get("family_name"),
                    email=member.get("email"),
                )
                owners[username] = sub
                (result.kept if known else result.added).append(username)
        return result

    def _judge(self, member: dict, owners: dict[str, str | None]) -> tuple[str | None, str | None]:
        """(username, why this member cannot be graded or None)."""
        username = self.usernames.username(member)
        if username is None:
            return None, "no user id in the roster"
        if member.get("status", "Active") != "Active":
            return username, f"{member.get('status')} in the LMS"
        owner = owners.get(username)
        if owner and owner != str(member["user_id"]):
            return username, f"username {username!r} already belongs to another LMS user"
        return username, None

    def _remember(self, member: dict, sub: str, username: str | None, reason: str | None) -> None:
        with self.store.session() as session:
            row = one_or_new(session, Member, course_id=self.course.course_id, platform_id=self.platform_id, sub=sub)
            row.username, row.name, row.email = username, member.get("name"), member.get("email")
            row.roles = list(member.get("roles", []))
            row.student, row.flag, row.synced_at = is_student(row.roles), reason, utcnow()
