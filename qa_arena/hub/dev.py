"""Everything the dev hub needs on disk before JupyterHub starts (idempotent; called by jupyterhub_config.py)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from qa_arena.hub import settings
from qa_arena.hub.course import Course, CourseError, create_demo_course, load_course, open_to_others
from qa_arena.hub.runtime import shared_python

# Students' servers: the formgrader and the assignment-creation toolbar are the instructors' (the
# formgrader runs as the course's service); the assignment list and validation stay.
DISABLED_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",)
DISABLED_LAB_EXTENSIONS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")


class HubSetupError(RuntimeError):
    pass


@dataclass(frozen=True)
class DevHub:
    state: Path
    course: Course
    python: str  # the servers' interpreter
    warnings: list[str] = field(default_factory=list)

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
        """Where users' servers see the course's exchange: bound at STATE/exchange as root (the course
        directory stays closed to them), the exchange itself otherwise."""
        return self.state / "exchange" if os.geteuid() == 0 else self.course.exchange

    @property
    def bind_mounts(self) -> dict[str, str]:
        return {str(self.exchange_view): str(self.course.exchange)} if os.geteuid() == 0 else {}


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
    settings.traversable(state / "exchange", 0o755)  # the mount point of the course's exchange

    course_dir = Path(course_dir).resolve()
    if course_dir == state / "course" and not (course_dir / "nbgrader_config.py").exists():
        course = create_demo_course(course_dir, students)
    else:
        try:
            course = load_course(course_dir)
        except CourseError as exc:
            raise HubSetupError(str(exc)) from exc
    warnings = []
    course.exchange.mkdir(parents=True, exist_ok=True)
    if root:
        course.exchange.chmod(0o1777)  # anyone may write, nobody may remove or rename another's entries
        if open_to_others(course.root):
            warnings.append(
                f"students' servers can read {course.root} (gradebook, submissions, solutions): "
                "chmod 700 it; they reach the exchange through a bind mount"
            )
    python = shared_python(state / "runtime") if root else sys.executable
    hub = DevHub(state=state, course=course, python=python, warnings=warnings)
    write_jupyter_config(hub.jupyter_config, hub.exchange_view)
    return hub


def write_jupyter_config(directory: Path, exchange: Path) -> None:
    """The single-user servers' Jupyter config: nbgrader's exchange and which nbgrader parts students get."""
    (directory / "labconfig").mkdir(parents=True, exist_ok=True)
    (directory / "nbgrader_config.py").write_text(
        '"""Written by the QA Arena dev hub: where the single-user servers find the course\'s exchange."""\n\n'
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
    )
    server = {"ServerApp": {"jpserver_extensions": dict.fromkeys(DISABLED_SERVER_EXTENSIONS, False)}}
    (directory / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
    page = {"disabledExtensions": dict.fromkeys(DISABLED_LAB_EXTENSIONS, True)}
    (directory / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1))
    for path in [directory, *directory.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
