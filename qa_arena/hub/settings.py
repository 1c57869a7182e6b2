"""The environment variables `jupyterhub_config.py` and `qa-arena hub` read, and the dev hub's state layout.

The dev hub keeps everything in one state directory (`QA_ARENA_HUB_STATE`):

```
STATE/                0711  others may traverse (users reach their homes)
  hub/                0700  the hub's own files: SQLite database, cookie secret, pid files, demo passwords
  homes/USER/         0700  each user's home, owned by that user's uid
  passwd/             0711  per-user views of /etc/passwd and /etc/group (the user's uid is called jovyan)
  runtime/            0755  an interpreter every uid can run, when this one is not (see runtime.py)
  jupyter-config/     0755  the single-user servers' Jupyter config: nbgrader exchange, extensions
  exchange/           0755  where users' servers see their courses' exchanges: exchange/<course id> is
                            bound from that course's exchange in the namespace of its members' servers
                            only (as root; a symbolic link to it otherwise)
  course/             0700  the demo course, when no --course-dir is given (staff only)
  courses.json        0644  the courses added with `qa-arena hub courses add` (qa_arena/hub/courses.py)
```
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

# The hub's variables (jupyterhub_config.py, `qa-arena hub`), read only here; QA Arena's others are in
# qa_arena.environment. README.md lists both.
VARIABLES = {
    "QA_ARENA_HUB_PROFILE": "dev (default) or production",
    "QA_ARENA_HUB_STATE": "the hub's state directory (default /var/lib/qa-arena/hub as root, else ~/.local/state)",
    "QA_ARENA_HUB_IP": "the address the hub listens on (dev 127.0.0.1, production 0.0.0.0)",
    "QA_ARENA_HUB_PORT": "the port the hub listens on (default 8000)",
    "QA_ARENA_COURSE_DIR": "the course the hub serves (dev default: a demo course in the state directory)",
    "QA_ARENA_HUB_INSTRUCTORS": "comma-separated user names (default: instructor)",
    "QA_ARENA_HUB_STUDENTS": "comma-separated user names (default: alice,bob)",
    "QA_ARENA_HUB_COURSES": "the hub's other courses: a file (default STATE/courses.json)",
    "QA_ARENA_DEMO_PASSWORD": "one password for every demo account (dev; default: one generated per account)",
    "QA_ARENA_ADMIN_TOKEN": "a token for a service with the admin role (scripts, tests)",
    "QA_ARENA_HUB_AUTHENTICATOR": "the authenticator: generic-oauth, a class, lti13... (dev: lti13, else demo)",
    "QA_ARENA_HUB_DB_URL": "production: the hub's database (PostgreSQL)",
    "QA_ARENA_HUB_ALLOW_SQLITE": "1: accept SQLite for the production hub's database (tests and trials only)",
    "QA_ARENA_HUB_CONNECT_IP": "production: how users' containers reach the hub",
    "QA_ARENA_SINGLEUSER_IMAGE": "production: the users' image (default qa-arena/singleuser:latest)",
    "QA_ARENA_DOCKER_NETWORK": "production: the users' Docker network (default qa-arena-hub)",
    "QA_ARENA_USER_CPU_LIMIT": "production: CPUs per user (default 1.0)",
    "QA_ARENA_USER_MEM_LIMIT": "production: memory per user (default 1G)",
    "QA_ARENA_IDLE_TIMEOUT": "production: seconds before an idle server is stopped (default 3600)",
    "QA_ARENA_EXCHANGE_SOURCE": "production: what users' containers mount as the exchange (a host path)",
    "QA_ARENA_CHECK_PORT": "production: the check service's port at QA_ARENA_HUB_CONNECT_IP (default 10101)",
}

PROFILE = "QA_ARENA_HUB_PROFILE"  # dev (default) | production
STATE = "QA_ARENA_HUB_STATE"
IP = "QA_ARENA_HUB_IP"
PORT = "QA_ARENA_HUB_PORT"
COURSE_DIR = "QA_ARENA_COURSE_DIR"
INSTRUCTORS = "QA_ARENA_HUB_INSTRUCTORS"
STUDENTS = "QA_ARENA_HUB_STUDENTS"
COURSES = "QA_ARENA_HUB_COURSES"  # qa_arena/hub/courses.py
DEMO_PASSWORD = "QA_ARENA_DEMO_PASSWORD"
ADMIN_TOKEN = "QA_ARENA_ADMIN_TOKEN"
SECRETS = (DEMO_PASSWORD, ADMIN_TOKEN)

DEFAULT_PORT = 8000
DEFAULT_INSTRUCTORS = ("instructor",)
DEFAULT_STUDENTS = ("alice", "bob")


def value(name: str, default: str | None = None) -> str | None:
    """A hub variable's value (`default` when unset or empty); a name not in VARIABLES is a bug."""
    if name not in VARIABLES:
        raise KeyError(f"{name} is not one of the hub's variables (qa_arena.hub.settings.VARIABLES)")
    return os.environ.get(name) or default


def passed_to_services(variable: str) -> bool:
    """QA_ARENA_* variables reach the formgrader (the course's config reads them); the hub's own do not."""
    return variable.startswith("QA_ARENA_") and not variable.startswith("QA_ARENA_HUB_") and variable not in SECRETS


def services_environment() -> dict[str, str]:
    """What every managed service starts with: the QA_ARENA_* pass-through, and a PATH that finds this
    interpreter's scripts first (nbgrader runs `alembic` from PATH when it creates the gradebook)."""
    env = {k: v for k, v in os.environ.items() if passed_to_services(k)}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])
    return env


def split_names(given: str) -> list[str]:
    """User names from a comma-separated list ("ann, bob" -> ["ann", "bob"])."""
    return [n.strip() for n in given.split(",") if n.strip()]


def names(variable: str, default: tuple[str, ...]) -> list[str]:
    """A comma-separated list of user names from the environment."""
    given = os.environ.get(variable) if variable in VARIABLES else None
    return list(default) if given is None else split_names(given)


def state_dir() -> Path:
    """$QA_ARENA_HUB_STATE, else /var/lib/qa-arena/hub as root, else ~/.local/state/qa-arena/hub."""
    if value(STATE):
        return Path(value(STATE)).resolve()
    if os.geteuid() == 0:
        return Path("/var/lib/qa-arena/hub")
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(base) / "qa-arena" / "hub"


def course_dir(state: Path) -> Path:
    return Path(value(COURSE_DIR)).resolve() if value(COURSE_DIR) else state / "course"


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
