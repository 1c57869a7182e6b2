"""jupyterhub_config.py loads under both profiles, with the settings each promises.

The file is loaded by JupyterHub's own application class in a child process (so the environment is
the profile's alone), the configured spawner and authenticator classes are imported and instantiated
with that config; no hub is started (`jupyterhub --show-config` would start one far enough to open the
database, which for production is PostgreSQL).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa_arena.course.setup import init_course
from tests.hub.conftest import ROOT, hub_env
from tests.support.paths import PROBLEMS

pytestmark = pytest.mark.hub

LOAD = """
import json, os, sys
from types import SimpleNamespace
from jupyterhub.app import JupyterHub

app = JupyterHub()
app.load_config_file("jupyterhub_config.py", path=sys.argv[1])
groups = [SimpleNamespace(name=name) for name in json.loads(os.environ.get("TEST_USER_GROUPS", "[]"))]
user = SimpleNamespace(name="alice", id=7, url="/user/alice/", escaped_name="alice", groups=groups)
spawner = app.spawner_class(config=app.config, user=user)
authenticator = app.authenticator_class(config=app.config)
if "TEST_USER_GROUPS" in os.environ:  # what the pre-spawn hook makes of this user's server
    spawner.pre_spawn_hook(spawner)
print(json.dumps({
    "config": app.config,
    "spawner": app.spawner_class.__module__ + "." + app.spawner_class.__name__,
    "authenticator": app.authenticator_class.__module__ + "." + app.authenticator_class.__name__,
    "allowed_users": sorted(authenticator.allowed_users),
    "object_name": getattr(spawner, "object_name", None),
    "mem_limit": spawner.mem_limit,
    "cpu_limit": spawner.cpu_limit,
    "environment": spawner.environment,
    "volumes": getattr(spawner, "volumes", None),
    "bind_mounts": getattr(spawner, "bind_mounts", None),
}, default=lambda o: sorted(o) if isinstance(o, set) else str(o)))
"""


def load(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(ROOT)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def fails(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(ROOT)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    return result.stderr


@pytest.fixture
def production_env(state_dir, tmp_path) -> dict[str, str]:
    course = tmp_path / "course"
    init_course(course, "testing-101", [PROBLEMS])
    return hub_env(
        state_dir,
        QA_ARENA_HUB_PROFILE="production",
        QA_ARENA_COURSE_DIR=str(course),
        QA_ARENA_HUB_AUTHENTICATOR="jupyterhub.auth.PAMAuthenticator",
        QA_ARENA_HUB_DB_URL="postgresql+psycopg://hub:secret@db/jupyterhub",
        QA_ARENA_HUB_CONNECT_IP="172.31.0.1",
        QA_ARENA_SINGLEUSER_IMAGE="qa-arena/singleuser:test",
        QA_ARENA_DOCKER_NETWORK="qa-arena-test-net",
        QA_ARENA_USER_MEM_LIMIT="768M",
        QA_ARENA_USER_CPU_LIMIT="0.5",
        QA_ARENA_HUB_STUDENTS="ann,ben",
        QA_ARENA_ADMIN_TOKEN="must-be-ignored-in-production",
        QA_ARENA_SANDBOX="docker",
        QA_ARENA_DB_URL="postgresql+psycopg://qa_arena:secret@db/qa_arena",
    )


def test_production_profile(production_env):
    loaded = load(production_env)
    config, hub, docker = loaded["config"], loaded["config"]["JupyterHub"], loaded["config"]["DockerSpawner"]
    assert loaded["spawner"] == "dockerspawner.dockerspawner.DockerSpawner"
    assert loaded["authenticator"] == "jupyterhub.auth.PAMAuthenticator"
    assert loaded["allowed_users"] == ["ann", "ben", "instructor"]
    assert hub["db_url"].startswith("postgresql+psycopg://")
    assert (hub["hub_ip"], hub["hub_connect_ip"]) == ("0.0.0.0", "172.31.0.1")
    # the image is fixed and never pulled; containers are named by prefix, removed, limited, on the network
    assert docker["image"] == "qa-arena/singleuser:test"
    assert docker["allowed_images"] == ["qa-arena/singleuser:test"]
    assert docker["pull_policy"] == "never" and docker["remove"] is True
    assert docker["network_name"] == "qa-arena-test-net" and docker["use_internal_ip"] is True
    assert loaded["object_name"] == "qa-arena-user-alice"
    assert loaded["mem_limit"] == 768 * 1024**2 and loaded["cpu_limit"] == 0.5
    assert docker["disable_user_config"] is True
    assert docker["extra_host_config"]["cap_drop"] == ["ALL"]
    # the home is static; the exchange is mounted per user, for the user's courses (below)
    assert docker["volumes"] == {"qa-arena-home-{username}": "/home/jovyan"}
    # services: the course's formgrader, the idle culler and the check service, none admin, no admin-token service
    services = {s["name"]: s for s in hub["services"]}
    assert set(services) == {"testing-101", "idle-culler", "qa-arena"}
    assert services["qa-arena"]["url"] == "http://172.31.0.1:10101"
    assert services["qa-arena"]["command"][1:] == ["-m", "qa_arena", "check-service"]
    assert loaded["environment"]["QA_ARENA_CHECK_URL"] == "http://172.31.0.1:10101/services/qa-arena/"
    assert loaded["environment"]["QA_ARENA_COURSE_ID"] == "testing-101"
    assert "custom:qa-arena:staff" in config["Spawner"]["server_token_scopes"]
    assert not any(s.get("admin") for s in services.values())
    assert services["idle-culler"]["command"][1:3] == ["-m", "jupyterhub_idle_culler"]
    formgrader = services["testing-101"]
    assert formgrader["cwd"] == production_env["QA_ARENA_COURSE_DIR"]
    assert formgrader["environment"]["QA_ARENA_SANDBOX"] == "docker"
    assert formgrader["environment"]["QA_ARENA_EXCHANGE_LAYOUT"] == "per-user"  # its collect reads inbound/<user>/
    # Its autograde button queues the cells for the workers (the hub cannot start judges), in their database.
    assert formgrader["environment"]["QA_ARENA_AUTOGRADE_VIA"] == "queue"
    name = "QA_ARENA_DB_URL"
    assert formgrader["environment"][name] == services["qa-arena"]["environment"][name] == production_env[name]
    assert not any(k.startswith("QA_ARENA_HUB_") or k == "QA_ARENA_ADMIN_TOKEN" for k in formgrader["environment"])
    roles = {r["name"]: r for r in hub["load_roles"]}
    assert "admin" not in roles
    assert roles["formgrade-testing-101"]["scopes"] == ["access:services!service=testing-101"]
    assert roles["formgrade-testing-101"]["groups"] == ["formgrade-testing-101"]
    assert roles["idle-culler"]["scopes"] == ["list:users", "read:users:activity", "read:servers", "delete:servers"]
    for role in roles.values():
        assert not any(s.startswith(("admin", "tokens", "access:servers")) and "!" not in s for s in role["scopes"])
    assert hub["load_groups"]["nbgrader-testing-101"]["users"] == ["ann", "ben"]
    assert config["Authenticator"]["admin_users"] == []
    # everyone in the course may check; only instructors are the check service's staff
    assert roles["qa-arena-checks"]["scopes"] == ["access:services!service=qa-arena"]
    assert roles["qa-arena-checks"]["groups"] == ["nbgrader-testing-101", "formgrade-testing-101"]
    assert roles["qa-arena-staff"] == {**roles["qa-arena-staff"], "scopes": ["custom:qa-arena:staff"],
                                       "groups": ["formgrade-testing-101"]}  # fmt: skip


def test_a_container_mounts_its_own_inbound_and_feedback_of_its_courses_only(production_env):
    """A host directory as the exchange: a member's container mounts the course's outbound, and only its own
    inbound and feedback (made by the hub before it starts); a user in no course's group mounts nothing of it."""
    if os.geteuid() != 0:
        pytest.skip("the hook gives the inbound to the containers' uid: root only")
    member = load({**production_env, "TEST_USER_GROUPS": '["nbgrader-testing-101"]'})
    exchange = f"{production_env['QA_ARENA_COURSE_DIR']}/exchange/testing-101"
    assert member["volumes"][f"{exchange}/inbound/{{username}}"] == {
        "bind": "/srv/nbgrader/exchange/testing-101/inbound", "mode": "rw"}  # fmt: skip
    assert member["volumes"][f"{exchange}/outbound"]["mode"] == "ro"
    assert member["volumes"][f"{exchange}/feedback/{{username}}"]["mode"] == "ro"
    assert member["volumes"]["qa-arena-home-{username}"] == "/home/jovyan"
    inbound = os.stat(f"{exchange}/inbound/alice")
    assert (inbound.st_uid, inbound.st_mode & 0o777) == (1000, 0o750)
    assert member["environment"]["QA_ARENA_COURSE_ID"] == "testing-101"
    stranger = load({**production_env, "TEST_USER_GROUPS": "[]"})
    assert stranger["volumes"] == {"qa-arena-home-{username}": "/home/jovyan"}


