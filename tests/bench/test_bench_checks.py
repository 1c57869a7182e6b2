"""bench/bench_checks.py counts each process's CPU where it belongs: a worker's job processes are the worker's."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

# A worker as `qa-arena worker` starts one: a supervisor that spawns its job processes ("spawn" context).
WORKER = """
import multiprocessing, sys, time
if __name__ == "__main__":
    job = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(60,))
    job.start()
    print(job.pid, flush=True)
    job.join()
"""


@pytest.fixture
def bench_checks(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))  # the bench imports its sibling devhub.py, as a script does
    import bench_checks

    return bench_checks


def test_a_workers_spawned_job_process_counts_as_the_worker(bench_checks, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    # argv as the worker's: the cmdline reads `... qa_arena worker`
    argv = [sys.executable, str(script), "qa_arena", "worker"]
    supervisor = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    job = 0
    try:
        job = int(supervisor.stdout.readline())
        deadline = time.monotonic() + 10
        while "spawn_main" not in " ".join(bench_checks.cmdline(job)) and time.monotonic() < deadline:
            time.sleep(0.05)  # until the job process runs multiprocessing's spawn_main
        assert bench_checks.parent(job) == supervisor.pid
        assert bench_checks.component(supervisor.pid) == "workers"
        assert bench_checks.component(job) == "workers"
    finally:
        if job:
            with contextlib.suppress(ProcessLookupError):
                os.kill(job, signal.SIGKILL)
        supervisor.kill()
        supervisor.wait()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:  # a process with no worker above it is not a worker's
        assert bench_checks.component(sleeper.pid) == "hub + proxy"
    finally:
        sleeper.kill()
        sleeper.wait()
