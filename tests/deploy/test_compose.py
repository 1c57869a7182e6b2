"""deploy/compose.yaml: valid for docker-compose v1.29 (Debian's), with the promised settings; then the
whole stack brought up on this machine with the offline-built images, graded through, backed up,
restored, and torn down.

The stack gets a project and a stack name of its own (`qa-arena-test-<random>`: containers, networks,
volumes), loopback ports, an exchange directory under the test's temporary directory (not made
beforehand, as on a fresh machine), and an env file made from deploy/.env.example with test secrets.
Teardown removes exactly that project's resources, and any judge container labelled with its stack name.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import ssl
import stat
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
import pytest
import yaml

from tests.deploy.conftest import DEPLOY, free_port, unique

COMPOSE_FILE = DEPLOY / "compose.yaml"
SERVICES = ("postgres", "docker-proxy-hub", "docker-proxy-worker", "hub", "worker", "nginx")
SECRETS = {
    "QA_ARENA_POSTGRES_PASSWORD": "testpg0secret",
    "QA_ARENA_HUB_DB_PASSWORD": "testhub0secret",
    "QA_ARENA_SERVICE_DB_PASSWORD": "testsvc0secret",
}
HEALTH_TIMEOUT = 180
# Students whose servers the stack's hub spawns: DockerSpawner names their home volumes qa-arena-home-<name>
# whatever the stack, so the names are unique to this run and the volumes are removed by those names.
STUDENTS = (f"st{secrets.token_hex(4)}", f"st{secrets.token_hex(4)}")
COURSE = "testing-101"  # the stack's default QA_ARENA_COURSE_ID
EXCHANGE = "/srv/nbgrader/exchange"  # where the hub, the workers and users' containers see it


@pytest.fixture(scope="session")
def docker_compose() -> str:
    """Debian's docker-compose (v1.29), installed with apt when missing."""
    from tests.support.servers import ServiceUnavailable, ensure_packages

    if not shutil.which("docker-compose"):
        try:
            ensure_packages("docker-compose")
        except ServiceUnavailable as exc:
            pytest.skip(str(exc))
    return shutil.which("docker-compose")


def env_file(path: Path, **values: str) -> Path:
    """deploy/.env.example with `values` filled in."""
    lines = []
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        key = line.split("=", 1)[0]
        lines.append(f"{key}={values.pop(key)}" if "=" in line and not line.startswith("#") and key in values else line)
    lines += [f"{key}={value}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without what would override the env file (compose prefers the environment)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_ARENA_", "COMPOSE_", "OAUTH"))}
    return {**env, **extra}


def compose(binary: str, env: Path, *args: str, project: str | None = None, timeout: float = 300, check=True):
    command = [binary, "-f", str(COMPOSE_FILE), "--env-file", str(env)]
    command += ["-p", project] if project else []
    result = subprocess.run([*command, *args], capture_output=True, text=True, timeout=timeout, env=clean_environment())
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


# -- the file ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def config(docker_compose, tmp_path_factory) -> dict:
    env = env_file(tmp_path_factory.mktemp("compose") / ".env", **SECRETS)
    return yaml.safe_load(compose(docker_compose, env, "config").stdout)


@pytest.mark.compose
def test_compose_config_is_valid_for_docker_compose_v1(config):
    assert set(config["services"]) == set(SERVICES)