def test_a_named_volume_as_the_exchange_stays_shared(production_env):
    if os.geteuid() != 0:
        pytest.skip("runs the pre-spawn hook: root only")
    production_env["QA_ARENA_EXCHANGE_SOURCE"] = "qa-arena-exchange"
    volumes = load({**production_env, "TEST_USER_GROUPS": '["nbgrader-testing-101"]'})["volumes"]
    assert volumes["qa-arena-exchange"] == {"bind": "/srv/nbgrader/exchange", "mode": "rw"}
    production_env["QA_ARENA_EXCHANGE_LAYOUT"] = "per-user"
    assert "needs a host directory" in fails(production_env)


def test_a_course_named_like_the_check_service_is_refused(production_env, tmp_path):
    course = tmp_path / "clash"
    init_course(course, "qa-arena", [PROBLEMS])
    production_env["QA_ARENA_COURSE_DIR"] = str(course)
    assert "course id 'qa-arena'" in fails(production_env)
    assert "names one of the hub's services" in fails(production_env)


@pytest.mark.parametrize("missing", ["QA_ARENA_HUB_DB_URL", "QA_ARENA_HUB_AUTHENTICATOR", "QA_ARENA_HUB_CONNECT_IP"])
def test_production_refuses_to_guess(production_env, missing):
    del production_env[missing]
    assert f"needs ${missing}" in fails(production_env)


