"""A real dev hub for the module: `qa-arena hub` on a free port.

It has its own state directory under /tmp (users' servers run under their own uids and must reach
their homes there: pytest's tmp_path, under /tmp/pytest-of-root (0700), would not do), an admin token
for the REST API, and the local judge sandbox. Teardown stops it with SIGTERM, as Ctrl-C would, and
fails if any process it started is still running afterwards (those are killed, by pid).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from qa_arena.hub import settings
from qa_arena.hub.proxy import ensure_proxy
from tests.hub.client import Hub, kill, processes_of

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_env(state: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_ARENA_")}
    env.update({settings.STATE: str(state), **extra})
    return env


@pytest.fixture(scope="session")
def proxy() -> str:
    """configurable-http-proxy, installed with npm when missing (CI starts on a fresh machine)."""
    return ensure_proxy(say=lambda message: print(message))


@pytest.fixture
def state_dir():
    state = Path(tempfile.mkdtemp(prefix="qa-arena-hub-test-", dir="/tmp"))
    state.chmod(0o711)
    yield state
    kill(processes_of(state))
    shutil.rmtree(state, ignore_errors=True)


def wait_until_up(hub: Hub, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hub exited with {process.returncode}:\n{hub.log.read_text()[-4000:]}")
        try:
            if hub.request("GET", "/hub/api/services/testing-101", timeout=5).status_code == 200:
                status = hub.request("GET", "/services/testing-101/formgrader/api/status", timeout=5)  # admin
                checks = hub.request("GET", "/services/qa-arena/api/health", timeout=5)
                if status.status_code == 200 and checks.status_code == 200:
                    return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the hub did not come up in {START_TIMEOUT} s:\n{hub.log.read_text()[-4000:]}")


def stop_hub(process: subprocess.Popen, state: Path) -> list[int]:
    """Stop a hub as Ctrl-C would (SIGTERM), then kill what is left of it; remove its state. Returns the pids
    that were still running after the hub stopped (none, when it cleaned up after itself)."""
    process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=60)
    if process.poll() is None:
        kill([process.pid])
    left = processes_of(state)
    kill(left)
    shutil.rmtree(state, ignore_errors=True)
    return left


@pytest.fixture(scope="module")
def dev_hub(proxy, tmp_path_factory, request):
    """The hub; a test module's QA_ARENA_CONFIG (a config file's text) configures its services, and its
    `before_hub_starts(state)` prepares the state directory (more courses...) and returns more environment."""
    if os.geteuid() != 0:
        pytest.skip("the dev hub's per-user isolation needs root")
    state = Path(tempfile.mkdtemp(prefix="qa-arena-hub-test-", dir="/tmp"))
    state.chmod(0o711)
    log = tmp_path_factory.mktemp("hub") / "hub.log"
    port = free_port()
    admin_token = secrets.token_hex(24)
    env = hub_env(state, QA_ARENA_ADMIN_TOKEN=admin_token, QA_ARENA_SANDBOX="local")
    config_text = getattr(request.module, "QA_ARENA_CONFIG", None)
    if config_text:
        config = state / "qa_arena_config.py"
        config.write_text(config_text)
        env["QA_ARENA_CONFIG"] = str(config)
    if hasattr(request.module, "before_hub_starts"):
        env.update(request.module.before_hub_starts(state) or {})
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "qa_arena", "hub", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    hub = Hub(f"http://127.0.0.1:{port}", admin_token, state, state / "course", log)
    try:
        wait_until_up(hub, process)
        yield hub
    finally:
        left = stop_hub(process, state)
        if left:
            raise AssertionError(f"processes still running after the hub stopped: {left}; see {log}")