@pytest.mark.compose
@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_restarted_checked_limited_and_rotated(config, service):
    settings = config["services"][service]
    assert settings["restart"] == "unless-stopped"
    assert settings["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
    assert settings["logging"] == {"driver": "json-file", "options": {"max-size": "20m", "max-file": "5"}}
    limits = settings["deploy"]["resources"]["limits"]
    assert settings["mem_limit"] == limits["memory"]  # Compose v2 wants the two to agree
    assert float(settings["cpus"]) == float(limits["cpus"])
    assert settings["pids_limit"] > 0
    assert "no-new-privileges:true" in settings["security_opt"]
    assert settings["image"].startswith("qa-arena/")


@pytest.mark.compose
def test_only_the_docker_proxies_see_the_docker_socket(config):
    mounting = {
        name
        for name, service in config["services"].items()
        if any("docker.sock" in str(volume) for volume in service.get("volumes", []))
    }
    assert mounting == {"docker-proxy-hub", "docker-proxy-worker"}
    hub, worker = config["services"]["hub"], config["services"]["worker"]
    assert hub["environment"]["DOCKER_HOST"] == "tcp://docker-proxy-hub:2375"
    assert worker["environment"]["DOCKER_HOST"] == "tcp://docker-proxy-worker:2375"
    assert config["services"]["docker-proxy-hub"]["environment"]["QA_ARENA_PROXY_POLICY"] == "spawner"
    assert config["services"]["docker-proxy-worker"]["environment"]["QA_ARENA_PROXY_POLICY"] == "judge"
    # Each proxy is reachable only by its own client.
    assert set(config["services"]["docker-proxy-hub"]["networks"]) == {"hub-docker"}
    assert "hub-docker" not in config["services"]["worker"]["networks"]
    assert "worker-docker" not in config["services"]["hub"]["networks"]


@pytest.mark.compose
def test_only_nginx_is_published_and_only_the_frontend_leaves_the_machine(config):
    published = {name for name, service in config["services"].items() if service.get("ports")}
    assert published == {"nginx"}
    open_networks = {name for name, network in config["networks"].items() if not network.get("internal")}
    assert open_networks == {"frontend"}


@pytest.mark.compose
def test_secrets_come_only_from_the_environment(docker_compose, tmp_path):
    text = COMPOSE_FILE.read_text()
    for value in SECRETS.values():
        assert value not in text
    for key in SECRETS:
        assert f"${{{key}:?" in text or f"${{{key}}}" in text
    missing = {k: v for k, v in SECRETS.items() if k != "QA_ARENA_SERVICE_DB_PASSWORD"}
    result = compose(docker_compose, env_file(tmp_path / ".env", **missing), "config", check=False)
    assert result.returncode != 0 and "QA_ARENA_SERVICE_DB_PASSWORD" in result.stderr


@pytest.mark.compose
def test_env_example_explains_every_variable():
    example = (DEPLOY / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z0-9_]+)=", example, re.MULTILINE))
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE_FILE.read_text()))
    assert used <= documented, sorted(used - documented)
    lines = example.splitlines()
    for index, line in enumerate(lines):  # each variable has a comment above it (or shares one)
        if re.match(r"^[A-Z0-9_]+=", line):
            above = next(p for p in reversed(lines[:index]) if not re.match(r"^[A-Z0-9_]+=", p))
            assert above.startswith("#"), line


def example_value(name: str) -> str:
    return re.search(rf"^{name}=(.*)$", (DEPLOY / ".env.example").read_text(), re.MULTILINE).group(1)


@pytest.mark.compose
def test_the_exchange_is_a_host_directory_that_users_containers_mount_by_parts(config):
    """Hub and workers bind the host directory; no exchange volume; the hub's proxy allows only the parts."""
    from qa_arena.hub.exchange import exchange_volumes
    from tests.deploy.test_docker_proxy import Denied, Policy, edit, jovyan, spawner_body

    directory = example_value("QA_ARENA_EXCHANGE_DIR")
    assert directory.startswith("/")
    services = config["services"]
    for name in ("hub", "worker"):
        assert f"{directory}:{EXCHANGE}:rw" in services[name]["volumes"], name
        assert services[name]["environment"]["QA_ARENA_EXCHANGE_LAYOUT"] == "per-user", name
    assert services["hub"]["environment"]["QA_ARENA_EXCHANGE_SOURCE"] == directory
    named = {v.split(":")[0] for s in services.values() for v in s.get("volumes", []) if not v.startswith("/")}
    assert not any("exchange" in volume for volume in [*named, *config.get("volumes", {})]), named

    proxy = services["docker-proxy-hub"]["environment"]
    parts = [f"{directory}/{COURSE}/{part}" for part in ("outbound", "inbound", "feedback")]
    assert proxy["QA_ARENA_PROXY_BIND_PATHS"].split(",") == parts
    assert proxy["QA_ARENA_PROXY_VOLUMES"] == "qa-arena-home-*"
    # What the hub's DockerSpawner asks for passes the proxy; the whole exchange or a named one does not.
    policy = Policy.preset("spawner", {**proxy, "QA_ARENA_PROXY_NETWORKS": "qa-arena-users"})
    binds = [f"{host.format(username='ann')}:{m['bind']}:{m['mode']}"
             for host, m in exchange_volumes(directory, COURSE, "per-user").items()]  # fmt: skip
    home = "qa-arena-home-ann:/home/jovyan:rw"
    policy.check_create("name=qa-arena-user-ann", edit(spawner_body(), HostConfig__Binds=[home, *binds]), jovyan)
    for source in (directory, f"{directory}/{COURSE}", f"{directory}/other/inbound", "qa-arena-exchange"):
        with pytest.raises(Denied, match="mount of"):
            body = edit(spawner_body(), HostConfig__Binds=[f"{source}:/x"])
            policy.check_create("name=qa-arena-user-ann", body, jovyan)


