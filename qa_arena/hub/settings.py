"""The environment variables `jupyterhub_config.py` and `qa-arena hub` read, and the dev hub's state layout.

The dev hub keeps everything in one state directory (`QA_ARENA_HUB_STATE`):

```
STATE/                0711  others may traverse (users reach their homes)
  hub/                0700  the hub's own files: SQLite database, cookie secret, pid files, demo passwords
  homes/USER/         0700  each user's home, owned by that user's uid
  passwd/             0711  per-user views of /etc/passwd and /etc/group (the user's uid is called jovyan)
  runtime/            0755  an interpreter every uid can run, when this one is not (see runtime.py)
  jupyter-config/     0755  the single-user servers' Jupyter config: nbgrader exchange, extensions
  exchange/           0755  where users' servers see the course's exchange (a bind mount in their namespace)
  course/             0700  the demo course, when no --course-dir is given (staff only)
```
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

PROFILE = "QA_ARENA_HUB_PROFILE"  # dev (default) | production
STATE = "QA_ARENA_HUB_STATE"
IP = "QA_ARENA_HUB_IP"
PORT = "QA_ARENA_HUB_PORT"
COURSE_DIR = "QA_ARENA_COURSE_DIR"
INSTRUCTORS = "QA_ARENA_HUB_INSTRUCTORS"
STUDENTS = "QA_ARENA_HUB_STUDENTS"
DEMO_PASSWORD = "QA_ARENA_DEMO_PASSWORD"
ADMIN_TOKEN = "QA_ARENA_ADMIN_TOKEN"
SECRETS = (DEMO_PASSWORD, ADMIN_TOKEN)

DEFAULT_PORT = 8000
DEFAULT_INSTRUCTORS = ("instructor",)
DEFAULT_STUDENTS = ("alice", "bob")


def passed_to_services(variable: str) -> bool:
    """QA_ARENA_* variables reach the formgrader (the course's config reads them); the hub's own do not."""
    return variable.startswith("QA_ARENA_") and not variable.startswith("QA_ARENA_HUB_") and variable not in SECRETS


def services_environment() -> dict[str, str]:
    """What every managed service starts with: the QA_ARENA_* pass-through, and a PATH that finds this
    interpreter's scripts first (nbgrader runs `alembic` from PATH when it creates the gradebook)."""
    env = {k: v for k, v in os.environ.items() if passed_to_services(k)}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])
    return env


def names(variable: str, default: tuple[str, ...]) -> list[str]:
    """A comma-separated list of user names from the environment."""
    value = os.environ.get(variable)
    if value is None:
        return list(default)
    return [n.strip() for n in value.split(",") if n.strip()]


def state_dir() -> Path:
    """$QA_ARENA_HUB_STATE, else /var/lib/qa-arena/hub as root, else ~/.local/state/qa-arena/hub."""
    if os.environ.get(STATE):
        return Path(os.environ[STATE]).resolve()
    if os.geteuid() == 0:
        return Path("/var/lib/qa-arena/hub")
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(base) / "qa-arena" / "hub"


def course_dir(state: Path) -> Path:
    return Path(os.environ[COURSE_DIR]).resolve() if os.environ.get(COURSE_DIR) else state / "course"


def hub_dir(state: Path) -> Path:
    return state / "hub"


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def traversable(path: Path, mode: int = 0o711) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(mode)
    return path


def blocked_ancestor(path: Path) -> Path | None:
    """The first directory on the way to `path` that other users cannot traverse, or None."""
    current = Path("/")
    for part in path.resolve().parts[1:]:
        current = current / part
        if current.is_dir() and not os.stat(current).st_mode & stat.S_IXOTH:
            return current
    return None
