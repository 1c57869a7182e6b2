"""Fixtures of the grading-service tests: real PostgreSQL, problem banks, `qa-arena worker` processes.

Workers are real subprocesses (`qa-arena worker`, local sandbox backend) in their own process
group, configured by a config file and environment made per test; every one is stopped at teardown.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from traitlets.config import Config

from qa_arena.service.models import FINAL
from tests.support.servers import DockerDaemon, PostgresServer, ServiceUnavailable

ROOT = Path(__file__).resolve().parents[2]
ADDER = ROOT / "tests" / "fixtures" / "problems" / "adder"
REFERENCE_TESTS = ADDER / "reference_tests.py"
SERVICE = [pytest.mark.service]  # every module's pytestmark

# Knobs that make the service quick to observe: short polls, leases and backoffs.
FAST = {
    "JobQueue.sqlite_poll_interval_s": 0.05,
    "JobQueue.poll_interval_s": 1.0,
    "JobQueue.sweep_interval_s": 0.5,
    "Grader.lease_s": 3.0,
    "Grader.heartbeat_interval_s": 0.5,
    "Grader.retry_backoff_s": 0.3,
    "Grader.retry_jitter": False,
    "GradingService.poll_interval_s": 0.1,
}


def qa_arena_command() -> list[str]:
    """The `qa-arena` command of this environment."""
    return [str(Path(sys.executable).with_name("qa-arena"))]


def qa_arena_main(argv: list[str]) -> int:
    """The same command line, in this process."""
    from qa_arena.cli import main

    return main(argv)


class WorkerProcess:
    """A `qa-arena worker` subprocess, in its own process group."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout_s: float = 60) -> WorkerProcess:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if " ready." in self.output:
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}:\n{self.output[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"worker not ready after {timeout_s} s:\n{self.output[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def terminate(self, timeout_s: float = 30) -> int:
        """Warm shutdown (SIGTERM, as a service manager stops it); the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout_s)

    def stop(self) -> None:
        """At teardown: at once."""
        if self.proc.poll() is None:
            self.kill()


def traitlets_config(settings: dict[str, object]) -> Config:
    """{"Section.trait": value} as a traitlets Config."""
    config = Config()
    for key, value in settings.items():
        section, trait = key.split(".")
        setattr(getattr(config, section), trait, value)
    return config


class ServiceSetup:
    """One service instance for a test: its directory, config file, environment, workers and CLI runs."""

    def __init__(self, root: Path, settings: dict[str, object], env: dict[str, str] | None = None) -> None:
        self.root = root
        self.settings = dict(settings)
        self.extra_env = env or {}
        self.workers: list[WorkerProcess] = []
        root.mkdir(parents=True, exist_ok=True)
        self.config_file: Path | None = None
        if self.settings:  # none: the defaults and the environment alone
            self.config_file = root / "settings_config.py"
            self.config_file.write_text("".join(f"c.{key} = {value!r}\n" for key, value in self.settings.items()))

    def config(self) -> Config:
        return traitlets_config(self.settings)

    def service(self):
        from qa_arena.service.service import GradingService

        return GradingService(config=self.config())

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QA_ARENA_")}
        env.update(
            XDG_CACHE_HOME=str(self.root / "cache"),
            QA_ARENA_SANDBOX="local",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
        )
        if self.config_file is not None:
            env["QA_ARENA_CONFIG"] = str(self.config_file)
        env.update(self.extra_env)
        return env

    def worker(self, *args: str, ready: bool = True, wrap=None) -> WorkerProcess:
        """A `qa-arena worker` with these arguments; wrap(argv) -> argv runs it otherwise (NetworkLink.command)."""
        log = self.root / f"worker-{len(self.workers) + 1}.log"
        argv = [*qa_arena_command(), "worker", *args]
        worker = WorkerProcess(wrap(argv) if wrap else argv, self.env(), log)
        self.workers.append(worker)
        return worker.wait_ready() if ready else worker

    def cli(self, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*qa_arena_command(), *args], env=self.env(), cwd=self.root, capture_output=True, text=True,
            timeout=timeout_s, check=False,
        )  # fmt: skip

    def submit_json(self, *args: str) -> tuple[int, dict]:
        result = self.cli("submit", *args, "--wait", "--json")
        try:
            return result.returncode, json.loads(result.stdout)
        except ValueError as exc:
            raise AssertionError(f"not JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}") from exc

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()


def use_env(monkeypatch, env: dict[str, str]) -> None:
    """Run the command line in this process with a setup's environment."""
    for name in [n for n in os.environ if n.startswith("QA_ARENA_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def wait_for(predicate, timeout_s: float, what: str, interval_s: float = 0.1):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def make_bank(root: Path, *, timeout_s: float | None = None, minimal: bool = False) -> Path:
    """A problem bank holding a copy of the adder problem (slower limits, or only golden + one mutant, no twin)."""
    target = root / "adder"
    shutil.copytree(ADDER, target)
    toml = (target / "problem.toml").read_text()
    if timeout_s is not None:
        toml = toml.replace("timeout_s = 2", f"timeout_s = {timeout_s:g}")
    if minimal:  # fewer runs: a quicker job
        shutil.rmtree(target / "wheats")
        meta = tomllib.loads(toml)
        for mutant in meta["mutants"][1:]:
            (target / mutant["file"]).unlink()
        toml = toml.split("[[mutants]]")[0] + "twins = 0\n[[mutants]]" + toml.split("[[mutants]]")[1]
    (target / "problem.toml").write_text(toml)
    return root


def sweep_cgroups(prefix: str) -> None:
    """End the sandbox processes a SIGKILLed worker left behind and remove their cgroups (ours, by prefix)."""
    for controller in ("pids", "memory"):
        for group in Path("/sys/fs/cgroup", controller).glob(f"{prefix}*"):
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError, ValueError):
                    for pid in (group / "cgroup.procs").read_text().split():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(int(pid), signal.SIGKILL)
                with contextlib.suppress(OSError):
                    group.rmdir()
                    break
                time.sleep(0.2)


def serving(server):
    """Start a test server for the fixture's scope (skip when this machine cannot run it), stop it after."""
    try:
        server.start()
    except ServiceUnavailable as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres():
    yield from serving(PostgresServer())


@pytest.fixture(scope="session")
def bank(tmp_path_factory) -> Path:
    return make_bank(tmp_path_factory.mktemp("bank"))


@pytest.fixture
def setup_factory(tmp_path):
    """Make ServiceSetups for a test; their workers are stopped afterwards."""
    made: list[ServiceSetup] = []

    def make(name: str, settings: dict[str, object], env: dict[str, str] | None = None) -> ServiceSetup:
        setup = ServiceSetup(tmp_path / name, settings, env)
        made.append(setup)
        return setup

    yield make
    for setup in made:
        setup.close()


def embedded_settings(root: Path, bank: Path, **more) -> dict[str, object]:
    """The embedded default (a SQLite database, which is the queue too) in root, the bank, and the fast knobs."""
    return {
        "SubmissionStore.db_url": f"sqlite:///{root / 'submissions.sqlite3'}",
        "ProblemBank.paths": [str(bank)],
        **FAST,
        **more,
    }


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """One worker (concurrency 2, local sandbox) on a SQLite database, shared by a module's tests."""
    root = tmp_path_factory.mktemp("embedded")
    bank = make_bank(root / "bank")
    setup = ServiceSetup(root / "service", embedded_settings(root, bank))
    setup.worker("--backend", "local", "--concurrency", "2")
    yield setup
    setup.close()


@pytest.fixture
def own_server():
    """Start a server for this test alone (one a drill may halt and restart); stopped at teardown, even on failure.

    own_server(PostgresServer()) -> the started server; skips if it cannot run here."""
    started = []

    def start(server):
        started.append(server)
        try:
            server.start()
        except ServiceUnavailable as exc:
            pytest.skip(str(exc))
        return server

    yield start
    for server in reversed(started):
        server.stop()


def wait_all_final(service, ids, timeout_s: float, worker: WorkerProcess | None = None) -> list:
    """The submissions, once every one is final; an AssertionError listing the others (and the end of
    the worker's output, when given) after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = [service.store.get(i) for i in ids]
        waiting = [row for row in rows if row.status not in FINAL]
        if not waiting:
            return rows
        if time.monotonic() > deadline:
            details = "\n".join(f"{row.id} {row.status} attempts={row.attempts}\n{row.log}" for row in waiting)
            if worker is not None:
                details += f"\nworker output:\n{worker.output[-4000:]}"
            raise AssertionError(f"{len(waiting)} of {len(ids)} submissions not final after {timeout_s} s:\n{details}")
        time.sleep(0.2)


def assert_graded_once(row, status: str = "SUCCESS", score: float | None = 100.0) -> None:
    """One attempt, one recorded result, nothing lost or retried."""
    assert (row.status, row.score, row.attempts) == (status, score, 1), row.log
    assert row.log.count("attempt 1 started") == 1 and row.log.count(f"attempt 1: {status}") == 1, row.log
    assert row.log.count(f": {status}") == 1 and "attempt 2" not in row.log, row.log
    assert "lost" not in row.log and "retry" not in row.log, row.log


@pytest.fixture(scope="module")
def private_docker(request):
    """A private dockerd holding the judge image, for drills that stop the engine (never the machine's engine).

    The image is copied from the machine's engine (`docker save | docker load`); skipped when that engine
    does not answer or has no judge image (deploy/setup.sh or `qa-arena image build` makes it)."""
    from qa_arena.grading.judge_image import JUDGE_IMAGE
    from qa_arena.grading.sandbox import docker_available

    if not shutil.which("docker") or not docker_available():
        pytest.skip("the machine's Docker engine does not answer: no judge image to copy into a private dockerd")
    if subprocess.run(["docker", "image", "inspect", JUDGE_IMAGE], capture_output=True, check=False).returncode:
        pytest.skip(f"no judge image {JUDGE_IMAGE} on the machine's engine (deploy/setup.sh or `qa-arena image build`)")
    request.getfixturevalue("judge_image")  # rebuilt if out of date, as for the other docker tests
    daemon = DockerDaemon()
    try:
        daemon.start()
        daemon.load_image(JUDGE_IMAGE)
    except ServiceUnavailable as exc:
        daemon.stop()
        pytest.skip(str(exc))
    yield daemon
    daemon.stop()  # its containers, processes, mounts and cgroups too


@pytest.fixture
def docker_engine(private_docker):
    """The private dockerd, running, for one test; afterwards running again and with no container left."""
    private_docker.resume()
    yield private_docker
    private_docker.resume()  # a drill that failed while it was stopped
    private_docker.remove_containers()


DRILL_LINES: list[str] = []  # the drills' recovery times, for the run's summary


@pytest.fixture
def drill_report():
    """say(line): a drill's measured recovery, shown in the run's terminal summary (also without -s)."""
    return DRILL_LINES.append


def pytest_terminal_summary(terminalreporter) -> None:
    if DRILL_LINES:
        terminalreporter.section("failure drills: recovery times")
        for line in DRILL_LINES:
            terminalreporter.write_line(line)
