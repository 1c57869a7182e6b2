"""The filtering Docker proxy (deploy/images/docker-proxy/docker_proxy.py): its policies, then in front of
the real engine, with the judge's real container settings and DockerSpawner's.

The policy tests need no engine: the container settings are made by the Docker SDK exactly as the judge
and DockerSpawner send them. The `docker` tests grade through the proxy and check what it refuses.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

from qa_arena.hub.exchange import exchange_volumes
from tests.deploy.conftest import PROXY_SCRIPT
from tests.support.paths import PROBLEMS, ROOT

spec = importlib.util.spec_from_file_location("docker_proxy", PROXY_SCRIPT)
docker_proxy = importlib.util.module_from_spec(spec)
sys.modules["docker_proxy"] = docker_proxy
spec.loader.exec_module(docker_proxy)
Denied, Policy = docker_proxy.Denied, docker_proxy.Policy

EXCHANGE, COURSE = "/srv/qa-arena/exchange", "testing-101"  # as compose.yaml gives them to docker-proxy-hub
PARTS = ("outbound", "inbound", "feedback")
SPAWNER_ENV = {
    "QA_ARENA_PROXY_NETWORKS": "qa-arena-users",
    "QA_ARENA_PROXY_VOLUMES": "qa-arena-home-*",
    "QA_ARENA_PROXY_BIND_PATHS": ",".join(f"{EXCHANGE}/{COURSE}/{part}" for part in PARTS),
    "QA_ARENA_PROXY_LABELS": "org.qa-arena.stack=qa-arena",
}


def api():
    import docker

    return docker.APIClient(base_url="tcp://127.0.0.1:9", version="1.41")  # never contacted


def judge_body() -> tuple[str, bytes]:
    """What the judge's DockerSandbox sends to create a container (name, JSON body)."""
    from docker.models.containers import _create_container_args

    from qa_arena.grading.sandbox.docker import DockerSandbox

    config = DockerSandbox().container_config()
    name = config["name"]
    args = _create_container_args({**config, "version": "1.41"})  # as DockerClient.containers.create does
    args.pop("name")
    return name, json.dumps(api().create_container_config(**args)).encode()


def spawner_body(**host_overrides) -> bytes:
    """What DockerSpawner sends for a user's server under the production profile."""
    client = api()
    exchange = {host.format(username="alice"): m for host, m in exchange_volumes(EXCHANGE, COURSE, "per-user").items()}
    host = client.create_host_config(
        auto_remove=True,
        binds={"qa-arena-home-alice": {"bind": "/home/jovyan", "mode": "rw"}, **exchange},
        mem_limit="1G",
        cpu_period=100000,
        cpu_quota=100000,
        pids_limit=512,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        network_mode="qa-arena-users",
        **host_overrides,
    )
    config = client.create_container_config(
        image="qa-arena/singleuser:latest",
        command=["jupyterhub-singleuser"],
        environment={"JUPYTERHUB_USER": "alice"},
        volumes=["/home/jovyan", *(m["bind"] for m in exchange.values())],
        ports={"8888/tcp": None},
        host_config=host,
    )
    return json.dumps(config).encode()


BIND_ETC = {"Type": "bind", "Source": "/etc", "Target": "/e"}
DRIVER_MOUNT = {
    "Type": "volume",
    "Source": "qa-arena-home-x",
    "Target": "/x",
    "VolumeOptions": {"DriverConfig": {"Options": {"device": "/", "o": "bind"}}},
}


def jovyan(_image: str) -> str:
    return "1000:1000"


def edit(body: bytes, **changes) -> bytes:
    config = json.loads(body)
    for dotted, value in changes.items():
        target = config
        *parents, key = dotted.split("__")
        for parent in parents:
            if target.get(parent) is None:
                target[parent] = {}
            target = target[parent]
        target[key] = value
    return json.dumps(config).encode()


