"""The production hub's nbgrader exchange mounts: shared, or one inbound and feedback per user.

With a host directory as the exchange (`QA_ARENA_EXCHANGE_SOURCE=/srv/...`; the compose stack's
`QA_ARENA_EXCHANGE_DIR`), each user's container gets only its own inbound and feedback
(autograde_plugins/exchange.py says why and what the instructor's side does); the hub makes those
directories before the container starts:

    <course>/outbound/        root 0755   released assignments (read-only in containers)
    <course>/inbound/         root 0711
    <course>/inbound/<user>/  1000:0 0750 the student submits (the containers' uid owns it); staff read it
                                          through the group: the hub, and instructors' batches run as
                                          root in a worker whose capabilities are all dropped
    <course>/feedback/<user>/ root 0755   written by staff (read-only in the container)

A named volume cannot be mounted by parts on this Docker: it stays shared (everyone's inbound visible
to anyone who learns a name; see deploy/README.md), and serves one course.

Either way a container mounts the exchanges of its user's courses only (`course_exchanges`, by hub group).
"""

from __future__ import annotations

import os
from pathlib import Path

from qa_arena import environment
from qa_arena.hub.courses import HubCourse, user_courses

LAYOUT_VARIABLE = "QA_ARENA_EXCHANGE_LAYOUT"  # shared | per-user (autograde_plugins.exchange)

MOUNT = "/srv/nbgrader/exchange"
CONTAINER_UID = 1000  # jovyan in the single-user image
STAFF_GID = 0  # root's group: staff commands run as root, in the worker without capabilities


def exchange_layout(source: str) -> str:
    """$QA_ARENA_EXCHANGE_LAYOUT, else per-user for a host directory and shared for a named volume."""
    layout = environment.value(LAYOUT_VARIABLE) or ("per-user" if os.path.isabs(source) else "shared")
    if layout == "per-user" and not os.path.isabs(source):
        raise ValueError(
            f"${LAYOUT_VARIABLE}=per-user needs a host directory as QA_ARENA_EXCHANGE_SOURCE, not {source!r}"
        )
    return layout


def exchange_volumes(source: str, course_id: str, layout: str) -> dict:
    """DockerSpawner.volumes entries for the exchange ({username} is filled in per user)."""
    if layout == "shared":
        return {source: {"bind": MOUNT, "mode": "rw"}}
    host, inside = f"{source}/{course_id}", f"{MOUNT}/{course_id}"
    return {
        f"{host}/outbound": {"bind": f"{inside}/outbound", "mode": "ro"},
        f"{host}/inbound/{{username}}": {"bind": f"{inside}/inbound", "mode": "rw"},
        f"{host}/feedback/{{username}}": {"bind": f"{inside}/feedback", "mode": "ro"},
    }


def course_exchanges(courses: list[HubCourse], sources: dict[str, str], layout: str, base_volumes: dict):
    """A pre_spawn_hook: the user's container mounts the exchange of each of the user's courses (by hub group)
    and nothing of the others; `sources` maps a course id to its exchange on the host. With several courses,
    $QA_ARENA_COURSE_ID names the user's course when they have one (nbgrader lists every course otherwise)."""
    if layout == "shared" and len(courses) > 1:
        raise ValueError(
            "a shared exchange (a named volume) serves one course: with several courses, each course's exchange "
            "is a host directory (QA_ARENA_EXCHANGE_LAYOUT=per-user)"
        )

    def hook(spawner) -> None:
        mine = user_courses(courses, spawner.user)
        volumes = dict(base_volumes)
        for course in mine:
            volumes.update(exchange_volumes(sources[course.course_id], course.course_id, layout))
            if layout == "per-user":  # the hub sees each exchange where its course's config says
                make_user_directories(course.exchange, course.course_id)(spawner)
        spawner.volumes = volumes
        if len(courses) > 1:
            spawner.environment = {k: v for k, v in spawner.environment.items() if k != "QA_ARENA_COURSE_ID"}
            if len(mine) == 1:
                spawner.environment["QA_ARENA_COURSE_ID"] = mine[0].course_id

    return hook


def make_user_directories(exchange: Path, course_id: str):
    """A pre_spawn_hook: the user's inbound (theirs, staff may read: 0750) and feedback (staff's, 0755) exist."""

    def hook(spawner) -> None:
        name = spawner.template_namespace()["username"]  # as DockerSpawner fills {username} in
        course = exchange / course_id
        for shared in ("outbound", "inbound", "feedback"):
            (course / shared).mkdir(parents=True, exist_ok=True)
            (course / shared).chmod(0o755 if shared != "inbound" else 0o711)
        inbound, feedback = course / "inbound" / name, course / "feedback" / name
        for directory, mode in ((inbound, 0o750), (feedback, 0o755)):
            directory.mkdir(exist_ok=True)
            directory.chmod(mode)
        os.chown(inbound, CONTAINER_UID, STAFF_GID)

    return hook
