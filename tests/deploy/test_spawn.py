"""The production profile's DockerSpawner starts a real single-user container of the offline-built image.

The hub runs on this machine with jupyterhub_config.py's production profile (SQLite allowed by
$QA_ARENA_HUB_ALLOW_SQLITE for the test; production refuses it), on a user-defined network with the
tests' prefix, and reaches Docker only through the filtering proxy (policy `spawner`), as in the compose
stack. A student's server is started through the REST API, then the student's flow runs in it through
its kernels API: `%load_ext qa_arena.client`, `nbgrader list`, `fetch_assignment`, `submit`, and the
submission lands in the course's exchange, mounted into the container.

A test-only config file loads jupyterhub_config.py and adds only what a test needs: free ports for the
hub's API and the proxy's, and an admin service holding a token (production ignores
$QA_ARENA_ADMIN_TOKEN by design).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from qa_arena.course.setup import init_course
from qa_arena.hub.proxy import ensure_proxy
from tests.deploy.conftest import ROOT, free_port
from tests.hub.client import Hub, kill, processes_of
from tests.support.paths import PROBLEMS

pytestmark = [pytest.mark.docker, pytest.mark.slow]

COURSE = "deploy-101"
ASSIGNMENT = "ps1-basics"
START_TIMEOUT = 120

TEST_CONFIG = """
c = get_config()  # noqa: F821
load_subconfig({config!r})  # noqa: F821 - the production profile, as the environment says
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.services.append({{"name": "deploy-test-admin", "api_token": {token!r}, "display": False}})
c.JupyterHub.load_roles.append({{"name": "admin", "services": ["deploy-test-admin"]}})
"""

STUDENT_FLOW = """
%load_ext qa_arena.client
import json, os, subprocess

def run(*args):
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=120)
    return {{"rc": done.returncode, "out": done.stdout + done.stderr}}

