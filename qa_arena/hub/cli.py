"""`qa-arena hub [--port P] [--course-dir DIR]`: the dev JupyterHub in the foreground; `qa-arena hub courses
add|list|remove`: the other courses a hub serves (qa_arena/hub/courses.py).

It installs configurable-http-proxy first when it is missing (npm), prints the URL and the demo
accounts with their passwords, then runs JupyterHub on the configuration that ships in the package
(`qa_arena/hub/jupyterhub_config.py`, the dev profile) until interrupted. Exit codes: JupyterHub's own;
2 on bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from qa_arena.command import BadInput
from qa_arena.hub import CONFIG_FILE, settings


def add_parsers(subparsers) -> argparse.ArgumentParser:
    """Register `hub` on the `qa-arena` subparsers."""
    parser = subparsers.add_parser(
        "hub",
        help="run the dev JupyterHub (demo accounts, local servers, the course's formgrader)",
        description="Run JupyterHub with the dev profile of jupyterhub_config.py in the foreground: demo "
        "accounts (an instructor and students), a server per user under its own uid, the course's formgrader.",
    )
    parser.add_argument("--port", type=int, default=settings.DEFAULT_PORT, help="port on 127.0.0.1 (default 8000)")
    parser.add_argument(
        "--course-dir",
        help="the nbgrader course to serve (default: $QA_ARENA_COURSE_DIR, else a demo course in the state dir)",
    )
    parser.set_defaults(func=cmd_hub)
    courses = parser.add_subparsers(dest="hub_command", metavar="courses").add_parser(
        "courses",
        help="the courses the hub serves beside $QA_ARENA_COURSE_DIR (restart the hub after a change)",
        description="One hub serves many courses, each with its own formgrader, exchange and groups. These "
        "commands edit the hub's courses file (STATE/courses.json or $QA_ARENA_HUB_COURSES); the hub reads it "
        "when it starts.",
    )
    actions = courses.add_subparsers(dest="courses_command", required=True)
    add = actions.add_parser("add", help="serve a course directory (or change its members)")
    add.add_argument("course_dir", metavar="COURSE_DIR", help="an nbgrader course directory (`qa-arena course init`)")
    add.add_argument("--instructors", default="", help="comma-separated users put in its instructors' group")
    add.add_argument("--students", default="", help="comma-separated users put in its students' group")
    add.set_defaults(func=cmd_courses_add)
    listing = actions.add_parser("list", help="the hub's courses")
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.set_defaults(func=cmd_courses_list)
    remove = actions.add_parser("remove", help="stop serving a course (its directory is kept)")
    remove.add_argument("course", metavar="COURSE", help="its id or its directory")
    remove.set_defaults(func=cmd_courses_remove)
    return parser


def cmd_courses_add(args: argparse.Namespace) -> int:
    from qa_arena.course.settings import CourseError
    from qa_arena.hub.courses import CoursesError, add_course, courses_file

    path = courses_file(settings.state_dir())
    try:
        instructors, students = settings.split_names(args.instructors), settings.split_names(args.students)
        course = add_course(path, Path(args.course_dir), instructors, students)
    except (CourseError, CoursesError) as exc:
        raise BadInput(str(exc)) from exc
    print(f"course {course.course_id} ({course.root}) is in {path}: its formgrader will be "
          f"/services/{course.course_id}/formgrader once the hub restarts")  # fmt: skip
    return 0


def cmd_courses_list(args: argparse.Namespace) -> int:
    import json

    from qa_arena.course.settings import CourseError
    from qa_arena.hub.courses import CoursesError, courses_file, read_added_course, read_entries

    path = courses_file(settings.state_dir())
    try:
        entries = read_entries(path)
    except CoursesError as exc:
        raise BadInput(str(exc)) from exc
    rows = []
    for entry in entries:
        try:
            course_id, problem = read_added_course(entry.course_dir).course_id, None
        except CourseError as exc:
            course_id, problem = None, str(exc)
        rows.append({"course_id": course_id, "course_dir": entry.course_dir, "instructors": list(entry.instructors),
                     "students": list(entry.students), "error": problem})  # fmt: skip
    if args.json:
        print(json.dumps({"courses_file": str(path), "courses": rows}, indent=1))
        return 0
    print(f"{path}: {len(rows)} course(s) beside $QA_ARENA_COURSE_DIR's")
    for row in rows:
        problem = f"  ERROR: {row['error']}" if row["error"] else ""
        print(f"  {row['course_id'] or '?'}  {row['course_dir']}{problem}")
    return 0


def cmd_courses_remove(args: argparse.Namespace) -> int:
    from qa_arena.hub.courses import CoursesError, courses_file, remove_course

    path = courses_file(settings.state_dir())
    try:
        entry = remove_course(path, args.course)
    except CoursesError as exc:
        raise BadInput(str(exc)) from exc
    print(f"{entry.course_dir} is off the hub once it restarts (the directory is kept)")
    return 0


def cmd_hub(args: argparse.Namespace) -> int:
    from qa_arena.hub.accounts import demo_accounts
    from qa_arena.hub.courses import courses_file, read_entries
    from qa_arena.hub.proxy import ProxyInstallError, ensure_proxy

    if not 0 < args.port < 65536:
        raise BadInput(f"--port {args.port}: not a port number")
    env = dict(os.environ)
    env[settings.PROFILE] = "dev"
    env[settings.PORT] = str(args.port)
    if args.course_dir:
        course = Path(args.course_dir).resolve()
        if not (course / "nbgrader_config.py").is_file():
            raise BadInput(f"{course} is not a course directory (no nbgrader_config.py): see `qa-arena course init`")
        env[settings.COURSE_DIR] = str(course)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    os.environ.update({k: env[k] for k in (settings.PROFILE, settings.PORT, settings.COURSE_DIR) if k in env})
    state = settings.state_dir()
    try:
        ensure_proxy(say=lambda message: print(f"[qa-arena hub] {message}", flush=True))
    except ProxyInstallError as exc:
        print(f"qa-arena: {exc}", file=sys.stderr)
        return 1
    try:
        accounts = demo_accounts(state)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc

    ip = env.get(settings.IP, "127.0.0.1")
    print(f"QA Arena dev hub: http://{ip}:{args.port}/  (state in {state})")
    print("course: " + env.get(settings.COURSE_DIR, str(state / "course") + " (demo course)"))
    others = read_entries(courses_file(state))
    if others:
        print("and: " + ", ".join(e.course_dir for e in others) + f" ({courses_file(state)})")
    if settings.value("QA_ARENA_HUB_AUTHENTICATOR") == "lti13":
        print("logins: launches from the LMS registered with `qa-arena lms register`")
    else:
        width = max(len(a.name) for a in accounts)
        for account in accounts:
            print(f"  {account.role:<10}  {account.name:<{width}}  password: {account.password}")
    print("Stop with Ctrl-C.", flush=True)
    return run_foreground([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)], env, cwd=state)


def run_foreground(command: list[str], env: dict[str, str], cwd: Path) -> int:
    """Run `command` in a session of its own and pass it SIGINT/SIGTERM/SIGHUP once, so it cleans up
    (JupyterHub stops the servers, services and proxy it started) however this process is stopped.

    The handlers are installed before the child starts: an ignored SIGINT (as in a background job of a
    script) would otherwise be inherited by the hub, its services and servers, which then stop only
    when JupyterHub gives up waiting and sends SIGTERM; handled signals are reset to default at exec.
    """
    cwd.mkdir(parents=True, exist_ok=True)
    children: list[subprocess.Popen] = []

    def forward(signum, _frame):
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        children.append(subprocess.Popen(command, env=env, cwd=cwd, start_new_session=True))
        return children[0].wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