@pytest.mark.compose
def test_the_exchange_directory_is_required(docker_compose, tmp_path):
    env = env_file(tmp_path / ".env", **SECRETS, QA_ARENA_EXCHANGE_DIR="")
    result = compose(docker_compose, env, "config", check=False)
    assert result.returncode != 0 and "QA_ARENA_EXCHANGE_DIR" in result.stderr


# -- the stack ---------------------------------------------------------------------------------------
class Stack:
    def __init__(self, binary: str, env: Path, project: str, https_port: int, http_port: int, exchange: Path) -> None:
        self.binary, self.env, self.project = binary, env, project
        self.https_port, self.http_port = https_port, http_port
        self.exchange = exchange  # the host directory (QA_ARENA_EXCHANGE_DIR)

    def compose(self, *args: str, **kwargs):
        return compose(self.binary, self.env, *args, project=self.project, **kwargs)

    def containers(self, client) -> dict:
        found = client.containers.list(all=True, filters={"label": f"com.docker.compose.project={self.project}"})
        return {c.labels["com.docker.compose.service"]: c for c in found}

    def wait_healthy(self, client, timeout: float = HEALTH_TIMEOUT) -> float:
        started = time.monotonic()
        while True:
            states = {}
            for service, container in self.containers(client).items():
                container.reload()
                states[service] = container.attrs["State"].get("Health", {}).get("Status", container.status)
            if set(states) == set(SERVICES) and all(s == "healthy" for s in states.values()):
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                logs = self.compose("logs", "--tail", "30", check=False).stdout
                raise TimeoutError(f"not healthy after {timeout} s: {states}\n{logs[-6000:]}")
            time.sleep(1)

    def https(self, path: str, headers: dict | None = None):
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the self-signed certificate
        request = urllib.request.Request(f"https://127.0.0.1:{self.https_port}{path}", headers=headers or {})
        return urllib.request.urlopen(request, context=context, timeout=30)

    def exec(self, service: str, *command: str, timeout: float = 120, user: str | None = None) -> str:
        options = ["-u", user] if user else []
        return self.compose("exec", "-T", *options, service, *command, timeout=timeout).stdout

    def token(self, user: str) -> str:
        out = self.exec("hub", "jupyterhub", "token", "-f", "/etc/jupyterhub/jupyterhub_config.py", user)
        return out.strip().splitlines()[-1]

    def sql(self, database: str, query: str) -> str:
        return self.exec("postgres", "psql", "-U", "postgres", "-d", database, "-tAc", query).strip()


