"""Fixtures of the deployment tests: the images (built once per session, offline when need be, and only
when out of date), uniquely named Docker resources, and the filtering Docker proxy as a process.

Every container, network and volume made here is named `qa-arena-test-<random>...` (or by the production
names with a random user name in them) and removed at teardown by name: the engine may be shared.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROXY_SCRIPT = DEPLOY / "images" / "docker-proxy" / "docker_proxy.py"
TEST_PREFIX = "qa-arena-test-"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique(kind: str = "") -> str:
    """A fresh name with the tests' prefix."""
    return f"{TEST_PREFIX}{kind}{secrets.token_hex(4)}"


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@pytest.fixture(scope="session")
def docker_client():
    docker = pytest.importorskip("docker")
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as exc:  # no engine: the docker-marked tests cannot run here
        pytest.skip(f"no Docker engine: {exc}")
    return client


@pytest.fixture(scope="session")
def deploy_images(docker_client):
    """Every image of the deployment and the judge, built (offline if need be) when out of date.

    The judge's offline base (qa-arena/base:bookworm) is reused for the docker proxy; the runtime's and
    the services' offline bases are made next to it, in parallel, the first time only."""
    from qa_arena.image_cli import deployment_builder

    build_all_images = deployment_builder().build_all_images

    started = time.monotonic()
    results = build_all_images(say=lambda _message: None)
    built = [r.name for r in results if r.built]
    print(f"\n[deploy images] {time.monotonic() - started:.1f} s; built: {', '.join(built) or 'none (all current)'}")
    return {r.name: r.tag for r in results}


@pytest.fixture
def network(docker_client):
    """A user-defined bridge network with the tests' prefix; (name, gateway)."""
    name = unique("net-")
    created = docker_client.networks.create(name, driver="bridge", labels={"org.qa-arena.test": "deploy"})
    try:
        created.reload()
        gateway = created.attrs["IPAM"]["Config"][0]["Gateway"]
        yield name, gateway
    finally:
        created.reload()
        for container in created.containers:  # left behind by a failed test: only ours are on it
            with contextlib.suppress(Exception):
                created.disconnect(container, force=True)
        created.remove()


class ProxyProcess:
    def __init__(self, policy: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(PROXY_SCRIPT), "--policy", policy, "--listen", f"127.0.0.1:{self.port}"],
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for_port(self.port)

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def start_proxy(tmp_path):
    """Start docker_proxy.py on a free loopback port: start_proxy(policy, **env) -> ProxyProcess."""
    started: list[ProxyProcess] = []

    def start(policy: str, **env: str) -> ProxyProcess:
        proxy = ProxyProcess(policy, env, tmp_path / f"proxy-{policy}-{len(started)}.log")
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()
