"""QA Arena's JupyterHub configuration: one file, two profiles, chosen by environment variables.

    qa-arena hub [--port P] [--course-dir DIR]     # the dev profile, in the foreground
    jupyterhub -f jupyterhub_config.py             # either profile, as the environment says (the checkout's
                                                   # jupyterhub_config.py loads this file, which ships in
                                                   # the package)

Both profiles serve the course of QA_ARENA_COURSE_DIR and the courses added with `qa-arena hub courses add`
(qa_arena/hub/courses.py); each course's nbgrader_config.py gives its id and exchange. For each course:

- its formgrader runs as a managed service named after the course, at /services/<course>/formgrader;
- group `formgrade-<course>` (the instructors) gets role `formgrade-<course>`, which grants only
  `access:services!service=<course>`; group `nbgrader-<course>` holds the students;
- the service's own role lets it read users' names and groups and manage the members of
  `nbgrader-<course>` (nbgrader's JupyterHubAuthPlugin), nothing else: services are never admins;
- a user's server sees the exchanges of the user's own courses only (by group).

Variables read by both profiles:

    QA_ARENA_HUB_PROFILE       dev (default) | production
    QA_ARENA_HUB_IP            address to listen on (dev: 127.0.0.1; production: 0.0.0.0)
    QA_ARENA_HUB_PORT          port to listen on (default 8000)
    QA_ARENA_HUB_STATE         state directory (default /var/lib/qa-arena/hub as root,
                               ~/.local/state/qa-arena/hub otherwise); layout in qa_arena/hub/settings.py
    QA_ARENA_COURSE_DIR        the course directory (dev default: STATE/course, a demo course made
                               on first start with the repository's assignments; production: required)
    QA_ARENA_HUB_INSTRUCTORS   comma-separated user names (default: instructor)
    QA_ARENA_HUB_STUDENTS      comma-separated user names (default: alice,bob)
                               (both for the course of QA_ARENA_COURSE_DIR; the courses file names the others')
    QA_ARENA_HUB_COURSES       the courses file (default STATE/courses.json; `qa-arena hub courses add` writes it)
    QA_ARENA_SANDBOX, QA_ARENA_*   passed on to the formgrader (the course's nbgrader_config.py reads
                               them), except the hub's own (QA_ARENA_HUB_*, QA_ARENA_ADMIN_TOKEN,
                               QA_ARENA_DEMO_PASSWORD)

dev (what `qa-arena hub` starts; for development and demos, never for real students):

- JupyterHub on 127.0.0.1, SQLite and the cookie secret in STATE/hub/;
- `DemoAuthenticator`: the instructors and students above, allowed by name, each with a password
  generated once (kept in STATE/hub/demo-accounts.json, printed by `qa-arena hub`), or all with
  `QA_ARENA_DEMO_PASSWORD`; or, with QA_ARENA_HUB_AUTHENTICATOR=lti13, launches from the LMS registered
  with `qa-arena lms register` (to try an LMS on one machine; same QA_ARENA_DB_URL as the lms commands);
- `IsolatedProcessSpawner`: each user's server is a local process; when the hub runs as root it runs
  under a uid of the user's own, home STATE/homes/<user> (mode 0700), and sees itself as `jovyan`
  with `$JUPYTERHUB_USER` set, as in the containers, so nbgrader names the student correctly;
- each server's nbgrader exchange is STATE/exchange (STATE/jupyter-config/nbgrader_config.py says so): as
  root, in the server's mount namespace, a view of the user's own with the exchange of each of the user's
  courses bound at STATE/exchange/<course>; course directories stay closed to students (the demo course is
  mode 0700); users' servers have no formgrader (it is each course's service);
- the check service (qa_arena/hub/checks.py) at /services/qa-arena/, and a grading worker, both managed
  by the hub, with the queue and the submissions database in STATE/service/;
- `QA_ARENA_ADMIN_TOKEN`: when set, a service `qa-arena-admin` holding that token gets the `admin`
  role, so scripts and tests can drive the REST API (create users' tokens, start servers...).

production (`QA_ARENA_HUB_PROFILE=production`):

    QA_ARENA_HUB_AUTHENTICATOR   required: an authenticator class or entry-point name (generic-oauth...),
                                 allow-listed to the instructors and students; or lti13: launched from the
                                 LMS registered with `qa-arena lms register` (qa_arena/hub/lti.py)
    QA_ARENA_HUB_DB_URL          required: PostgreSQL, e.g. postgresql+psycopg://hub:PASSWORD@db/jupyterhub
    QA_ARENA_HUB_ALLOW_SQLITE    1: also accept a sqlite:/// URL above (tests and trials on one machine only:
                                 SQLite is not for a hub many users hit at once); default 0
    QA_ARENA_HUB_CONNECT_IP      required: how containers reach the hub, e.g. the network's gateway
    QA_ARENA_SINGLEUSER_IMAGE    the single-user image (default qa-arena/singleuser:latest), never pulled
    QA_ARENA_DOCKER_NETWORK      the user-defined (internal) Docker network (default qa-arena-hub)
    QA_ARENA_USER_CPU_LIMIT      CPUs per user (default 1.0)
    QA_ARENA_USER_MEM_LIMIT      memory per user (default 1G)
    QA_ARENA_IDLE_TIMEOUT        seconds before an idle server is stopped (default 3600)
    QA_ARENA_EXCHANGE_SOURCE     what is mounted at /srv/nbgrader/exchange in users' containers: a host
                                 path or a volume name (default: the course's exchange directory)
    QA_ARENA_EXCHANGE_LAYOUT     per-user (default for a host path: each container mounts only its own
                                 inbound and feedback, qa_arena/hub/exchange.py) or shared (a volume)
    QA_ARENA_CHECK_PORT          the check service's port, at QA_ARENA_HUB_CONNECT_IP (default 10101);
                                 QA_ARENA_DB_URL must name the workers' database (also their queue)
    QA_ARENA_AUTOGRADE_VIA       queue (default: the formgrader's autograde is graded by the workers, as the hub
                                 cannot start judges) or judge

- DockerSpawner: one container per user, `qa-arena-user-<name>`, removed when stopped, image fixed
  (`allowed_images` = that image: users cannot pick another), no user config (`disable_user_config`),
  CPU, memory and process limits, no capabilities, home in a named volume `qa-arena-home-<name>`;
- the hub listens on 0.0.0.0 and containers reach it at QA_ARENA_HUB_CONNECT_IP on the network;
- jupyterhub-idle-culler as a managed service with only the scopes it needs;
- the check service (qa_arena/hub/checks.py) at /services/qa-arena/; workers run apart (deploy/);
- the single-user image's nbgrader config must set `c.Exchange.root = "/srv/nbgrader/exchange"`
  (containers get QA_ARENA_EXCHANGE=/srv/nbgrader/exchange).
"""