steps = {{
    "whoami": [os.getuid(), os.environ.get("JUPYTERHUB_USER"), os.getcwd()],
    "check": get_ipython().find_line_magic("qa_arena_check") is not None,
    "list": run("nbgrader", "list"),
    "fetch": run("nbgrader", "fetch_assignment", {assignment!r}, "--course", {course!r}),
}}
steps["fetched"] = sorted(os.listdir({assignment!r})) if os.path.isdir({assignment!r}) else []
steps["submit"] = run("nbgrader", "submit", {assignment!r}, "--course", {course!r})
steps["submitted"] = run("nbgrader", "list", "--cached", "--course", {course!r})
steps["inbound"] = sorted(os.listdir("/srv/nbgrader/exchange/{course}/inbound"))
steps["check_url"] = os.environ.get("QA_ARENA_CHECK_URL")
print("STEPS" + json.dumps(steps))
"""


@pytest.fixture
def production_hub(deploy_images, network, start_proxy, docker_client, tmp_path):
    """The production profile's hub on this machine, its users' servers DockerSpawner containers."""
    network_name, gateway = network
    state = Path(tempfile.mkdtemp(prefix="qa-arena-test-hub-", dir="/tmp"))
    state.chmod(0o711)
    (state / "hub").mkdir(mode=0o700)
    course = state / "course"
    init_course(course, COURSE, [PROBLEMS])
    exchange = course / "exchange"
    exchange.chmod(0o1777)
    # The instructor's release: nbgrader release_assignment copies release/<a>/ to the exchange's outbound.
    outbound = exchange / COURSE / "outbound" / ASSIGNMENT
    shutil.copytree(ROOT / "release" / ASSIGNMENT, outbound)
    for path in [exchange / COURSE, outbound.parent, outbound, *outbound.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (exchange / COURSE / "inbound").mkdir(mode=0o711)
    # another student's submission: a per-user exchange keeps it out of this student's container
    (exchange / COURSE / "inbound" / "someone" / f"someone+{ASSIGNMENT}+2026-01-01 00:00:00.000000 UTC+x").mkdir(
        parents=True
    )

    suffix = secrets.token_hex(3)
    student, instructor = f"dtstudent{suffix}", f"dtteacher{suffix}"
    proxy = start_proxy(
        "spawner",
        QA_ARENA_PROXY_IMAGES="qa-arena/singleuser:latest",
        QA_ARENA_PROXY_NETWORKS=network_name,
        QA_ARENA_PROXY_VOLUMES="qa-arena-home-*",
        QA_ARENA_PROXY_BIND_PATHS=",".join(str(exchange / COURSE / p) for p in ("outbound", "inbound", "feedback")),
    )
    chp = ensure_proxy(say=lambda _message: None)
    token = secrets.token_hex(24)
    port = free_port()
    config = tmp_path / "jupyterhub_test_config.py"
    config.write_text(
        TEST_CONFIG.format(
            config=str(ROOT / "jupyterhub_config.py"), hub_port=free_port(), api_port=free_port(), token=token
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_ARENA_", "DOCKER_"))}
    env.update(
        PATH=os.pathsep.join([str(Path(chp).parent), str(Path(sys.executable).parent), env.get("PATH", "")]),
        QA_ARENA_HUB_PROFILE="production",
        QA_ARENA_HUB_STATE=str(state),
        QA_ARENA_HUB_IP="127.0.0.1",
        QA_ARENA_HUB_PORT=str(port),
        QA_ARENA_COURSE_DIR=str(course),
        QA_ARENA_HUB_AUTHENTICATOR="jupyterhub.auth.NullAuthenticator",
        QA_ARENA_HUB_DB_URL=f"sqlite:///{state / 'hub' / 'jupyterhub.sqlite'}",
        QA_ARENA_HUB_ALLOW_SQLITE="1",
        QA_ARENA_HUB_CONNECT_IP=gateway,
        QA_ARENA_HUB_INSTRUCTORS=instructor,
        QA_ARENA_HUB_STUDENTS=student,
        QA_ARENA_DOCKER_NETWORK=network_name,
        QA_ARENA_EXCHANGE_SOURCE=str(exchange),
        QA_ARENA_CHECK_PORT=str(free_port()),
        QA_ARENA_USER_MEM_LIMIT="768M",
        QA_ARENA_USER_CPU_LIMIT="1.0",
        QA_ARENA_SANDBOX="docker",
        DOCKER_HOST=proxy.url,
    )
    log = tmp_path / "hub.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            env=env,
            cwd=state,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = Hub(f"http://127.0.0.1:{port}", token, state, course, log)
    hub.student, hub.instructor, hub.exchange, hub.proxy_log = student, instructor, exchange, proxy.log
    hub.network = network_name
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the hub exited with {process.returncode}:\n{log.read_text()[-4000:]}")
            with contextlib.suppress(requests.ConnectionError):
                if hub.request("GET", "/hub/api/users", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the hub did not come up:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        yield hub
    finally:
        with contextlib.suppress(Exception):  # stop the server the proper way: the container is removed
            hub.request("DELETE", f"/hub/api/users/{student}/server", timeout=60)
            for _ in range(60):
                if not hub.request("GET", f"/hub/api/users/{student}", timeout=5).json()["servers"]:
                    break
                time.sleep(0.5)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
        kill(processes_of(state))
        import docker

        for name in (f"qa-arena-user-{student}",):
            with contextlib.suppress(docker.errors.NotFound):
                docker_client.containers.get(name).remove(force=True)
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.volumes.get(f"qa-arena-home-{student}").remove(force=True)
        shutil.rmtree(state, ignore_errors=True)


def test_production_hub_spawns_a_student_container_and_the_student_flow_works(production_hub, docker_client):
    hub = production_hub
    student = hub.student

    seconds = hub.start_servers([student], timeout=120)
    container = docker_client.containers.get(f"qa-arena-user-{student}")
    attrs = container.attrs
    assert attrs["Config"]["Image"] == "qa-arena/singleuser:latest"
    assert attrs["HostConfig"]["Memory"] == 768 * 1024**2
    assert attrs["HostConfig"]["CapDrop"] == ["ALL"]
    assert attrs["HostConfig"]["PidsLimit"] == 512
    assert list(attrs["NetworkSettings"]["Networks"]) == [hub.network]
    mounts = {m["Destination"]: m for m in attrs["Mounts"]}
    assert mounts["/home/jovyan"]["Name"] == f"qa-arena-home-{student}"
    inside = f"/srv/nbgrader/exchange/{COURSE}"
    assert mounts[f"{inside}/inbound"]["Source"] == str(hub.exchange / COURSE / "inbound" / student)
    assert mounts[f"{inside}/outbound"]["RW"] is False and mounts[f"{inside}/feedback"]["RW"] is False
    assert "/srv/nbgrader/exchange" not in mounts  # not the whole exchange
    # The hub made the student's inbound before the container started: theirs to write, staff's group to read.
    made = (hub.exchange / COURSE / "inbound" / student).stat()
    assert (made.st_uid, made.st_gid, made.st_mode & 0o7777) == (1000, 0, 0o750)

    # The server answers through the hub's proxy, with the student's token.
    status = hub.as_user(student, "GET", f"/user/{student}/api/status")
    assert status.status_code == 200, status.text
    # Students have no formgrader in their server (it is the course's service).
    assert hub.as_user(student, "GET", f"/user/{student}/formgrader").status_code == 404

    output = hub.run_code(student, STUDENT_FLOW.format(assignment=ASSIGNMENT, course=COURSE), timeout=240)
    assert "STEPS" in output, output
    steps = json.loads(output.split("STEPS", 1)[1].strip())
    uid, user, cwd = steps["whoami"]
    assert (uid, user, cwd) == (1000, student, "/home/jovyan")
    assert steps["check"] is True  # %load_ext qa_arena.client registered its magic
    assert steps["list"]["rc"] == 0 and ASSIGNMENT in steps["list"]["out"], steps["list"]
    assert steps["fetch"]["rc"] == 0, steps["fetch"]
    assert steps["fetched"] == sorted(p.name for p in (ROOT / "release" / ASSIGNMENT).iterdir())
    assert steps["submit"]["rc"] == 0, steps["submit"]
    assert student in steps["submitted"]["out"], steps["submitted"]
    assert [name.split("+")[0] for name in steps["inbound"]] == [student]  # not someone's
    assert steps["check_url"].endswith("/services/qa-arena/")

    # The submission is in the student's own inbound of the course's exchange, under the student's hub name.
    inbound = sorted((hub.exchange / COURSE / "inbound" / student).iterdir())
    assert len(inbound) == 1 and inbound[0].name.startswith(f"{student}+{ASSIGNMENT}+")
    assert {p.name for p in inbound[0].glob("*.ipynb")} == set(steps["fetched"])

    # The hub reached Docker only through the proxy, which let DockerSpawner do what it needed.
    proxy_log = hub.proxy_log.read_text()
    assert "POST /containers/create" in proxy_log and "denied" not in proxy_log, proxy_log[-3000:]
    memory = container.stats(stream=False)["memory_stats"]
    used = (memory.get("usage", 0) - memory.get("stats", {}).get("cache", 0)) / 2**20
    print(f"\n[spawn] server ready in {seconds:.1f} s; {used:.0f} MiB in use after the student flow")