@pytest.fixture(scope="module")
def stack(docker_compose, deploy_images, docker_client, tmp_path_factory):
    name = unique()
    https_port, http_port = free_port(), free_port()
    directory = tmp_path_factory.mktemp("stack")
    exchange = directory / "exchange"  # not made here: Docker makes it, the hub's entrypoint and hook fill it
    env = env_file(
        directory / ".env",
        **SECRETS,
        COMPOSE_PROJECT_NAME=name,
        QA_ARENA_STACK=name,
        QA_ARENA_HTTP_BIND="127.0.0.1",
        QA_ARENA_HTTP_PORT=str(http_port),
        QA_ARENA_HTTPS_PORT=str(https_port),
        QA_ARENA_HEALTHCHECK_INTERVAL="2s",
        QA_ARENA_HUB_STUDENTS=",".join(["ann", "ben", *STUDENTS]),
        QA_ARENA_EXCHANGE_DIR=str(exchange),
        OAUTH_CLIENT_ID="qa-arena-test",
        OAUTH_CLIENT_SECRET="not-a-secret",
        OAUTH_CALLBACK_URL=f"https://localhost:{https_port}/hub/oauth_callback",
        OAUTH2_AUTHORIZE_URL="https://idp.invalid/authorize",
        OAUTH2_TOKEN_URL="https://idp.invalid/token",
        OAUTH2_USERDATA_URL="https://idp.invalid/userinfo",
    )
    stack = Stack(docker_compose, env, name, https_port, http_port, exchange)
    started = time.monotonic()
    try:
        stack.compose("up", "-d")
        stack.wait_healthy(docker_client)
        stack.up_seconds = time.monotonic() - started
        yield stack
    finally:
        down = time.monotonic()
        # First what the stack started but compose does not know (users' servers a failed test left running
        # keep the users' network in use, and `down` would then leave it and the volumes behind).
        # sparse: no inspect per container, so one removed meanwhile cannot make the listing fail
        stray = [{"label": f"org.qa-arena.stack={name}"}, *({"name": f"qa-arena-user-{s}"} for s in STUDENTS)]
        for filters in stray:  # judge containers of this stack (none when the proxy did its job), users' servers
            for container in docker_client.containers.list(all=True, filters=filters, sparse=True):
                with contextlib.suppress(docker.errors.NotFound):
                    container.remove(force=True)
        stack.compose("down", "-v", "--remove-orphans", "-t", "20", check=False)
        for student in STUDENTS:
            with contextlib.suppress(Exception):
                docker_client.volumes.get(f"qa-arena-home-{student}").remove(force=True)
        shutil.rmtree(exchange, ignore_errors=True)  # root's files (students' are uid 1000): this run is root
        print(f"\n[stack] up and healthy in {stack.up_seconds:.1f} s; down in {time.monotonic() - down:.1f} s")
        left = [c.name for c in docker_client.containers.list(all=True) if c.name.startswith(name)]
        left += [v.name for v in docker_client.volumes.list() if v.name.startswith(name)]
        left += [n.name for n in docker_client.networks.list() if n.name.startswith(name)]
        assert not left, f"left behind: {left}"


@pytest.mark.docker
@pytest.mark.compose
@pytest.mark.slow
def test_the_stack_comes_up_healthy_with_its_limits(stack, docker_client):
    containers = stack.containers(docker_client)
    assert set(containers) == set(SERVICES)
    for service, container in containers.items():
        host = container.attrs["HostConfig"]
        assert host["RestartPolicy"]["Name"] == "unless-stopped"
        assert host["Memory"] > 0 and host["NanoCpus"] > 0 and host["PidsLimit"] > 0, service
        assert host["LogConfig"] == {"Type": "json-file", "Config": {"max-file": "5", "max-size": "20m"}}
        sockets = [m for m in container.attrs["Mounts"] if m["Destination"] == "/var/run/docker.sock"]
        assert bool(sockets) == service.startswith("docker-proxy"), service
    assert containers["worker"].attrs["Config"]["User"] == "10002:10002"