import os
import sys
from pathlib import Path

from jupyterhub.utils import random_port

from qa_arena.client import CHECK_URL
from qa_arena.environment import value as environment_value
from qa_arena.hub import lti, settings
from qa_arena.hub.accounts import demo_accounts
from qa_arena.hub.checks import client_url, configure_checks, service_environment
from qa_arena.hub.course import load_course
from qa_arena.hub.courses import COURSE_VARIABLES, HubCourse, courses_file, hub_courses
from qa_arena.hub.dev import exchange_mounts, prepare_dev, prepare_exchanges
from qa_arena.hub.exchange import course_exchanges, exchange_layout
from qa_arena.hub.formgrader_links import formgrader_link_handlers
from qa_arena.hub.proxy import find_proxy
from qa_arena.service.store import configured_store

c = get_config()  # noqa: F821 - provided by JupyterHub
c.JupyterHub.template_paths = [str(Path(settings.__file__).with_name("templates"))]  # services named for people

PROFILE = settings.value(settings.PROFILE, "dev")
if PROFILE not in ("dev", "production"):
    raise ValueError(f"{settings.PROFILE}={PROFILE!r}: use dev or production")
ROOT = os.geteuid() == 0
STATE = settings.state_dir()
PORT = int(settings.value(settings.PORT, str(settings.DEFAULT_PORT)))
INSTRUCTORS = settings.names(settings.INSTRUCTORS, settings.DEFAULT_INSTRUCTORS)
STUDENTS = settings.names(settings.STUDENTS, settings.DEFAULT_STUDENTS)
HUB_FILES = settings.hub_dir(STATE)


