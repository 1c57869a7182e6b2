"""bench/load_hub.py with a handful of students: both modes run, report, plot, and clean up after themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hub.client import processes_of

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "load_hub.py"


def load_hub(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "QA_ARENA_ADMIN_TOKEN"}  # --token's default
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def check_report(result: subprocess.CompletedProcess, out: Path, requests: int) -> dict:
    assert result.returncode in (0, 1), result.stdout + result.stderr  # PASS or FAIL: either is a measurement
    summary = json.loads((out / "load_hub.json").read_text())
    assert summary["overall"]["requests"] == requests and summary["overall"]["errors"] == 0
    assert summary["result"] == ("PASS" if result.returncode == 0 else "FAIL")
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{summary['result']}: p95 ") for line in lines), result.stdout
    assert any(line.startswith("all ") for line in lines)
    assert "bench/bench_checks.py measures them" in result.stdout
    assert set(summary["per_endpoint"]) >= {"/services/qa-arena/api/checks", "/services/qa-arena/"}
    for endpoint, numbers in summary["per_endpoint"].items():  # every endpoint was measured, without an error
        assert numbers["requests"] > 0 and numbers["errors"] == 0, endpoint
    assert (out / "load_hub.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return summary


@pytest.mark.hub
@pytest.mark.slow
def test_starts_its_own_hub_measures_and_stops_it(tmp_path):
    result = load_hub("--students", "5", "--requests", "4", "--think-ms", "0", "--out", str(tmp_path))
    summary = check_report(result, tmp_path, 20)
    assert "a dev hub started for this run" in summary["hub"]
    assert "processes left by the hub" not in result.stderr
    log = (tmp_path / "load_hub-hub.log").read_text()
    state = log.split("(state in ", 1)[1].split(")", 1)[0]
    assert not Path(state).exists() and not processes_of(Path(state))


@pytest.mark.hub
@pytest.mark.slow
def test_a_running_hub_by_url_and_its_tokens_are_removed(dev_hub, tmp_path):
    before = dev_hub.request("GET", "/hub/api/users/alice/tokens").json()["api_tokens"]
    result = load_hub(
        "--url", dev_hub.url, "--token", dev_hub.admin_token, "--users", "alice,bob",
        "--students", "6", "--requests", "3", "--think-ms", "0", "--out", str(tmp_path),
    )  # fmt: skip
    summary = check_report(result, tmp_path, 18)
    assert summary["hub"] == dev_hub.url
    after = dev_hub.request("GET", "/hub/api/users/alice/tokens").json()["api_tokens"]
    assert [t["id"] for t in after] == [t["id"] for t in before]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--url", "http://10.1.2.3:8000", "--token", "x"], "only runs against loopback"),
        (["--url", "http://127.0.0.1:9"], "--url needs --token"),
        (["--students", "0"], "--students 0"),
        (["--students", "1000", "--requests", "101"], "--requests 101"),
        (["--max-seconds", "601"], "--max-seconds 601"),
    ],
)
def test_refuses_what_is_not_bounded_or_not_loopback(args, message, tmp_path):
    result = load_hub(*args, "--out", str(tmp_path), timeout=60)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "load_hub.json").exists()