@pytest.mark.docker
@pytest.mark.compose
@pytest.mark.slow
def test_nginx_serves_the_hub_over_tls_with_gzip_and_a_static_cache(stack):
    with stack.https("/hub/health") as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect()).open(f"http://127.0.0.1:{stack.http_port}/hub/", timeout=10)
    assert redirect.value.code == 301 and redirect.value.headers["Location"].startswith("https://")
    with stack.https("/hub/login") as response:
        page = response.read().decode()
    asset = re.search(r'"(/hub/static/[^"]+\?v=[^"]+)"', page).group(1)
    statuses = []
    for _ in range(2):
        with stack.https(asset, {"Accept-Encoding": "gzip"}) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            statuses.append(response.headers["X-Cache-Status"])
    assert statuses == ["MISS", "HIT"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.docker
@pytest.mark.compose
@pytest.mark.slow
def test_a_submission_is_graded_by_the_worker_in_a_judge_container(stack):
    verdict = submit(stack)
    assert (verdict["status"], verdict["score"]) == ("SUCCESS", 100.0)
    assert stack.sql("qa_arena", f"SELECT status FROM submissions WHERE id = '{verdict['id']}'") == "SUCCESS"


# Run in the hub's container with the environment of its formgrader process, as the formgrader's
# "autograde" button runs nbgrader: two submissions of leap_year, autograded, their gradebook scores.
FORMGRADER_AUTOGRADE = """
import json, os, shutil, subprocess, sys
from pathlib import Path
from nbgrader.api import Gradebook
from qa_arena.course.runner import CourseRunner, write_tests
from qa_arena.course.setup import build_assignment
from qa_arena.grading.problem import load_problem

def formgrader_environment():
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"jupyterhub.singleuser" in (proc / "cmdline").read_bytes():
                pairs = (proc / "environ").read_bytes().decode().split("\\0")
                return dict(pair.split("=", 1) for pair in pairs if "=" in pair)
        except OSError:
            pass
    sys.exit("no formgrader process in the hub's container")

env, root = formgrader_environment(), Path("/srv/course")
# the instructor's own problem, from a private directory that no bank lists: course build copies it into the
# course (root's), and the workers (their own uid) read it there
own = Path("/tmp/my-problems/own_leap_year")
shutil.copytree(Path(os.environ.get("QA_ARENA_PROBLEMS", "/opt/qa-arena/problems")) / "leap_year", own)
(own / "problem.toml").write_text((own / "problem.toml").read_text().replace('"leap_year"', '"own_leap_year"'))
for path in [own, *own.rglob("*")]:
    path.chmod(0o700 if path.is_dir() else 0o600)
build_assignment(root, "ps-queue", [load_problem(own)])
problem = load_problem(root / "problems" / "own_leap_year")
def nbgrader(*args):
    return subprocess.run(["nbgrader", *args], cwd=root, env=env, capture_output=True, text=True)
assert nbgrader("generate_assignment", "ps-queue", "--force").returncode == 0
suites = {"ann": problem.reference_tests.read_text(),
          "ben": "from calendar_rules import is_leap_year\\n\\ndef test_2024():\\n    assert is_leap_year(2024)\\n"}
for student, tests in suites.items():
    nbgrader("db", "student", "add", student)
    target = root / "submitted" / student / "ps-queue"
    target.mkdir(parents=True)
    shutil.copy(root / "release" / "ps-queue" / "own_leap_year.ipynb", target)
    write_tests(target / "own_leap_year.ipynb", tests)
done = nbgrader("autograde", "ps-queue", "--force")
with Gradebook(CourseRunner(root).config()["db_url"]) as gradebook:
    grades = {s: gradebook.find_grade("own_leap_year-tests", "own_leap_year", "ps-queue", s).auto_score
              for s in suites}
print(json.dumps({"via": env.get("QA_ARENA_AUTOGRADE_VIA"), "code": done.returncode, "grades": grades,
                  "log": done.stderr[-3000:]}))
"""


@pytest.mark.docker
@pytest.mark.compose
@pytest.mark.slow
def test_the_formgraders_autograde_is_graded_by_the_worker(stack):
    """The formgrader runs in the hub's container, which cannot start judges: its autograde queues the cells,
    the worker grades them in judge containers, and the scores land in the course's gradebook. The problem
    is the instructor's own: the worker reads it from the course's problems/."""
    out = json.loads(stack.exec("hub", "python", "-c", FORMGRADER_AUTOGRADE, timeout=600).strip().splitlines()[-1])
    assert (out["via"], out["code"]) == ("queue", 0), out["log"]
    assert out["grades"]["ann"] == 10.0, out["log"]  # the reference tests catch every bug: 10 of 10 points
    assert 3.0 <= out["grades"]["ben"] < 10.0, out["log"]  # valid (3 points) and weak
    rows = stack.sql("qa_arena", "SELECT username, kind, status FROM submissions WHERE assignment = 'ps-queue' "
                     "ORDER BY username")  # fmt: skip
    assert rows.splitlines() == ["ann|submit|SUCCESS", "ben|submit|SUCCESS"]


def submit(stack) -> dict:
    """The reference tests of `durations`, queued from the worker's container, graded by a worker."""
    out = stack.exec(
        "worker", "qa-arena", "submit", "durations", "/opt/qa-arena/problems/durations/reference_tests.py",
        "--user", "ann", "--wait", "--json", "--timeout", "120",
    )  # fmt: skip
    return json.loads(out)


@pytest.mark.docker
@pytest.mark.compose
@pytest.mark.slow
def test_the_stacks_hub_spawns_students_servers_each_seeing_only_its_own_exchange(stack, docker_client):
    """Two students' servers, through nginx; each container mounts only its own inbound and feedback, both
    submit with nbgrader, and an instructor's batch on the worker collects each from its own directory."""
    import requests
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the self-signed certificate
    base = f"https://127.0.0.1:{stack.https_port}"
    with ThreadPoolExecutor(len(STUDENTS)) as pool:
        tokens = dict(zip(STUDENTS, pool.map(stack.token, STUDENTS), strict=True))

    def api(student: str, method: str, path: str) -> requests.Response:
        headers = {"Authorization": f"token {tokens[student]}"}
        return requests.request(method, base + path, headers=headers, verify=False, timeout=60)

    # The instructor's release, as nbgrader release_assignment lays it out (the worker's root could do it too).
    assignment, course = "ps-exchange", stack.exchange / COURSE
    (course / "outbound" / assignment).mkdir(parents=True)
    notebook = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (course / "outbound" / assignment / "tests.ipynb").write_text(json.dumps(notebook))

    for student in STUDENTS:
        assert api(student, "POST", f"/hub/api/users/{student}/server").status_code in (201, 202)
    deadline = time.monotonic() + 120
    for student in STUDENTS:
        while not api(student, "GET", f"/hub/api/users/{student}").json()["servers"].get("", {}).get("ready"):
            assert time.monotonic() < deadline, stack.compose("logs", "--tail", "40", "hub", check=False).stdout
            time.sleep(0.5)
    # Through nginx, the hub's proxy and the internal users' network to the student's container.
    assert api(STUDENTS[0], "GET", f"/user/{STUDENTS[0]}/api/status").status_code == 200

    inside = f"{EXCHANGE}/{COURSE}"
    containers = {}
    for student in STUDENTS:
        container = containers[student] = docker_client.containers.get(f"qa-arena-user-{student}")
        assert list(container.attrs["NetworkSettings"]["Networks"]) == [f"{stack.project}-users"]
        assert container.labels["org.qa-arena.stack"] == stack.project  # added by the spawner's proxy
        mounts = {m["Destination"]: (m["Type"], m.get("Name") or m["Source"], m["RW"])
                  for m in container.attrs["Mounts"]}  # fmt: skip
        assert mounts == {
            "/home/jovyan": ("volume", f"qa-arena-home-{student}", True),
            f"{inside}/outbound": ("bind", str(course / "outbound"), False),
            f"{inside}/inbound": ("bind", str(course / "inbound" / student), True),
            f"{inside}/feedback": ("bind", str(course / "feedback" / student), False),
        }
        # Made by the hub before the container started: the student's to write, staff's (root's group) to read.
        inbound, feedback = (course / "inbound" / student).stat(), (course / "feedback" / student).stat()
        assert (inbound.st_uid, inbound.st_gid, stat.S_IMODE(inbound.st_mode)) == (1000, 0, 0o750)
        assert (feedback.st_uid, stat.S_IMODE(feedback.st_mode)) == (0, 0o755)

    def student_flow(student: str) -> tuple[int, str]:
        script = (
            f"nbgrader fetch_assignment {assignment} --course {COURSE}"
            f" && nbgrader submit {assignment} --course {COURSE}"
            f" && echo INBOUND && ls {inside}/inbound && echo VISIBLE && find {EXCHANGE} -mindepth 1 | sort"
        )
        env = {"JUPYTERHUB_USER": student}  # nbgrader's student id for jovyan
        done = containers[student].exec_run(["sh", "-c", script], user="jovyan", environment=env)
        return done.exit_code, done.output.decode()

    with ThreadPoolExecutor(len(STUDENTS)) as pool:
        flows = dict(zip(STUDENTS, pool.map(student_flow, STUDENTS), strict=True))
    for student, (code, output) in flows.items():
        assert code == 0, output
        inbound, visible = output.split("INBOUND\n", 1)[1].split("VISIBLE\n")
        (submission,) = inbound.splitlines()
        assert submission.startswith(f"{student}+{assignment}+"), inbound
        assert f"{inside}/outbound/{assignment}/tests.ipynb" in visible.splitlines()
        other = next(s for s in STUDENTS if s != student)
        assert other not in visible, visible  # nothing of the other student's is in sight
    # No student can write the release, nor another's feedback (read-only mounts, whatever the modes).
    tried = containers[STUDENTS[0]].exec_run(["touch", f"{inside}/outbound/x", f"{inside}/feedback/x"], user="jovyan")
    assert tried.exit_code != 0 and b"Read-only file system" in tried.output

    # An instructor's batch on the worker (root without capabilities: it reads inbound/<user> through the group).
    stack.exec("worker", "sh", "-c", f"cd /srv/course && nbgrader collect {assignment}", user="0")
    collected = stack.exec("worker", "find", "/srv/course/submitted", "-mindepth", "2", "-maxdepth", "2",
                           "-name", assignment, user="0").split()  # fmt: skip
    assert sorted(collected) == sorted(f"/srv/course/submitted/{s}/{assignment}" for s in STUDENTS)

    for student in STUDENTS:
        assert api(student, "DELETE", f"/hub/api/users/{student}/server").status_code in (202, 204)
    deadline = time.monotonic() + 60
    for student in STUDENTS:
        while docker_client.containers.list(all=True, filters={"name": f"qa-arena-user-{student}"}, sparse=True):
            assert time.monotonic() < deadline, "the student's container was not removed"
            time.sleep(0.5)


@pytest.mark.docker
@pytest.mark.compose
@pytest.mark.slow
def test_the_hub_cannot_start_a_judge_nor_the_worker_a_users_server(stack):
    probe = (
        "import docker, sys\n"
        "client = docker.from_env()\n"
        "try:\n"
        "    client.containers.run(sys.argv[1], name=sys.argv[2], detach=True)\n"
        "except docker.errors.APIError as exc:\n"
        "    print(exc.explanation)\n"
    )
    refused = stack.exec("hub", "python", "-c", probe, "qa-arena/judge:latest", "qa-arena-judge-x")
    assert "qa-arena docker proxy (spawner)" in refused
    refused = stack.exec("worker", "python", "-c", probe, "qa-arena/singleuser:latest", "qa-arena-user-x")
    assert "qa-arena docker proxy (judge)" in refused
    # Nor can the hub give a user's container the whole exchange (everyone's inbound): only its parts.
    whole = (
        "import docker, sys\n"
        "try:\n"
        "    docker.from_env().containers.create('qa-arena/singleuser:latest', name='qa-arena-user-x',\n"
        "        volumes={sys.argv[1]: {'bind': '/srv/nbgrader/exchange', 'mode': 'rw'}}, mem_limit='1g',\n"
        "        pids_limit=64, cap_drop=['ALL'], security_opt=['no-new-privileges'], network=sys.argv[2])\n"
        "except docker.errors.APIError as exc:\n"
        "    print(exc.explanation)\n"
    )
    refused = stack.exec("hub", "python", "-c", whole, str(stack.exchange), f"{stack.project}-users")
    assert f"mount of '{stack.exchange}' is not allowed" in refused


@pytest.mark.docker
@pytest.mark.compose
@pytest.mark.slow
def test_the_service_schema_upgrades_and_rolls_back(stack):
    """The upgrade path of deploy/README.md: Alembic on the grading service's database, from the worker."""

    def revision() -> str:
        return stack.sql("qa_arena", "SELECT version_num FROM qa_arena_service_version")

    head = revision()
    stack.exec("worker", "qa-arena-migrate", "downgrade", "-1")
    assert revision() != head
    stack.exec("worker", "qa-arena-migrate", "upgrade", "head")
    assert revision() == head
    assert head in stack.exec("worker", "qa-arena-migrate", "current")


def tree(root: Path) -> dict[str, tuple[int, int, int, bytes | None]]:
    """Every path under ROOT with its owner, group, mode and (for a file) contents."""
    found = {}
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        content = path.read_bytes() if path.is_file() else None
        found[str(path.relative_to(root))] = (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode), content)
    return found