def test_production_wants_postgresql(production_env):
    production_env["QA_ARENA_HUB_DB_URL"] = "sqlite:///hub.sqlite"
    assert "PostgreSQL" in fails(production_env)


def test_dev_profile(state_dir):
    env = hub_env(state_dir, QA_ARENA_HUB_PORT="18123", QA_ARENA_ADMIN_TOKEN="a-token-for-scripts")
    loaded = load({**env, "OPENAI_API_KEY": "sk-test-key"})
    hub = loaded["config"]["JupyterHub"]
    assert hub["bind_url"] == "http://127.0.0.1:18123/"
    assert hub["db_url"] == f"sqlite:///{state_dir / 'hub' / 'jupyterhub.sqlite'}"
    assert loaded["spawner"] == "qa_arena.hub.spawner.IsolatedProcessSpawner"
    assert loaded["authenticator"] == "qa_arena.hub.auth.DemoAuthenticator"
    assert loaded["allowed_users"] == ["alice", "bob", "instructor"]
    services = {s["name"]: s for s in hub["services"]}
    assert services["qa-arena-admin"]["api_token"] == "a-token-for-scripts"
    roles = {r["name"]: r for r in hub["load_roles"]}
    assert roles["admin"]["services"] == ["qa-arena-admin"]
    assert roles["formgrade-testing-101"]["scopes"] == ["access:services!service=testing-101"]
    assert services["testing-101"]["cwd"] == str(state_dir / "course")
    # the check service and a worker share a queue and a database in STATE/service (0700)
    check, worker = services["qa-arena"], services["qa-arena-worker"]
    assert check["command"][1:] == ["-m", "qa_arena", "check-service"] and "url" not in worker
    assert check["environment"]["QA_ARENA_DB_URL"] == f"sqlite:///{state_dir / 'service' / 'submissions.sqlite3'}"
    assert check["environment"]["OPENAI_API_KEY"] == "sk-test-key"  # the feedback provider's, for the service only
    assert {k: v for k, v in check["environment"].items() if k != "OPENAI_API_KEY"} == worker["environment"]
    assert (state_dir / "service").stat().st_mode & 0o777 == 0o700
    assert loaded["environment"]["QA_ARENA_CHECK_URL"] == check["url"] + "/services/qa-arena/"
    # the demo course was created, closed to students; their servers see its exchange through a bind mount
    assert (state_dir / "course" / "source" / "ps1-basics" / "durations.ipynb").is_file()
    assert (state_dir / "course").stat().st_mode & 0o777 == 0o700
    exchange = state_dir / "course" / "exchange" / "testing-101"
    if os.geteuid() == 0:  # a member's server sees its own view of STATE/exchange, the course's exchange in it
        member = load({**env, "TEST_USER_GROUPS": '["nbgrader-testing-101"]'})
        assert list(member["bind_mounts"].items()) == [
            (str(state_dir / "exchange"), str(state_dir / "exchange-views" / "alice")),
            (str(state_dir / "exchange" / "testing-101"), str(exchange)),
        ]
        view = (state_dir / "exchange-views" / "alice").stat()
        assert (view.st_uid, view.st_mode & 0o777) == (420_007, 0o700)  # the user's: nbgrader wants it writable
    else:  # one uid for all: a link
        assert (state_dir / "exchange" / "testing-101").resolve() == exchange
    student_config = (state_dir / "jupyter-config" / "nbgrader_config.py").read_text()
    assert repr(str(state_dir / "exchange")) in student_config
    # JupyterHub's periodic service check meets services already removed when the hub stops (AttributeError
    # 'NoneType' object has no attribute 'proto' on Ctrl-C): the dev hub's managed services need none
    assert hub["service_check_interval"] == 0
    assert services["testing-101"]["info"] == {"display_name": "Formgrader — testing-101"}
    assert hub["template_paths"] == [str(ROOT / "qa_arena" / "hub" / "templates")]


