"""`qa-arena hub` from the wheel installed in a fresh venv, started far from the checkout: the hub's
configuration, the demo course and the bundled problems all come from the package."""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.hub.client import Hub
from tests.hub.conftest import free_port, hub_env, stop_hub, wait_until_up

pytestmark = [pytest.mark.hub, pytest.mark.install, pytest.mark.slow]

API = "/services/qa-arena/api"
TESTS = "from durations import parse_duration\n\ndef test_hours():\n    assert parse_duration('1h') == 3600\n"


def test_the_dev_hub_runs_from_an_installed_wheel(proxy, installed_wheel, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the dev hub's per-user isolation needs root")
    state = Path(tempfile.mkdtemp(prefix="qa-arena-hub-wheel-", dir="/tmp"))
    state.chmod(0o711)
    port, admin_token, log = free_port(), secrets.token_hex(24), tmp_path / "hub.log"
    env = hub_env(state, QA_ARENA_ADMIN_TOKEN=admin_token, QA_ARENA_SANDBOX="local")
    env["PATH"] = f"{installed_wheel.venv / 'bin'}:{env['PATH']}"
    with log.open("w") as out:
        process = subprocess.Popen([installed_wheel.qa_arena, "hub", "--port", str(port)], env=env, cwd=state,
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    hub = Hub(f"http://127.0.0.1:{port}", admin_token, state, state / "course", log)
    try:
        wait_until_up(hub, process)  # the course's formgrader and the check service answer
        assert (state / "course" / "problems" / "durations" / "problem.toml").is_file()  # the course owns them
        response = hub.as_user("alice", "POST", f"{API}/checks", json={"problem": "durations", "tests": TESTS})
        assert response.status_code == 202, response.text
        answer = hub.as_user("alice", "GET", f"{API}/checks/{response.json()['id']}", params={"wait": 60}).json()
        assert answer["status"] == "SUCCESS" and answer["score"] >= 30, answer
    finally:
        stop_hub(process, state)