# -- routes ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/_ping", "ping"),
        ("GET", "/version", "ping"),
        ("GET", "/images/qa-arena/singleuser:latest/json", "image"),
        ("POST", "/containers/create", "create"),
        ("GET", "/containers/qa-arena-user-alice/json", "container"),
        ("POST", "/containers/abc123/start", "container"),
        ("POST", "/containers/abc123/stop", "container"),
        ("DELETE", "/containers/abc123", "container"),
    ],
)
def test_spawner_routes(method, path, kind):
    assert Policy.preset("spawner", SPAWNER_ENV).route(method, path)[0] == kind


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/containers/json"),  # listing every container of the machine
        ("POST", "/containers/abc/exec"),
        ("POST", "/exec/abc/start"),
        ("PUT", "/containers/abc/archive"),
        ("POST", "/containers/abc/update"),  # lifting limits
        ("POST", "/containers/abc/attach"),  # not the spawner's
        ("POST", "/build"),
        ("POST", "/images/create"),
        ("GET", "/images/json"),
        ("GET", "/images/ubuntu:latest/json"),
        ("POST", "/networks/create"),
        ("POST", "/volumes/create"),
        ("POST", "/containers/prune"),
        ("GET", "/info"),
        ("DELETE", "/containers/abc/json"),
        ("GET", "/containers/qa-arena-user-x/../../images/json"),
    ],
)
def test_spawner_refuses_the_rest_of_the_api(method, path):
    with pytest.raises(Denied):
        Policy.preset("spawner", SPAWNER_ENV).route(method, path)


def test_judge_routes_allow_attach_only_for_the_judge():
    judge = Policy.preset("judge", {})
    assert judge.route("POST", "/containers/abc/attach")[0] == "container"
    assert judge.route("GET", "/images/qa-arena/judge:latest/json")[0] == "image"
    with pytest.raises(Denied):
        judge.route("GET", "/images/qa-arena/singleuser:latest/json")


# -- container settings ------------------------------------------------------------------------------
def test_dockerspawner_settings_pass_the_spawner_policy():
    Policy.preset("spawner", SPAWNER_ENV).check_create("name=qa-arena-user-alice", spawner_body(), jovyan)


def test_the_judges_settings_pass_the_judge_policy():
    name, body = judge_body()
    Policy.preset("judge", {}).check_create(f"name={name}", body, lambda image: pytest.fail("User is set"))


@pytest.mark.parametrize(
    ("query", "changes", "reason"),
    [
        ("name=evil", {}, "is not named"),
        ("", {}, "with a name"),
        ("name=qa-arena-user-alice", {"Image": "ubuntu:latest"}, "is not one of"),
        ("name=qa-arena-user-alice", {"HostConfig__Privileged": True}, "privileged"),
        ("name=qa-arena-user-alice", {"HostConfig__CapAdd": ["SYS_ADMIN"]}, "CapAdd"),
        ("name=qa-arena-user-alice", {"HostConfig__CapDrop": []}, "capability"),
        ("name=qa-arena-user-alice", {"HostConfig__Devices": [{"PathOnHost": "/dev/sda"}]}, "Devices"),
        ("name=qa-arena-user-alice", {"HostConfig__NetworkMode": "host"}, "network"),
        ("name=qa-arena-user-alice", {"HostConfig__PidMode": "host"}, "namespace"),
        ("name=qa-arena-user-alice", {"HostConfig__IpcMode": "container:other"}, "namespace"),
        ("name=qa-arena-user-alice", {"HostConfig__Binds": ["/:/host"]}, "mount"),
        ("name=qa-arena-user-alice", {"HostConfig__Binds": ["/var/run/docker.sock:/s"]}, "mount"),
        ("name=qa-arena-user-alice", {"HostConfig__Binds": ["other-volume:/data"]}, "mount"),
        ("name=qa-arena-user-alice", {"HostConfig__Mounts": [BIND_ETC]}, "mount"),
        ("name=qa-arena-user-alice", {"HostConfig__Mounts": [DRIVER_MOUNT]}, "driver"),
        ("name=qa-arena-user-alice", {"HostConfig__SecurityOpt": ["seccomp=unconfined"]}, "security option"),
        ("name=qa-arena-user-alice", {"HostConfig__SecurityOpt": []}, "no-new-privileges"),
        ("name=qa-arena-user-alice", {"HostConfig__MaskedPaths": []}, "MaskedPaths"),
        ("name=qa-arena-user-alice", {"HostConfig__Memory": 0}, "memory"),
        ("name=qa-arena-user-alice", {"HostConfig__PidsLimit": 0}, "pids"),
        ("name=qa-arena-user-alice", {"HostConfig__PortBindings": {"8888/tcp": [{"HostPort": "80"}]}}, "PortBindings"),
        ("name=qa-arena-user-alice", {"HostConfig__Runtime": "kata"}, "runtime"),
        ("name=qa-arena-user-alice", {"User": "root"}, "non-root"),
        ("name=qa-arena-user-alice", {"NetworkingConfig__EndpointsConfig": {"bridge": {}}}, "network"),
    ],
)
def test_spawner_refuses_dangerous_settings(query, changes, reason):
    with pytest.raises(Denied, match=reason):
        Policy.preset("spawner", SPAWNER_ENV).check_create(query, edit(spawner_body(), **changes), jovyan)