def test_dev_profile_without_admin_token_has_no_admin_service(state_dir):
    hub = load(hub_env(state_dir))["config"]["JupyterHub"]
    assert [s["name"] for s in hub["services"]] == ["testing-101", "qa-arena", "qa-arena-worker"]
    assert "admin" not in {r["name"] for r in hub["load_roles"]}


def test_unknown_profile(state_dir):
    assert "use dev or production" in fails(hub_env(state_dir, QA_ARENA_HUB_PROFILE="staging"))


def test_state_dir_must_be_reachable_by_users(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("as root only: users' servers then run under other uids")
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    assert "cannot traverse" in fails(hub_env(closed / "state"))


def test_production_with_lti13_launches_from_the_registered_lms(production_env, tmp_path):
    """QA_ARENA_HUB_AUTHENTICATOR=lti13: ltiauthenticator for the LMS that `qa-arena lms register` recorded,
    QA Arena's post-auth hook, the tool's JWKS beside the formgrader links; no allow-list (the LMS decides)."""
    db_url = f"sqlite:///{tmp_path / 'qa-arena.sqlite3'}"
    env = {**production_env, "QA_ARENA_HUB_AUTHENTICATOR": "lti13", "QA_ARENA_DB_URL": db_url}
    assert "no LMS is registered: qa-arena lms register" in fails(env)
    register = ["lms", "register", "--issuer", "https://canvas.instructure.com", "--client-id", "10000000000001",
                "--deployment-id", "1:abc", "--auth-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
                "--token-url", "https://sso.canvaslms.com/login/oauth2/token",
                "--jwks-url", "https://sso.canvaslms.com/api/lti/security/jwks"]  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "qa_arena", *register], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = load(env)
    config, lti = loaded["config"], loaded["config"]["LTI13Authenticator"]
    assert loaded["authenticator"] == "ltiauthenticator.lti13.auth.LTI13Authenticator"
    assert (lti["issuer"], lti["client_id"], lti["username_key"]) == (
        "https://canvas.instructure.com", ["10000000000001"], "email")  # fmt: skip
    assert lti["authorize_url"].endswith("/authorize_redirect") and lti["jwks_endpoint"].endswith("/jwks")
    assert 30 <= config["LTI13LaunchValidator"]["time_leeway"] <= 60
    assert "post_auth_hook" in config["Authenticator"] and config["Authenticator"]["manage_groups"] is True
    assert "load_groups" not in config["JupyterHub"]  # JupyterHub refuses to start with both
    assert loaded["allowed_users"] == []
    handlers = [h[0] for h in config["JupyterHub"]["extra_handlers"]]
    assert "/lti13/jwks" in handlers and any("tree" in h for h in handlers)


