"""Everything the dev hub needs on disk before JupyterHub starts (idempotent; called by jupyterhub_config.py)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from qa_arena.hub import settings
from qa_arena.hub.course import Course, CourseError, create_demo_course, load_course, open_to_others
from qa_arena.hub.courses import HubCourse, user_courses
from qa_arena.hub.runtime import shared_python

# Students' servers: the formgrader and the assignment-creation toolbar are the instructors' (the
# formgrader runs as the course's service); the assignment list and validation stay.
DISABLED_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",)
DISABLED_LAB_EXTENSIONS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
LANDING_EXTENSION = "qa_arena.course.landing"  # an LMS link opens its assignment (qa_arena/course/landing.py)


class HubSetupError(RuntimeError):
    pass


@dataclass(frozen=True)
class DevHub:
    state: Path
    course: Course
    python: str  # the servers' interpreter

    @property
    def hub_dir(self) -> Path:
        return settings.hub_dir(self.state)

    @property
    def homes(self) -> Path:
        return self.state / "homes"

    @property
    def passwd_dir(self) -> Path:
        return self.state / "passwd"

    @property
    def jupyter_config(self) -> Path:
        return self.state / "jupyter-config"

    @property
    def exchange_view(self) -> Path:
        """Where users' servers see their courses' exchanges (their Exchange.root): STATE/exchange/<course id>."""
        return self.state / "exchange"

    @property
    def exchange_views(self) -> Path:
        """As root, each user's view of STATE/exchange: STATE/exchange-views/<user>, theirs (nbgrader's student
        commands want an exchange root they may write), holding a mount point per course of theirs."""
        return self.state / "exchange-views"


def prepare_dev(state: Path, course_dir: Path, students: list[str] = ()) -> DevHub:
    """Lay out STATE (see settings.py), create the demo course (with `students`) when COURSE_DIR is
    STATE/course and missing."""
    root = os.geteuid() == 0
    state = Path(state).resolve()
    state.mkdir(parents=True, exist_ok=True)
    if root:
        settings.traversable(state)
        blocked = settings.blocked_ancestor(state)
        if blocked:
            raise HubSetupError(
                f"users' servers run under their own uids and must reach {state}, but other users cannot "
                f"traverse {blocked}: choose another $QA_ARENA_HUB_STATE (e.g. under /var/lib or /srv)"
            )
    settings.private_dir(settings.hub_dir(state))
    for directory in ("homes", "passwd"):
        settings.traversable(state / directory)
    settings.traversable(state / "exchange", 0o755)  # users' servers see their view of it (exchange_mounts)
    if root:
        settings.traversable(state / "exchange-views")

    course_dir = Path(course_dir).resolve()
    if course_dir == state / "course" and not (course_dir / "nbgrader_config.py").exists():
        course = create_demo_course(course_dir, students)
    else:
        try:
            course = load_course(course_dir)
        except CourseError as exc:
            raise HubSetupError(str(exc)) from exc
    python = shared_python(state / "runtime") if root else sys.executable
    hub = DevHub(state=state, course=course, python=python)
    write_jupyter_config(hub.jupyter_config, hub.exchange_view)
    return hub


def prepare_exchanges(hub: DevHub, courses: list[Course]) -> list[str]:
    """Each course's exchange <exchange>/<course id> exists, and its place in the servers' view: a mount point
    at STATE/exchange-views/<user>/<course id> (made per user by `exchange_mounts`) as root, a symbolic link
    STATE/exchange/<course id> otherwise. Returns warnings: what students could reach around the view."""
    root = os.geteuid() == 0
    warnings = []
    for course in courses:
        (course.exchange / course.course_id).mkdir(parents=True, exist_ok=True)
        if not root:
            link = hub.exchange_view / course.course_id
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(course.exchange / course.course_id)
        elif open_to_others(course.root) or settings.blocked_ancestor(course.exchange) is None:
            warnings.append(
                f"students' servers can reach course {course.course_id}'s files beside their own courses' view "
                f"({course.root}: gradebook, submissions, solutions; {course.exchange}: every student's "
                "submission): chmod 700 the course directory, and keep its exchange in a directory closed to others"
            )
    return warnings


def exchange_mounts(hub: DevHub, courses: list[HubCourse]):
    """A pre_spawn_hook (as root): the user's server sees, at STATE/exchange, the exchanges of the user's own
    courses (by hub group) and nothing else: their view, then each course's exchange bound into it."""

    def hook(spawner) -> None:
        mine = user_courses(courses, spawner.user)
        view = hub.exchange_views / spawner.user.name
        view.mkdir(exist_ok=True)
        os.chown(view, spawner.uid, spawner.gid)
        view.chmod(0o700)
        for course in mine:
            (view / course.course_id).mkdir(exist_ok=True)  # root's: the mount point stays put
        mounts = {str(hub.exchange_view): str(view)}  # in this order: the view first, then courses into it
        for course in mine:
            mounts[str(hub.exchange_view / course.course_id)] = str(course.exchange / course.course_id)
        spawner.bind_mounts = mounts

    return hook


def write_jupyter_config(directory: Path, exchange: Path) -> None:
    """The single-user servers' Jupyter config: nbgrader's exchange and which nbgrader parts students get."""
    (directory / "labconfig").mkdir(parents=True, exist_ok=True)
    (directory / "nbgrader_config.py").write_text(
        '"""Written by the QA Arena dev hub: where the single-user servers find the course\'s exchange."""\n\n'
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
    )
    extensions = dict.fromkeys(DISABLED_SERVER_EXTENSIONS, False) | {LANDING_EXTENSION: True}
    server = {"ServerApp": {"jpserver_extensions": extensions}}
    (directory / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
    page = {"disabledExtensions": dict.fromkeys(DISABLED_LAB_EXTENSIONS, True)}
    (directory / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1))
    for path in [directory, *directory.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