def required(name: str) -> str:
    value = settings.value(name, "")
    if not value:
        raise ValueError(f"the {PROFILE} profile needs ${name} (see jupyterhub_config.py)")
    return value


def formgrader(hub_course: HubCourse, sandbox_default: str, **extra_env: str) -> tuple[dict, list[dict]]:
    """The course's formgrader service, and the roles that let instructors in and let it manage its group.

    It is jupyterhub-singleuser run in the course directory, where nbgrader finds nbgrader_config.py. The hub's
    course-level variables are the first course's: the others' formgraders do not get them.
    """
    course = hub_course.course
    passed = settings.services_environment()
    if hub_course is not COURSES[0]:
        passed = {k: v for k, v in passed.items() if k not in COURSE_VARIABLES}
    environment = {
        **passed,
        "QA_ARENA_COURSE_DIR": str(course.root),
        "QA_ARENA_SANDBOX": environment_value("QA_ARENA_SANDBOX", sandbox_default),
        "JUPYTERHUB_DEFAULT_URL": "/formgrader",
        **extra_env,
    }
    service = {
        "name": course.course_id,
        "url": f"http://127.0.0.1:{random_port()}",
        "command": [sys.executable, "-m", "jupyterhub.singleuser", *(["--allow-root"] if ROOT else [])],
        "cwd": str(course.root),
        "environment": environment,
        "oauth_no_confirm": True,
        "display": True,
        "info": {"display_name": f"Formgrader — {course.course_id}"},  # the hub's Services menu (templates/)
    }
    roles = [
        {
            "name": f"formgrade-{course.course_id}",
            "description": f"Use the formgrader of {course.course_id}",
            "scopes": [f"access:services!service={course.course_id}"],
            "groups": [course.instructors_group],
        },
        {
            "name": f"formgrader-{course.course_id}",
            "description": f"What the formgrader of {course.course_id} needs of the hub's API",
            "scopes": [
                "read:users:name",
                "read:users:groups",
                "list:groups",
                f"read:groups!group={course.students_group}",
                f"groups!group={course.students_group}",
            ],
            "services": [course.course_id],
        },
    ]
    return service, roles


def load_course_groups() -> None:
    """Each course's groups with the members the configuration names; none where the authenticator manages
    groups (LTI: launches give them, and JupyterHub refuses to start with both)."""
    if "manage_groups" in c.Authenticator and c.Authenticator.manage_groups:
        return
    groups = {}
    for hub_course in COURSES:
        groups[hub_course.course.instructors_group] = {"users": list(hub_course.instructors)}
        groups[hub_course.course.students_group] = {"users": list(hub_course.students)}
    c.JupyterHub.load_groups = groups


def formgraders(sandbox_default: str, **extra_env: str) -> tuple[list[dict], list[dict]]:
    """Every course's formgrader service, and their roles."""
    services, roles = [], []
    for hub_course in COURSES:
        service, service_roles = formgrader(hub_course, sandbox_default, **extra_env)
        services.append(service)
        roles += service_roles
    return services, roles


COURSES: list[HubCourse] = []  # the hub's courses, the first one QA_ARENA_COURSE_DIR's: set by the profile