def test_an_image_that_runs_as_root_is_refused():
    policy = Policy.preset("spawner", SPAWNER_ENV)
    with pytest.raises(Denied, match="non-root"):
        policy.check_create("name=qa-arena-user-alice", spawner_body(), lambda image: "")


def test_host_paths_only_when_listed():
    policy = Policy.preset("spawner", {**SPAWNER_ENV, "QA_ARENA_PROXY_BIND_PATHS": "/srv/exchange"})
    good = edit(spawner_body(), HostConfig__Binds=["/srv/exchange:/srv/nbgrader/exchange:rw"])
    policy.check_create("name=qa-arena-user-alice", good, jovyan)
    part = edit(spawner_body(), HostConfig__Binds=["/srv/exchange/c/inbound/alice:/srv/nbgrader/exchange/c/inbound:rw"])
    policy.check_create("name=qa-arena-user-alice", part, jovyan)  # the per-user exchange: parts of it
    for source in ("/srv/exchange/../../etc", "/srv/exchange-other", "/srv"):
        with pytest.raises(Denied, match="mount of"):
            bad = edit(spawner_body(), HostConfig__Binds=[f"{source}:/x"])
            policy.check_create("name=qa-arena-user-alice", bad, jovyan)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"HostConfig__NetworkMode": "bridge"}, "network"),
        ({"HostConfig__ReadonlyRootfs": False}, "read-only"),
        ({"HostConfig__SecurityOpt": ["no-new-privileges"]}, "seccomp"),
        ({"HostConfig__SecurityOpt": ["no-new-privileges", 'seccomp={"defaultAction": "SCMP_ACT_ALLOW"}']}, "deny"),
        ({"User": "0:0"}, "non-root"),
        ({"HostConfig__Binds": ["qa-arena-home-x:/x"]}, "mount"),
        ({"Image": "qa-arena/singleuser:latest"}, "is not one of"),
    ],
)
def test_judge_policy_keeps_judges_locked_down(changes, reason):
    name, body = judge_body()
    with pytest.raises(Denied, match=reason):
        Policy.preset("judge", {}).check_create(f"name={name}", edit(body, **changes), jovyan)


def test_labels_are_added_to_created_containers():
    policy = Policy.preset("spawner", SPAWNER_ENV)
    config = json.loads(policy.labelled(edit(spawner_body(), Labels={"mine": "1"})))
    assert config["Labels"] == {"mine": "1", "org.qa-arena.stack": "qa-arena"}


def test_the_spawner_preset_allows_only_homes_by_default():
    policy = Policy.preset("spawner", {})
    assert policy.volumes == ["qa-arena-home-*"] and policy.bind_paths == []
    for source in ("qa-arena-exchange", EXCHANGE):  # the old shared volume, or the whole exchange, is refused
        with pytest.raises(Denied, match="mount of"):
            body = edit(spawner_body(), HostConfig__Binds=[f"{source}:/srv/nbgrader/exchange"])
            policy.check_create("name=qa-arena-user-alice", body, jovyan)