@pytest.mark.docker
@pytest.mark.compose
@pytest.mark.slow
def test_backup_and_restore_drill(stack, docker_client, tmp_path):
    env = clean_environment(QA_ARENA_ENV_FILE=str(stack.env), COMPOSE_PROJECT_NAME=stack.project)
    if stack.sql("qa_arena", "SELECT count(*) FROM submissions") == "0":
        submit(stack)
    users = stack.sql("jupyterhub", "SELECT name FROM users ORDER BY name")
    assert set(users.split()) >= {"ann", "ben", "instructor"}
    submissions = stack.sql("qa_arena", "SELECT id, status, score FROM submissions ORDER BY id")
    assert submissions
    stack.exec("hub", "sh", "-c", "echo 'kept' > /srv/course/notes.txt")
    course_files = stack.exec("hub", "ls", "/srv/course").split()
    # The exchange, a host directory: a student's inbound as the hub makes it (uid 1000, root's group, 0750).
    inbound = stack.exchange / COURSE / "inbound" / "drill"
    inbound.mkdir(parents=True)
    os.chown(inbound, 1000, 0)
    inbound.chmod(0o750)
    (inbound / "drill+ps1+2026-01-01 00:00:00.000000 UTC+x").write_text("submitted")
    exchange = tree(stack.exchange)

    backup = tmp_path / "backup"
    made = subprocess.run(["bash", str(DEPLOY / "backup.sh"), str(backup)], env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert {p.name for p in backup.iterdir()} == {
        "jupyterhub.dump", "qa_arena.dump", "globals.sql", "course.tar.gz", "exchange.tar.gz",
        "hub-state.tar.gz", "MANIFEST", "SHA256SUMS",
    }  # fmt: skip
    manifest = (backup / "MANIFEST").read_text()
    assert f"project: {stack.project}" in manifest and "revision: none" not in manifest, manifest
    assert f"exchange: {stack.exchange}\n" in manifest, manifest

    # Disaster: submissions and a hub user gone, the course and the exchange damaged.
    stack.sql("qa_arena", "DELETE FROM submissions")
    stack.sql("jupyterhub", "DELETE FROM users WHERE name = 'ben'")
    stack.exec("hub", "sh", "-c", "rm /srv/course/notes.txt; echo junk > /srv/course/junk.txt")
    shutil.rmtree(inbound)
    (stack.exchange / COURSE / "junk.txt").write_text("junk")

    # A damaged backup is refused before anything is touched.
    broken = tmp_path / "broken"
    shutil.copytree(backup, broken)
    with (broken / "qa_arena.dump").open("ab") as dump:
        dump.write(b"tampered")
    refused = subprocess.run(["bash", str(DEPLOY / "restore.sh"), str(broken), "--yes"], env=env, capture_output=True)
    assert refused.returncode != 0 and b"checksums" in refused.stderr
    assert stack.sql("qa_arena", "SELECT count(*) FROM submissions") == "0"

    restored = subprocess.run(
        ["bash", str(DEPLOY / "restore.sh"), str(backup), "--yes"], env=env, capture_output=True, text=True
    )
    assert restored.returncode == 0, restored.stderr
    assert stack.sql("qa_arena", "SELECT id, status, score FROM submissions ORDER BY id") == submissions
    assert stack.sql("jupyterhub", "SELECT name FROM users ORDER BY name") == users
    assert stack.exec("hub", "ls", "/srv/course").split() == course_files
    assert "notes.txt" in course_files and "junk.txt" not in course_files
    assert tree(stack.exchange) == exchange  # the same files, owners and modes
    stack.wait_healthy(docker_client)
    with stack.https("/hub/health") as response:
        assert response.status == 200