# -- dev -----------------------------------------------------------------------------------------
def dev_profile() -> None:
    hub = prepare_dev(STATE, settings.course_dir(STATE), STUDENTS)
    COURSES[:] = hub_courses(HubCourse(hub.course, tuple(INSTRUCTORS), tuple(STUDENTS)), courses_file(STATE))
    for warning in prepare_exchanges(hub, [h.course for h in COURSES]):
        print(f"[qa-arena hub] warning: {warning}", file=sys.stderr)
    ip = settings.value(settings.IP, "127.0.0.1")
    c.JupyterHub.bind_url = f"http://{ip}:{PORT}/"
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = random_port()  # the hub's internal API: never the fixed 8081, so hubs can coexist
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{random_port()}"
    c.ConfigurableHTTPProxy.command = [find_proxy() or "configurable-http-proxy"]
    c.ConfigurableHTTPProxy.pid_file = str(HUB_FILES / "proxy.pid")
    c.JupyterHub.pid_file = str(HUB_FILES / "jupyterhub.pid")
    c.JupyterHub.db_url = f"sqlite:///{HUB_FILES / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(HUB_FILES / "jupyterhub_cookie_secret")
    # The periodic check of services only logs, and it meets services already removed when the hub stops
    # (a traceback on Ctrl-C): the hub restarts its managed services itself.
    c.JupyterHub.service_check_interval = 0

    lti_handlers = []
    authenticator = settings.value("QA_ARENA_HUB_AUTHENTICATOR", "")
    if authenticator == lti.AUTHENTICATOR:
        with configured_store() as store:
            lti_handlers = lti.configure_lti(c, store)
    elif authenticator:
        raise ValueError(f"QA_ARENA_HUB_AUTHENTICATOR={authenticator!r}: the dev profile has demo accounts, or lti13")
    else:
        accounts = demo_accounts(STATE)  # the members of every course
        c.JupyterHub.authenticator_class = "qa_arena.hub.auth.DemoAuthenticator"
        c.DemoAuthenticator.passwords = {a.name: a.password for a in accounts}
        c.Authenticator.allowed_users = {a.name for a in accounts}

    c.JupyterHub.spawner_class = "qa_arena.hub.spawner.IsolatedProcessSpawner"
    c.IsolatedProcessSpawner.home_root = str(hub.homes)
    c.IsolatedProcessSpawner.passwd_dir = str(hub.passwd_dir)
    c.IsolatedProcessSpawner.python = hub.python
    c.IsolatedProcessSpawner.jupyter_config_dir = str(hub.jupyter_config)
    if ROOT:  # each server sees its user's courses' exchanges
        c.Spawner.pre_spawn_hook = exchange_mounts(hub, COURSES)
    c.IsolatedProcessSpawner.interrupt_timeout = 5
    c.IsolatedProcessSpawner.term_timeout = 5
    c.Spawner.default_url = "/lab"
    c.Spawner.start_timeout = 90
    c.Spawner.http_timeout = 60

    services, roles = formgraders("auto", JUPYTER_RUNTIME_DIR=str(HUB_FILES / "formgrader-runtime"))
    c.JupyterHub.extra_handlers = [*formgrader_link_handlers([s["name"] for s in services]), *lti_handlers]
    courses = [h.course for h in COURSES]
    environment = service_environment(STATE, courses, dev=True)
    checks, check_roles = configure_checks(c, courses, f"http://127.0.0.1:{random_port()}", environment, worker=True)
    services += checks
    roles += check_roles
    token = settings.value(settings.ADMIN_TOKEN)
    if token:
        services.append({"name": "qa-arena-admin", "api_token": token, "display": False})
        roles.append({"name": "admin", "services": ["qa-arena-admin"]})
    c.JupyterHub.services = services
    c.JupyterHub.load_roles = roles
    load_course_groups()