def test_the_spawner_preset_follows_the_environment():
    policy = Policy.preset("spawner", {"QA_ARENA_PROXY_IMAGES": "a/b:1, c/d:2", "QA_ARENA_PROXY_PREFIX": "x-"})
    assert policy.images == ["a/b:1", "c/d:2"] and policy.prefix == "x-"
    with pytest.raises(ValueError):
        Policy.preset("root", {})


# -- in front of the real engine ---------------------------------------------------------------------
@pytest.mark.docker
def test_grading_through_the_judge_proxy(judge_image, start_proxy, docker_client):
    from tests.deploy.conftest import unique

    stack = unique("stack-")
    proxy = start_proxy("judge", QA_ARENA_PROXY_LABELS=f"org.qa-arena.stack={stack}")
    env = {**os.environ, "DOCKER_HOST": proxy.url}
    graded = subprocess.run(
        [sys.executable, "-m", "qa_arena", "judge", str(PROBLEMS / "durations"),
         str(PROBLEMS / "durations" / "reference_tests.py"), "--backend", "docker", "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    verdict = json.loads(graded.stdout)
    assert (verdict["status"], verdict["score"]) == ("SUCCESS", 100.0)

    # A grader that dies with a pre-started judge container leaves nothing behind: the container lives
    # only as long as its attach stream.
    pooled = textwrap.dedent(
        """
        import os
        from traitlets.config import Config
        from qa_arena.grading.sandbox.docker import DockerSandbox
        config = Config(); config.DockerSandbox.pool_size = 1
        sandbox = DockerSandbox(config=config)
        sandbox._refill(sandbox._client())
        print(sandbox._pool().queue[0].container.name, flush=True)
        os._exit(0)  # as a killed job process dies: no atexit, no cleanup
        """
    )
    died = subprocess.run([sys.executable, "-c", pooled], env=env, capture_output=True, text=True, timeout=60)
    assert died.returncode == 0, died.stderr
    labelled = {"label": f"org.qa-arena.stack={stack}"}
    for _ in range(50):
        if not docker_client.containers.list(all=True, filters=labelled, sparse=True):
            break
        import time

        time.sleep(0.1)
    leftover = docker_client.containers.list(all=True, filters=labelled)
    for container in leftover:
        container.remove(force=True)
    assert not leftover, f"{died.stdout.strip()} outlived its grader"

    # What the judge proxy refuses, as the Docker SDK reports it.
    import docker

    client = docker.DockerClient(base_url=proxy.url, version="1.41")
    for attempt in (
        lambda: client.containers.list(),
        lambda: client.containers.run("qa-arena/judge:latest", name=unique("judge-"), privileged=True),
        lambda: client.images.pull("busybox"),
    ):
        with pytest.raises(docker.errors.APIError) as refused:
            attempt()
        assert refused.value.status_code in (403, 500) and "qa-arena docker proxy" in str(refused.value)
    assert "denied" in proxy.log.read_text()


@pytest.mark.docker
def test_the_spawner_proxy_refuses_judges_and_foreign_names(judge_image, start_proxy):
    import docker

    proxy = start_proxy("spawner", **SPAWNER_ENV)
    client = docker.DockerClient(base_url=proxy.url, version="1.41")
    assert client.ping()
    with pytest.raises(docker.errors.APIError, match="is not one of"):
        client.images.get("qa-arena/judge:latest")
    body = copy.deepcopy(json.loads(spawner_body()))
    response = client.api._post_json(client.api._url("/containers/create"), data=body, params={"name": "evil"})
    assert response.status_code == 403 and "is not named" in response.json()["message"]


def test_root_is_the_checkout():
    assert (ROOT / "deploy" / "images" / "docker-proxy" / "docker_proxy.py") == PROXY_SCRIPT