def test_one_hub_serves_many_courses(production_env, tmp_path):
    """A second course added with `qa-arena hub courses add`: its own formgrader, groups and roles, its members
    allowed; each user's container mounts the exchanges of the user's courses only. The hub's course-level
    variables are the first course's: the second is read from its own config, its formgrader does not get them."""
    second = tmp_path / "course-b"
    init_course(second, "course-b", [PROBLEMS])
    production_env["QA_ARENA_COURSE_ID"] = "testing-101"
    production_env["QA_ARENA_GRADEBOOK_URL"] = "sqlite:////tmp/first-course-gradebook.db"
    add = [sys.executable, "-m", "qa_arena", "hub", "courses", "add", str(second), "--instructors", "bea",
           "--students", "carl,dina"]  # fmt: skip
    done = subprocess.run(add, env=production_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "course course-b" in done.stdout and "/services/course-b/formgrader" in done.stdout

    loaded = load(production_env)
    hub = loaded["config"]["JupyterHub"]
    services = {s["name"]: s for s in hub["services"]}
    assert set(services) == {"testing-101", "course-b", "idle-culler", "qa-arena"}
    assert services["course-b"]["cwd"] == str(second)
    assert "QA_ARENA_COURSE_ID" not in services["course-b"]["environment"]
    assert "QA_ARENA_GRADEBOOK_URL" not in services["course-b"]["environment"]
    assert services["testing-101"]["environment"]["QA_ARENA_GRADEBOOK_URL"] == production_env["QA_ARENA_GRADEBOOK_URL"]
    roles = {r["name"]: r for r in hub["load_roles"]}
    assert roles["formgrade-course-b"]["scopes"] == ["access:services!service=course-b"]
    assert roles["formgrade-course-b"]["groups"] == ["formgrade-course-b"]
    assert roles["formgrader-course-b"]["scopes"][-1] == "groups!group=nbgrader-course-b"
    assert hub["load_groups"]["formgrade-course-b"]["users"] == ["bea"]
    assert hub["load_groups"]["nbgrader-course-b"]["users"] == ["carl", "dina"]
    assert hub["load_groups"]["nbgrader-testing-101"]["users"] == ["ann", "ben"]
    assert loaded["allowed_users"] == ["ann", "bea", "ben", "carl", "dina", "instructor"]
    assert set(roles["qa-arena-checks"]["groups"]) == {
        "nbgrader-testing-101", "formgrade-testing-101", "nbgrader-course-b", "formgrade-course-b"}  # fmt: skip
    problems = services["qa-arena"]["environment"]["QA_ARENA_PROBLEMS"].split(":")
    assert str(second / "problems") in problems
    if os.geteuid() != 0:
        return  # the pre-spawn hook makes the user's directories for the containers' uid
    first_exchange = f"{production_env['QA_ARENA_COURSE_DIR']}/exchange"
    only_b = load({**production_env, "TEST_USER_GROUPS": '["nbgrader-course-b"]'})
    mounted = {v["bind"] for k, v in only_b["volumes"].items() if isinstance(v, dict)}
    assert mounted == {f"/srv/nbgrader/exchange/course-b/{part}" for part in ("outbound", "inbound", "feedback")}
    assert not any(k.startswith(first_exchange) for k in only_b["volumes"])
    assert only_b["environment"]["QA_ARENA_COURSE_ID"] == "course-b"
    both = load({**production_env, "TEST_USER_GROUPS": '["nbgrader-course-b", "formgrade-testing-101"]'})
    assert len([k for k in both["volumes"] if "/outbound" in k]) == 2
    assert "QA_ARENA_COURSE_ID" not in both["environment"]  # nbgrader lists both courses


def test_two_courses_with_one_id_are_refused(production_env, tmp_path):
    twin = tmp_path / "twin"
    init_course(twin, "testing-101", [PROBLEMS])
    courses = Path(production_env["QA_ARENA_HUB_STATE"]) / "courses.json"
    courses.write_text(json.dumps({"courses": [{"course_dir": str(twin)}]}))
    error = fails(production_env)
    assert "are both course 'testing-101'" in error and "give one of them another id" in error