# -- production ----------------------------------------------------------------------------------
def production_profile() -> None:
    if settings.value(settings.ADMIN_TOKEN):
        print(f"[qa-arena hub] ${settings.ADMIN_TOKEN} is ignored in production: no service is admin", file=sys.stderr)
    course = load_course(Path(required(settings.COURSE_DIR)))
    COURSES[:] = hub_courses(HubCourse(course, tuple(INSTRUCTORS), tuple(STUDENTS)), courses_file(STATE))
    authenticator = required("QA_ARENA_HUB_AUTHENTICATOR")
    if authenticator.endswith("DemoAuthenticator"):
        raise ValueError("the demo authenticator is for the dev profile only")
    db_url = required("QA_ARENA_HUB_DB_URL")
    sqlite_allowed = settings.value("QA_ARENA_HUB_ALLOW_SQLITE", "0") == "1"
    if db_url.startswith("sqlite:") and sqlite_allowed:
        print("[qa-arena hub] warning: SQLite database ($QA_ARENA_HUB_ALLOW_SQLITE=1): for tests only", file=sys.stderr)
    elif not db_url.startswith("postgresql"):
        raise ValueError("QA_ARENA_HUB_DB_URL: the production hub uses PostgreSQL (postgresql+psycopg://...)")

    c.JupyterHub.bind_url = f"http://{settings.value(settings.IP, '0.0.0.0')}:{PORT}/"
    c.JupyterHub.hub_ip = "0.0.0.0"
    c.JupyterHub.hub_connect_ip = required("QA_ARENA_HUB_CONNECT_IP")
    c.JupyterHub.db_url = db_url
    c.JupyterHub.cookie_secret_file = str(HUB_FILES / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(HUB_FILES / "jupyterhub.pid")
    c.ConfigurableHTTPProxy.pid_file = str(HUB_FILES / "proxy.pid")
    proxy = find_proxy()
    if proxy:
        c.ConfigurableHTTPProxy.command = [proxy]
    c.JupyterHub.cleanup_servers = False  # restarting the hub leaves users' containers running

    lti_handlers = []
    if authenticator == lti.AUTHENTICATOR:  # launched from an LMS: its users and courses come from there
        with configured_store() as store:
            lti_handlers = lti.configure_lti(c, store)
    else:
        c.JupyterHub.authenticator_class = authenticator
        c.Authenticator.allowed_users = set().union(*(h.members for h in COURSES))
        c.Authenticator.admin_users = set()

    image = settings.value("QA_ARENA_SINGLEUSER_IMAGE", "qa-arena/singleuser:latest")
    c.JupyterHub.spawner_class = "dockerspawner.DockerSpawner"
    c.DockerSpawner.image = image
    c.DockerSpawner.allowed_images = [image]  # a user_options image other than this one is refused
    c.DockerSpawner.pull_policy = "never"
    c.DockerSpawner.remove = True
    c.DockerSpawner.name_template = "qa-arena-user-{username}"
    c.DockerSpawner.network_name = settings.value("QA_ARENA_DOCKER_NETWORK", "qa-arena-hub")
    c.DockerSpawner.use_internal_ip = True
    c.DockerSpawner.notebook_dir = "/home/jovyan"
    # Each container mounts its user's courses' exchanges (the first course's may be elsewhere on the host).
    exchange_source = settings.value("QA_ARENA_EXCHANGE_SOURCE", str(course.exchange))
    layout = exchange_layout(exchange_source)
    sources = {h.course_id: str(h.course.exchange) for h in COURSES} | {course.course_id: exchange_source}
    c.DockerSpawner.volumes = {"qa-arena-home-{username}": "/home/jovyan"}
    c.Spawner.pre_spawn_hook = course_exchanges(COURSES, sources, layout, c.DockerSpawner.volumes)
    check_service = f"http://{c.JupyterHub.hub_connect_ip}:{int(settings.value('QA_ARENA_CHECK_PORT', '10101'))}"
    courses = [h.course for h in COURSES]
    environment = service_environment(STATE, courses, dev=False)
    checks, check_roles = configure_checks(c, courses, check_service, environment, worker=False)
    c.DockerSpawner.environment = {
        "QA_ARENA_EXCHANGE": "/srv/nbgrader/exchange",
        "QA_ARENA_COURSE_ID": course.course_id,  # students see only this course's (several: course_exchanges)
        CHECK_URL: client_url(check_service),
    }
    c.DockerSpawner.cpu_limit = float(settings.value("QA_ARENA_USER_CPU_LIMIT", "1.0"))
    c.DockerSpawner.mem_limit = settings.value("QA_ARENA_USER_MEM_LIMIT", "1G")
    c.DockerSpawner.extra_host_config = {"pids_limit": 512, "cap_drop": ["ALL"], "security_opt": ["no-new-privileges"]}
    c.DockerSpawner.disable_user_config = True
    c.Spawner.default_url = "/lab"
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 60

    # The hub cannot start judges (its Docker proxy allows users' servers only): the workers grade its batches.
    via = environment_value("QA_ARENA_AUTOGRADE_VIA", "queue")
    services, roles = formgraders("docker", QA_ARENA_EXCHANGE_LAYOUT=layout, QA_ARENA_AUTOGRADE_VIA=via)
    c.JupyterHub.extra_handlers = [*formgrader_link_handlers([s["name"] for s in services]), *lti_handlers]
    idle = int(settings.value("QA_ARENA_IDLE_TIMEOUT", "3600"))
    culler = {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={idle}",
            f"--cull-every={max(60, idle // 10)}",
        ],
    }
    roles.append(
        {
            "name": "idle-culler",
            "description": "Stop idle servers",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["idle-culler"],
        }
    )
    c.JupyterHub.services = [*services, culler, *checks]
    c.JupyterHub.load_roles = roles + check_roles
    load_course_groups()


if PROFILE == "dev":
    dev_profile()
else:
    production_profile()
