"""`qa-arena lms`: register QA Arena in an LMS, publish its keys, sync a roster, link and push an assignment.

    qa-arena lms register --issuer ISS --client-id ID --deployment-id DEP --auth-url URL --token-url URL --jwks-url URL
    qa-arena lms jwks                                        # the tool's public JWKS as JSON
    qa-arena lms roster --course-dir DIR --memberships-url URL [--json]
    qa-arena lms link-course --course-dir DIR --context-id ID     # launches from that LMS course land here
    qa-arena lms link --course-dir DIR ASSIGNMENT --lineitem URL
    qa-arena lms push --course-dir DIR ASSIGNMENT [--dry-run] [--resend-failed] [--json]
    qa-arena lms status --course-dir DIR ASSIGNMENT --json

The LMS tables live in the QA Arena database ($QA_ARENA_DB_URL, else SQLite in the user's cache). Exit codes:
0 done (push: every graded student with an LMS user id is sent), 1 the LMS refused or could not be reached
(push: a score is failed or still pending), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from qa_arena.command import EXIT_ERROR, EXIT_OK, BadInput, load_config
from qa_arena.lms import SENT, SKIPPED

if TYPE_CHECKING:  # imported where used: `qa-arena --help` starts without nbgrader, requests or JWT
    from qa_arena.course.settings import Course
    from qa_arena.lms.client import LtiClient
    from qa_arena.lms.models import Platform
    from qa_arena.lms.passback import Passback
    from qa_arena.service.store import SubmissionStore


def add_parsers(subparsers) -> None:
    lms = subparsers.add_parser("lms", help="the LMS (LTI 1.3): registrations, keys, rosters, grade passback")
    commands = lms.add_subparsers(dest="lms_command", required=True, metavar="COMMAND")

    register = commands.add_parser("register", help="register a platform (an LMS's issuer, client id, deployment)")
    for flag in ("--issuer", "--client-id", "--deployment-id", "--auth-url", "--token-url", "--jwks-url"):
        register.add_argument(flag, required=True)
    register.add_argument("--json", action="store_true", help="print the registration as JSON")
    register.set_defaults(func=cmd_register)

    jwks = commands.add_parser("jwks", help="print the tool's public JWKS (what the LMS verifies it with)")
    jwks.add_argument("--rotate", action="store_true", help="make a new signing key first (both are published)")
    jwks.add_argument("--retire-old", action="store_true", help="end a rotation: publish only the newest key")
    jwks.set_defaults(func=cmd_jwks)

    def course_command(name: str, help: str, assignment: bool = True) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help)
        parser.add_argument("--course-dir", required=True, help="the nbgrader course directory")
        if assignment:
            parser.add_argument("assignment", help="the nbgrader assignment")
        parser.add_argument("--issuer", help="the platform's issuer, when several are registered")
        return parser

    roster = course_command("roster", "add the LMS's students to the course's gradebook (NRPS)", assignment=False)
    roster.add_argument("--memberships-url", required=True, help="the context's NRPS memberships URL")
    roster.add_argument("--json", action="store_true")
    roster.set_defaults(func=cmd_roster)

    course_link = course_command("link-course", "make an LMS context (a course there) this course", assignment=False)
    course_link.add_argument("--context-id", required=True, help="the LTI context id (the launch's context claim)")
    course_link.set_defaults(func=cmd_link_course)

    link = course_command("link", "post an assignment's scores to an LMS line item")
    link.add_argument("--lineitem", required=True, help="the line item's URL (AGS)")
    link.add_argument(
        "--push-after-autograde", action="store_true", help="post each student's score as nbgrader autograde records it"
    )
    link.set_defaults(func=cmd_link)

    push = course_command("push", "post the assignment's scores that changed (AGS)")
    push.add_argument("--dry-run", action="store_true", help="say what would be posted; post nothing")
    push.add_argument("--resend-failed", action="store_true", help="post again the scores the LMS refused")
    push.add_argument("--json", action="store_true", help="print the status afterwards as JSON")
    push.set_defaults(func=cmd_push)

    status = course_command("status", "where each student's score for the assignment stands")
    status.add_argument("--json", action="store_true", help="JSON (the only format)")
    status.set_defaults(func=cmd_status)


def _store(args) -> SubmissionStore:
    from qa_arena.service.store import SubmissionStore

    return SubmissionStore(config=load_config(getattr(args, "config", None)))


def _course(args) -> Course:
    from qa_arena.course.settings import CourseError, read_course

    try:
        course = read_course(args.course_dir)
    except CourseError as exc:
        raise BadInput(str(exc)) from exc
    if not course.course_id:
        raise BadInput(f"{course.root}/nbgrader_config.py sets no course id (c.CourseDirectory.course_id)")
    return course


def _url(value: str, flag: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(f"{flag} {value!r}: not an http(s) URL")
    return value


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def find_platform(session, url: str, issuer: str | None) -> Platform:
    """The registration a URL of the LMS belongs to: --issuer's, the only one, or the one on the URL's origin."""
    from sqlalchemy import select

    from qa_arena.lms.models import Platform

    platforms = list(session.scalars(select(Platform).order_by(Platform.id)))
    if issuer:
        platforms = [p for p in platforms if p.issuer == issuer]
    if len(platforms) > 1:
        platforms = [p for p in platforms if _origin(url) in {_origin(p.token_url), _origin(p.issuer)}] or platforms
    if not platforms:
        raise BadInput(
            "no LMS is registered" + (f" with issuer {issuer!r}" if issuer else "") + ": qa-arena lms register"
        )
    if len({p.client_id for p in platforms}) > 1 or len({p.issuer for p in platforms}) > 1:
        where = f" for {url}" if url else ""
        raise BadInput(f"several LMS registrations match{where}: pass --issuer")
    return platforms[0]


def cmd_register(args) -> int:
    from qa_arena.lms.keys import ToolKeys
    from qa_arena.lms.models import Platform, one_or_new

    for flag in ("issuer", "auth_url", "token_url", "jwks_url"):
        _url(getattr(args, flag), "--" + flag.replace("_", "-"))
    store = _store(args)
    with store.session() as session:
        keys = {"issuer": args.issuer, "client_id": args.client_id, "deployment_id": args.deployment_id}
        platform = one_or_new(session, Platform, **keys)
        platform.auth_url, platform.token_url, platform.jwks_url = args.auth_url, args.token_url, args.jwks_url
        session.flush()
        shown = {"id": platform.id, "issuer": platform.issuer, "client_id": platform.client_id,
                 "deployment_id": platform.deployment_id, "auth_url": platform.auth_url,
                 "token_url": platform.token_url, "jwks_url": platform.jwks_url}  # fmt: skip
    ToolKeys(store).signing_key()  # the tool's keys exist once it is registered somewhere
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        print(f"registered {args.issuer}, client {args.client_id}, deployment {args.deployment_id}")
        print("give the LMS the tool's public keys: qa-arena lms jwks")
    return EXIT_OK


def cmd_jwks(args) -> int:
    from qa_arena.lms.keys import ToolKeys

    keys = ToolKeys(_store(args))
    if args.rotate:
        keys.rotate()
    if args.retire_old:
        keys.retire_all_but_newest()
    print(json.dumps(keys.jwks(), indent=2))
    return EXIT_OK


def _client(store: SubmissionStore, platform: Platform, args) -> LtiClient:
    from qa_arena.lms.client import LtiClient, Registration
    from qa_arena.lms.keys import ToolKeys

    registration = Registration(platform.issuer, platform.client_id, platform.token_url)
    return LtiClient(registration, ToolKeys(store), config=load_config(getattr(args, "config", None)))


def cmd_roster(args) -> int:
    from qa_arena.lms.client import PlatformError
    from qa_arena.lms.roster import Roster

    course, store = _course(args), _store(args)
    url = _url(args.memberships_url, "--memberships-url")
    with store.session() as session:
        platform = find_platform(session, url, args.issuer)
    roster = Roster(store, course, platform.id, config=load_config(getattr(args, "config", None)))
    try:
        result = roster.sync(_client(store, platform, args), url)
    except PlatformError as exc:
        print(f"qa-arena: the LMS's roster could not be read: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(f"{len(result.added)} added, {len(result.kept)} kept, {len(result.flagged)} flagged")
        for member in result.flagged:
            print(f"  flagged {member['name'] or member['sub']}: {member['reason']}")
    return EXIT_OK


def cmd_link_course(args) -> int:
    from qa_arena.lms.models import CourseLink, one_or_new

    course, store = _course(args), _store(args)
    with store.session() as session:
        platform = find_platform(session, "", args.issuer)
        row = one_or_new(session, CourseLink, platform_id=platform.id, context_id=args.context_id)
        row.course_id, row.course_dir = course.course_id, str(course.root)
    print(f"LMS context {args.context_id} of {platform.issuer} -> course {course.course_id} ({course.root})")
    return EXIT_OK


def cmd_link(args) -> int:
    from qa_arena.lms.models import LineItem, one_or_new
    from qa_arena.lms.passback import PassbackError, gradebook_grades

    course, store = _course(args), _store(args)
    url = _url(args.lineitem, "--lineitem")
    try:
        gradebook_grades(course, args.assignment)  # the assignment must exist
    except PassbackError as exc:
        raise BadInput(str(exc)) from exc
    with store.session() as session:
        platform = find_platform(session, url, args.issuer)
        row = one_or_new(session, LineItem, course_id=course.course_id, assignment=args.assignment)
        row.lineitem, row.platform_id, row.push_after_autograde = url, platform.id, args.push_after_autograde
    after = " (pushed after each autograde)" if args.push_after_autograde else ""
    print(f"{course.course_id}/{args.assignment} -> {url}{after}")
    return EXIT_OK


def _passback(args) -> Passback:
    from qa_arena.lms.passback import Passback

    return Passback(_store(args), _course(args), config=load_config(getattr(args, "config", None)))


def _exit_for(status: dict) -> int:
    graded = [s for s in status["students"] if s["score"] is not None and s["lms_user_id"]]
    return EXIT_OK if all(s["state"] == SENT for s in graded) else EXIT_ERROR


def cmd_push(args) -> int:
    from qa_arena.lms.passback import PassbackError

    passback = _passback(args)
    try:
        if args.dry_run:
            plan = passback.plan(args.assignment, args.resend_failed)
            shown = [{"student": g.student, "lms_user_id": g.lms_user_id, "score": g.score, "max_score": g.max_score,
                      "grading_progress": g.progress, "action": action} for g, action in plan]  # fmt: skip
            print(json.dumps(shown, indent=2) if args.json else _plan_text(shown))
            return EXIT_OK
        status = passback.push(args.assignment, args.resend_failed)
    except PassbackError as exc:
        raise BadInput(str(exc)) from exc
    print(json.dumps(status, indent=2) if args.json else _status_text(status))
    return _exit_for(status)


def cmd_status(args) -> int:
    from qa_arena.lms.passback import PassbackError

    passback = _passback(args)
    try:
        status = passback.status(args.assignment)
    except PassbackError as exc:
        raise BadInput(str(exc)) from exc
    print(json.dumps(status, indent=2))
    return EXIT_OK


def _plan_text(shown: list[dict]) -> str:
    return "\n".join(f"{s['action']:>7}  {s['student']}: {s['score']}/{s['max_score']} ({s['grading_progress']})"
                     for s in shown) or "nothing graded yet"  # fmt: skip


def _status_text(status: dict) -> str:
    lines = [f"{status['assignment']} -> {status['lineitem']}"]
    for s in status["students"]:
        detail = f" (HTTP {s['http_status']}: {s['error']})" if s["error"] and s["state"] != SKIPPED else ""
        lines.append(f"  {s['state']:>10}  {s['student']}: {s['score']}/{s['max_score']}{detail}")
    return "\n".join(lines)
