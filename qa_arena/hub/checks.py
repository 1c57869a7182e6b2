"""The check service on the hub: its managed services, the roles that let users in, and what servers get.

- service `qa-arena` (`qa-arena check-service`) at /services/qa-arena/; students and instructors
  may use it (`access:services!service=qa-arena`), instructors also hold the custom scope
  `custom:qa-arena:staff` (no limits, the stats);
- users' servers get `$QA_ARENA_CHECK_URL` and a `$JUPYTERHUB_API_TOKEN` that may call it;
- the dev hub also runs a grading worker (`qa-arena worker`) as a managed service, with the queue and
  the submissions database in STATE/service/ unless `$QA_ARENA_DB_URL` says
  otherwise; production runs workers apart (deploy/).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from qa_arena import environment
from qa_arena.checks import SERVICE_NAME, STAFF_SCOPE
from qa_arena.client import CHECK_URL
from qa_arena.grading.paths import bundled_problems_dir
from qa_arena.hub import settings
from qa_arena.hub.course import Course

SERVER_SCOPES = ["users:activity!user", "access:servers!server"]  # JupyterHub's own `server` role
# The feedback provider's key and endpoint: for the check service only, never for workers (whose sandboxes
# run student code) nor users' servers.
AI_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL")


def client_url(service_url: str) -> str:
    """What users' servers get as $QA_ARENA_CHECK_URL: the service's own address, under its prefix."""
    return f"{service_url}/services/{SERVICE_NAME}/"


def service_environment(state: Path, courses: list[Course], dev: bool) -> dict[str, str]:
    """QA_ARENA_* for the check service and the dev worker: one queue, one database, and a problem bank
    that holds the courses' own problems first, in the hub's order of courses (then $QA_ARENA_PROBLEMS,
    else the bundled problems)."""
    env = settings.services_environment()
    given = environment.paths("QA_ARENA_PROBLEMS", env) or [str(bundled_problems_dir())]
    own = [str(path) for course in courses for path in course.problem_paths]
    env["QA_ARENA_PROBLEMS"] = ":".join(dict.fromkeys([*own, *given]))
    if dev:
        files = settings.private_dir(state / "service")
        env.setdefault("QA_ARENA_DB_URL", f"sqlite:///{files / 'submissions.sqlite3'}")
        env.setdefault("QA_ARENA_SANDBOX", "auto")
    return env


def check_services(
    courses: list[Course], url: str, environment: dict[str, str], worker: bool
) -> tuple[list[dict], list[dict]]:
    """The services (the check service; with `worker`, a grading worker) and the roles they need."""
    command = [sys.executable, "-m", "qa_arena"]
    ai = {name: os.environ[name] for name in AI_VARIABLES if os.environ.get(name)}  # the service's alone
    services = [
        {
            "name": SERVICE_NAME,
            "url": url,
            "command": [*command, "check-service"],
            "environment": {**environment, **ai},
            "oauth_no_confirm": True,
            "oauth_client_allowed_scopes": [STAFF_SCOPE],  # the page knows staff, too
            "display": True,
            "info": {"display_name": "My checks (QA Arena)"},
        }
    ]
    if worker:
        services.append(
            {
                "name": f"{SERVICE_NAME}-worker",
                "command": [*command, "worker", "--concurrency", "1"],
                "environment": environment,
                "display": False,
            }
        )
    roles = [
        {
            "name": "qa-arena-checks",
            "description": "Check tests with the QA Arena check service",
            "scopes": [f"access:services!service={SERVICE_NAME}"],
            "groups": [group for c in courses for group in (c.students_group, c.instructors_group)],
        },
        {
            "name": "qa-arena-staff",
            "description": "Staff of the check service: no limits, the statistics",
            "scopes": [STAFF_SCOPE],
            "groups": [c.instructors_group for c in courses],
        },
    ]
    return services, roles


def configure_checks(
    c, courses: list[Course], url: str, environment: dict[str, str], worker: bool
) -> tuple[list, list]:
    """Hub-wide settings for the check service (one for all the hub's courses, whose ids
    qa_arena.hub.courses.check_names keeps off its name); returns its services and roles to add to the hub's.

    Users' servers get `$QA_ARENA_CHECK_URL` through `c.Spawner.environment`: a profile that sets its
    spawner's `environment` afterwards must keep that entry.
    """
    c.JupyterHub.custom_scopes = {
        STAFF_SCOPE: {"description": "Staff of the QA Arena check service: no check limits, the statistics"}
    }
    # a server's API token may call the check service (and says staff for instructors: held scopes only)
    c.Spawner.server_token_scopes = [*SERVER_SCOPES, f"access:services!service={SERVICE_NAME}", STAFF_SCOPE]
    c.Spawner.environment.update({CHECK_URL: client_url(url)})
    return check_services(courses, url, environment, worker)
