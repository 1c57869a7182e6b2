"""Benchmark: instant checks end to end (issue #6): latency and throughput of bursts, 1 vs 2 grading workers.

A class presses "check" at once: a burst of N students (each with a hub token and a connection of their
own) POST their tests to the check service at the same moment, then wait for the verdict as the
notebook's client does (GET checks/<id>?wait=25 until it is final). Measured per check on the client:
submit -> verdict latency; per burst: p50, p95, max, and the throughput (verdicts / seconds from the
bell to the last one). From the submissions database, per check: time to be queued, in the queue, on
the worker (and in the judge), and until the client had the verdict, so the report says where the time
goes; and the CPU the parts used during each burst.

It runs a dev hub of its own (`qa-arena hub` on a free loopback port, a state directory under /tmp, one
demo student per check of the largest burst, the check limits off through a config file). The hub runs
the check service and ONE grading worker; for 2 workers the bench starts another
`qa-arena worker --concurrency 1` with the managed worker's own QA_ARENA_* environment. Everything it
starts (hub, services, extra workers, judge containers, PostgreSQL) is stopped and the state directory
removed at the end, also on Ctrl-C or failure; the hub's log is kept as OUT/checks-hub-QUEUE.log only
when a check or the hub failed.

Problem: the bank's problem with the most mutants, graded with its reference tests, which kill every
mutant: every check must end SUCCESS with score 100 (anything else is counted and reported);
`--synthetic-20` grades bench_judge.py's 20-mutant problem instead (the issue's target names 20).

Prints a table per configuration, the ratios measured side by side in this run (throughput 2 workers /
1 worker per burst; p95 against the target, p95 <= 8 s at 50 concurrent checks on 2 cores: PASS/FAIL; the
cost of a check (CPU seconds of the whole machine per check, less its idle load; checks per core-minute); with
`--queues sqlite postgres` also PostgreSQL / SQLite, the database that is the workers' queue), findings, and
writes OUT/checks.json and OUT/checks.png.

    .venv/bin/python bench/bench_checks.py [--quick] [--bursts 10 25 50] [--workers 1 2]
        [--backend auto|docker|local] [--queues sqlite [postgres]] [--polling-interval S]
        [--synthetic-20] [--runs-per-worker N] [--via direct|proxy] [--timeout S] [--out DIR]

Needs root (the dev hub runs users under their own uids). Exit codes: 0 every check ended SUCCESS with
the expected score; 1 some check did not (failed, erred, or did not finish in --timeout); the targets'
PASS/FAIL does not change the exit code; 2 bad input, or a hub that could not start; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp
import numpy as np
from devhub import (
    CHECK_SERVICE,
    BenchError,
    DevHub,
    api,
    cmdline,
    environ,
    parent,
    processes_mentioning,
    saved_figure,
    stop_process,
)
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa_arena.client import CLIENT_TIMEOUT_S  # noqa: E402
from qa_arena.grading.problem import Problem, load_problem  # noqa: E402

console = Console() if sys.stdout.isatty() else Console(width=160)  # a log file: wide tables

SERVICE = CHECK_SERVICE  # the check service's name on the hub
TARGET_P95_S = 8.0  # on 2 cores (issue #17; the former 2 s needed ~24 checks/s, beyond 2 cores at any cost)
TARGET_BURST = 50
EXPECTED_SCORE = 100.0  # the reference tests kill every mutant
FINAL = ("SUCCESS", "FAILURE", "ERROR")
HUB_START_TIMEOUT_S = 240
WORKER_START_TIMEOUT_S = 120
POST_TIMEOUT_S, GET_TIMEOUT_S, WAIT_S = 30, 40, 25  # as qa_arena.client.CheckClient
DOCKER_CGROUP = Path("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage")
TICKS = os.sysconf("SC_CLK_TCK")


# -- the problem ----------------------------------------------------------------------------------
def largest_problem(bank: Path) -> tuple[Problem, list[str]]:
    """The bank's problem with the most mutants (ties: by slug), and the slugs it tied with."""
    problems = [load_problem(d) for d in sorted(bank.iterdir()) if (d / "problem.toml").is_file()]
    if not problems:
        raise BenchError(f"no problem in {bank}")
    most = max(len(p.mutants) for p in problems)
    tied = sorted(p.slug for p in problems if len(p.mutants) == most)
    return next(p for p in problems if p.slug == tied[0]), tied


def synthetic_problem(bank: Path) -> tuple[Problem, str]:
    """bench_judge.py's 20-mutant problem (letter grades) in `bank`, and its 16-case suite."""
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_judge

    return bench_judge.make_problem(bank / "grades"), bench_judge.SUITE_16


# -- the machine and the hub ------------------------------------------------------------------------
def cpu_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(values) - values[3] - values[4], sum(values)


def process_cpu_s(pid: int) -> float:
    """CPU seconds of a process and of its children it has reaped (utime + stime + cutime + cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / TICKS


def docker_engine() -> str | None:
    """The pid of the machine's Docker engine (/var/run/docker.pid): a change means it restarted."""
    try:
        return Path("/var/run/docker.pid").read_text().strip()
    except OSError:
        return None


def docker_cpu_s() -> float | None:
    """CPU seconds of every Docker container so far (the engine's cgroup counts removed ones too)."""
    try:
        return int(DOCKER_CGROUP.read_text()) / 1e9
    except (OSError, ValueError):
        return None


class Hub(DevHub):
    """A dev hub of our own (check service, formgrader, one managed worker) and the workers we add."""

    def __init__(
        self,
        students: list[str],
        backend: str,
        log: Path,
        extra_env: dict[str, str],
        polling_s: float | None = None,
        runs_per_worker: int | None = None,
    ):
        self.container_prefix = f"qa-arena-judge-bench-{secrets.token_hex(4)}-"
        config = (
            '"""Written by bench/bench_checks.py: no check limits; judge containers named for cleanup."""\n\n'
            "c = get_config()  # noqa: F821\n"
            "c.CheckLimits.min_interval_s = 0\n"
            "c.CheckLimits.daily_cap = 100000\n"
            f"c.DockerSandbox.name_prefix = {self.container_prefix!r}\n"
            + (f"c.JobQueue.sqlite_poll_interval_s = {polling_s!r}\n" if polling_s else "")
            + (
                f"c.Sandbox.workers = {runs_per_worker}\nc.DockerSandbox.cpu_limit = {float(runs_per_worker)}\n"
                if runs_per_worker
                else ""
            )
        )
        super().__init__(
            students,
            log,
            prefix="qa-arena-bench-checks-",
            sandbox=backend,
            extra_env=extra_env,
            config=config,
            new_session=True,  # a Ctrl-C is for the bench, which stops the hub itself
            start_timeout_s=HUB_START_TIMEOUT_S,
            stop_timeout_s=90,
        )
        self.workers: list[subprocess.Popen] = []
        self.worker_logs: list[Path] = []
        self.service_url = ""  # where notebooks reach the check service ($QA_ARENA_CHECK_URL)
        self.db_url = ""
        self.containers_left: list[str] = []  # judge containers still there after the workers stopped

    def managed_worker(self) -> int | None:
        """The pid of the hub's managed worker: the main process (not a pool process) not started by us."""
        candidates = self.own_processes("qa_arena\0worker")
        ours = {w.pid for w in self.workers}
        pids = [p for p in candidates if p not in ours and parent(p) not in set(candidates)]
        return min(pids) if pids else None

    def managed_worker_ready(self) -> bool:
        """It says its job processes are ready (the first checks would otherwise wait for them to start)."""
        pid = self.managed_worker()
        if pid is None:
            return False
        return any(f":{pid}: " in line and line.endswith(" ready.") for line in self.log.read_text().splitlines())

    def worker_environment(self) -> dict[str, str]:
        """The environment of an extra worker: ours, with the managed worker's QA_ARENA_* and PATH."""
        pid = self.managed_worker()
        if pid is None:
            raise BenchError("the hub's managed grading worker is not running")
        theirs = environ(pid)
        env = {k: v for k, v in os.environ.items() if not k.startswith("QA_ARENA_")}
        env.update({k: v for k, v in theirs.items() if k.startswith("QA_ARENA_")})
        env["PATH"] = theirs.get("PATH", env.get("PATH", ""))
        return env

    def start_worker(self) -> None:
        """One more `qa-arena worker --concurrency 1`; returns once it says it is ready."""
        log = self.state / f"worker-{len(self.workers) + 2}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "qa_arena", "worker", "--concurrency", "1"],
                env=self.worker_environment(),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.workers.append(process)
        self.worker_logs.append(log)
        deadline = time.monotonic() + WORKER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BenchError(f"the extra worker exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            if " ready." in log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise BenchError(f"the extra worker was not ready in {WORKER_START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")

    def stop(self) -> list[int]:
        """Extra workers, then the hub (SIGTERM as Ctrl-C would); then what is left, by pid; our judge
        containers; the state directory. The pids that had to be killed."""
        killed = [w.pid for w in self.workers if stop_process(w, 60)]
        return killed + super().stop()

    def clean_up(self) -> None:
        self.containers_left = self.remove_containers()

    def remove_containers(self) -> list[str]:
        """Judge containers this run's workers left (named with our own prefix only)."""
        if shutil.which("docker") is None:
            return []
        listed = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"name=^/{self.container_prefix}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        ids = listed.stdout.split()
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], capture_output=True, check=False, timeout=120)
        return ids


# -- HTTP -----------------------------------------------------------------------------------------
async def wait_for_hub(hub: Hub) -> float:
    """Until the hub, the check service, the course's formgrader and the managed worker are up."""
    up_s = await hub.wait_until_up(ready=hub.managed_worker_ready)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        status, services = await api(session, "GET", f"{hub.url}/hub/api/services", hub.admin_token)
    ours = services.get(SERVICE, {}) if status == 200 and isinstance(services, dict) else {}
    hub.service_url = ours.get("url") or service_url_from_process(hub)
    return up_s


def service_url_from_process(hub: Hub) -> str:
    for pid in hub.own_processes("check-service"):
        with contextlib.suppress(OSError):
            url = environ(pid).get("JUPYTERHUB_SERVICE_URL")
            if url:
                return url
    return ""


async def make_tokens(hub: Hub, users: list[str]) -> dict[str, str]:
    """A token per student, made with the admin token (as a spawner gives a server its token)."""
    limit = asyncio.Semaphore(16)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def one(user: str) -> tuple[str, str]:
            async with limit:
                status, body = await api(
                    session,
                    "POST",
                    f"{hub.url}/hub/api/users/{user}/tokens",
                    hub.admin_token,
                    json={"note": "qa-arena bench_checks", "expires_in": 6 * 3600},
                )
            if status != 201:
                raise BenchError(f"could not make a token for {user}: HTTP {status} {str(body)[:300]}")
            return user, body["token"]

        return dict(await asyncio.gather(*(one(u) for u in users)))


# -- one check, one burst -------------------------------------------------------------------------
@dataclass
class Check:
    student: str
    submitted_at: float = 0.0  # wall clock (s since the epoch) when the POST was sent
    post_s: float | None = None  # the POST's round trip
    latency_s: float | None = None  # POST sent -> final verdict received; None: did not finish
    id: str | None = None
    status: str | None = None  # the check's last status seen by the client
    score: float | None = None
    bugs: str = ""  # caught/total, as the student sees it
    message: str = ""  # the verdict's message, when the check did not end as expected
    gets: int = 0
    errors: list[str] = field(default_factory=list)  # HTTP errors and failed connections
    # from the submissions database
    queued_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    judge_s: float | None = None
    worker: str | None = None
    attempts: int | None = None

    @property
    def finished(self) -> bool:
        return self.latency_s is not None

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS" and self.score == EXPECTED_SCORE and not self.errors

    def phases(self) -> dict[str, float | None]:
        """Where this check's time went (seconds)."""

        def minus(a, b):
            return a - b if a is not None and b is not None else None

        done = self.submitted_at + self.latency_s if self.finished else None
        grading = minus(self.finished_at, self.started_at)
        return {
            "admission": minus(self.queued_at, self.submitted_at),  # request -> row queued (auth, limits)
            "queue_wait": minus(self.started_at, self.queued_at),  # queued -> a worker took it
            "grading": grading,  # on the worker: claim, judge, record
            "judge": self.judge_s,  # of which Judge.grade itself
            "delivery": minus(done, self.finished_at),  # verdict stored -> the client has it
        }


async def run_check(
    check: Check, base: str, token: str, problem: str, tests: str, bell: asyncio.Event, deadline: list[float], done
) -> None:
    """One student: POST the tests at the bell, then long-poll as the notebook's client does."""
    headers = {"Authorization": f"token {token}"}
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=None)) as session:
        await bell.wait()
        start = time.perf_counter()
        check.submitted_at = time.time()
        body = {"problem": problem, "tests": tests, "assignment": "bench"}
        try:
            post_timeout = aiohttp.ClientTimeout(total=POST_TIMEOUT_S)
            async with session.post(f"{base}api/checks", json=body, timeout=post_timeout) as response:
                answer = await response.json(content_type=None)
                check.post_s = time.perf_counter() - start
                if response.status != 202:
                    check.errors.append(f"POST: HTTP {response.status} {str(answer)[:200]}")
                    return
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            check.errors.append(f"POST: {type(exc).__name__} {exc}"[:200])
            return
        finally:
            if check.errors:
                done()
        check.id, check.status = answer["id"], answer["status"]
        get_timeout = aiohttp.ClientTimeout(total=GET_TIMEOUT_S)
        while check.status not in FINAL and time.perf_counter() < deadline[0]:
            check.gets += 1
            try:
                url = f"{base}api/checks/{check.id}"
                async with session.get(url, params={"wait": str(WAIT_S)}, timeout=get_timeout) as response:
                    got = await response.json(content_type=None)
                    if response.status != 200:
                        check.errors.append(f"GET: HTTP {response.status} {str(got)[:200]}")
                        await asyncio.sleep(1)
                        continue
            except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                check.errors.append(f"GET: {type(exc).__name__} {exc}"[:200])
                await asyncio.sleep(1)
                continue
            answer, check.status = got, got["status"]
        if check.status in FINAL:
            check.latency_s = time.perf_counter() - start
            check.score = answer.get("score")
            if "bugs_caught" in answer:
                check.bugs = f"{answer['bugs_caught']}/{answer['bugs_total']}"
            if not check.ok:
                check.message = str(answer.get("message", ""))[:300]
        done()


async def burst(
    checks: list[Check], base: str, tokens: dict[str, str], problem: str, tests: str, timeout_s: float, progress=None
) -> float:
    """Fire every check at once (the bell); the wall clock time of the bell."""
    bell = asyncio.Event()
    deadline = [float("inf")]
    task = progress.add_task(f"{len(checks)} checks", total=len(checks)) if progress else None

    def done() -> None:
        if progress is not None:
            progress.advance(task)

    loop = asyncio.get_running_loop()
    jobs = [
        loop.create_task(run_check(c, base, tokens[c.student], problem, tests, bell, deadline, done)) for c in checks
    ]
    await asyncio.sleep(0.3)  # every student's session exists
    deadline[0] = time.perf_counter() + timeout_s
    bell_at = time.time()
    bell.set()
    _finished, pending = await asyncio.wait(jobs, timeout=timeout_s + GET_TIMEOUT_S + 5)
    for job in pending:
        job.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for job in jobs:
        if not job.cancelled() and job.exception() is not None:
            raise job.exception()
    return bell_at


# -- the submissions database ---------------------------------------------------------------------
def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def fill_from_db(db_url: str, checks: list[Check]) -> int:
    """Server-side times, worker, attempts and the judge's own duration of each check; how many checks
    of the whole database are still PENDING or RUNNING."""
    from sqlalchemy import func, select
    from traitlets.config import Config

    from qa_arena.service.models import Submission
    from qa_arena.service.store import SubmissionStore

    config = Config()
    config.SubmissionStore.db_url = db_url
    store = SubmissionStore(config=config)
    by_id = {uuid.UUID(c.id): c for c in checks if c.id}
    columns = (Submission.id, Submission.queued_at, Submission.started_at, Submission.finished_at,
               Submission.worker, Submission.attempts, Submission.verdict)  # fmt: skip
    try:
        with store.session() as session:
            rows = session.execute(select(*columns).where(Submission.id.in_(list(by_id)))).all() if by_id else []
            busy = session.scalar(
                select(func.count()).select_from(Submission).where(Submission.status.in_(("PENDING", "RUNNING")))
            )
    finally:
        store.dispose()
    for row in rows:
        check = by_id[row.id]
        check.queued_at, check.started_at = _epoch(row.queued_at), _epoch(row.started_at)
        check.finished_at, check.worker, check.attempts = _epoch(row.finished_at), row.worker, row.attempts
        check.judge_s = (row.verdict or {}).get("duration_s")
    return busy


def error_logs(db_url: str, since: float) -> dict[str, int]:
    """The last log line of each ERROR submission queued since `since` (epoch s), counted: why checks
    erred on the server (including those whose POST was answered 503: they are stored as ERROR)."""
    from sqlalchemy import select
    from traitlets.config import Config

    from qa_arena.service.models import Submission
    from qa_arena.service.store import SubmissionStore

    config = Config()
    config.SubmissionStore.db_url = db_url
    store = SubmissionStore(config=config)
    query = select(Submission.log, Submission.queued_at).where(Submission.status == "ERROR")
    try:
        with store.session() as session:
            rows = session.execute(query).all()
    finally:
        store.dispose()
    counts: dict[str, int] = {}
    for log, queued_at in rows:
        if queued_at.timestamp() >= since - 1:
            line = (log or "").strip().splitlines()[-1:] or ["(no log)"]
            key = line[0].split(" ", 1)[-1][:300]  # without the line's timestamp
            counts[key] = counts.get(key, 0) + 1
    return counts


def wait_for_drain(db_url: str, timeout_s: float) -> tuple[int, float]:
    """Until no check is PENDING or RUNNING (so the next burst starts on an empty queue)."""
    started = time.monotonic()
    while True:
        busy = fill_from_db(db_url, [])
        if busy == 0 or time.monotonic() - started > timeout_s:
            return busy, time.monotonic() - started
        time.sleep(1)


# -- CPU ------------------------------------------------------------------------------------------
def component(pid: int) -> str:
    """The part a process is: a worker's job processes (interpreters it spawned) count as the worker's."""
    line = "\0".join(cmdline(pid))
    if "check-service" in line:
        return "check service"
    if "qa_arena\0worker" in line:
        return "workers"
    if "jupyterhub.singleuser" in line:
        return "formgrader"
    up = parent(pid)
    return "workers" if up and up > 1 and component(up) == "workers" else "hub + proxy"


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def worker_rss_mib(hub: Hub) -> float:
    """The largest worker's resident memory: its supervisor and job processes together (its judge containers'
    own processes are Docker's, not the worker's)."""
    processes = processes_mentioning(str(hub.state))
    workers = [p for p in processes if component(p) == "workers" and component(parent(p) or 0) != "workers"]
    children: dict[int, list[int]] = {}
    for pid in processes:
        children.setdefault(parent(pid) or 0, []).append(pid)
    largest = 0.0
    for worker in workers:
        tree, total = [worker], 0.0
        while tree:
            pid = tree.pop()
            total += rss_mib(pid)
            tree += children.get(pid, [])
        largest = max(largest, total)
    return largest


class RssSampler:
    """The peak of `worker_rss_mib` while a burst runs (sampled every 0.25 s, in a thread)."""

    def __init__(self, hub: Hub) -> None:
        import threading

        self.hub, self.peak, self._stop = hub, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            self.peak = max(self.peak, worker_rss_mib(self.hub))

    def __enter__(self) -> RssSampler:
        self.peak = worker_rss_mib(self.hub)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def cpu_snapshot(hub: Hub) -> dict:
    return {
        "t": time.monotonic(),
        "machine": cpu_busy(),
        "processes": {p: (component(p), process_cpu_s(p)) for p in processes_mentioning(str(hub.state))},
        "docker": docker_cpu_s(),
    }


def cpu_used(before: dict, after: dict) -> dict:
    """Cores busy on average between two snapshots: the machine, our components, all Docker containers."""
    wall = max(after["t"] - before["t"], 1e-9)
    (busy0, total0), (busy1, total1) = before["machine"], after["machine"]
    cores = {"machine": (busy1 - busy0) / max(total1 - total0, 1) * (os.cpu_count() or 1)}
    for pid, (name, seconds) in after["processes"].items():
        earlier = before["processes"].get(pid, (name, 0.0))[1]
        cores[name] = cores.get(name, 0.0) + max(seconds - earlier, 0.0) / wall
    if before["docker"] is not None and after["docker"] is not None:
        cores["judge containers"] = (after["docker"] - before["docker"]) / wall
    return cores


def background_load(seconds: float = 2.0) -> float:
    """Cores busy while the bench waits (the idle hub, and whatever else runs on the machine)."""
    busy0, total0 = cpu_busy()
    time.sleep(seconds)
    busy1, total1 = cpu_busy()
    return (busy1 - busy0) / max(total1 - total0, 1) * (os.cpu_count() or 1)


# -- statistics -----------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def summarize(checks: list[Check], bell_at: float) -> dict:
    finished = [c for c in checks if c.finished]
    latencies = [c.latency_s for c in finished]
    last = max((c.submitted_at + c.latency_s for c in finished), default=bell_at)
    wall = max(last - bell_at, 1e-9)
    phases = {}
    for name in ("admission", "queue_wait", "grading", "judge", "delivery"):
        values = [v for c in finished if (v := c.phases()[name]) is not None]
        mean = statistics.fmean(values) if values else None
        phases[name] = {"p50": pct(values, 50), "p95": pct(values, 95), "mean": mean}
    per_worker: dict[str, list[Check]] = {}
    for c in finished:
        if c.worker and c.started_at and c.finished_at:
            per_worker.setdefault(c.worker, []).append(c)
    gaps, busy_shares = [], []
    for jobs in per_worker.values():
        jobs.sort(key=lambda c: c.started_at)
        gaps += [b.started_at - a.finished_at for a, b in itertools.pairwise(jobs)]
        span = jobs[-1].finished_at - jobs[0].started_at
        if span > 0:
            busy_shares.append(sum(c.finished_at - c.started_at for c in jobs) / span)
    started = [c.started_at for c in finished if c.started_at]
    ends = [c.finished_at for c in finished if c.finished_at]
    drain = len(ends) / (max(ends) - min(started)) if len(ends) > 1 and max(ends) > min(started) else None
    return {
        "checks": len(checks),
        "finished": len(finished),
        "unfinished": len(checks) - len(finished),
        "ok": sum(c.ok for c in checks),
        "not_ok": [
            {
                "student": c.student,
                "id": c.id,
                "status": c.status,
                "score": c.score,
                "message": c.message,
                "errors": c.errors,
            }
            for c in checks
            if not c.ok
        ],
        "http_errors": sum(len(c.errors) for c in checks),
        "retried": sum((c.attempts or 0) > 1 for c in checks),
        "p50_s": pct(latencies, 50),
        "p95_s": pct(latencies, 95),
        "max_s": max(latencies) if latencies else None,
        "mean_s": statistics.fmean(latencies) if latencies else None,
        "post_p95_s": pct([c.post_s for c in checks if c.post_s is not None], 95),
        "wall_s": wall,
        "throughput": len(finished) / wall,
        "worker_drain_rate": drain,  # checks/s from the first job started to the last finished
        "over_client_timeout": sum(v > CLIENT_TIMEOUT_S for v in latencies),
        "phases": phases,
        "jobs_per_worker": sorted((len(j) for j in per_worker.values()), reverse=True),
        "worker_gap_p50_s": pct(gaps, 50),
        "worker_busy_share": statistics.fmean(busy_shares) if busy_shares else None,
        "gets_per_check": statistics.fmean([c.gets for c in checks]) if checks else 0.0,
    }


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


# -- report ---------------------------------------------------------------------------------------
def label(run: dict) -> str:
    return f"{run['queue']}, burst {run['burst']}, {run['workers']} worker{'s' if run['workers'] > 1 else ''}"


def check_cpu_s(run: dict) -> float | None:
    """CPU seconds the machine spent per graded check during the burst (its idle load taken out)."""
    ok = run["summary"]["ok"]
    busy = max(run["cpu"]["machine"] - run["background_cores"], 0.0) * run["cpu_wall_s"]
    return busy / ok if ok else None


def report(runs: list[dict], meta: dict) -> tuple[dict, dict, list[str]]:
    title = (
        f"Instant checks end to end — {meta['problem']} ({meta['mutants']} mutants, {meta['tests']}), "
        f"{meta['backend']} sandbox, {meta['runs_per_worker']} variant run(s) at a time per worker, {meta['via']}; "
        "latency in seconds"
    )
    table = Table(title=title)
    columns = ("queue", "burst", "workers", "ok", "not ok", "unfinished", "HTTP errors", "p50", "p95", "max")
    for name in (*columns, "checks/s", f"> {CLIENT_TIMEOUT_S:g} s", "worker RSS MiB (peak)"):
        table.add_column(name, justify="right")
    for run in runs:
        s = run["summary"]
        table.add_row(
            run["queue"], str(run["burst"]), str(run["workers"]), f"{s['ok']}/{s['checks']}",
            str(len(s["not_ok"]) - s["unfinished"]), str(s["unfinished"]), str(s["http_errors"]),
            fmt(s["p50_s"]), fmt(s["p95_s"]), fmt(s["max_s"]), fmt(s["throughput"]), str(s["over_client_timeout"]),
            f"{run['worker_rss_peak_mib']:.0f}",
        )  # fmt: skip
    console.print(table)
    console.print(
        f"[dim]ok: SUCCESS with score {EXPECTED_SCORE:g} and no HTTP error; checks/s: verdicts received / seconds "
        f"from the bell to the last one; > {CLIENT_TIMEOUT_S:g} s: checks the notebook's client would have given "
        "up on.[/dim]"
    )

    phases = Table(title="Where the time goes — median (p95) seconds per check, from the submissions database")
    for name in ("queue", "burst", "workers", "admission", "queue wait", "on the worker", "of which judge",
                 "delivery", "gap between jobs", "workers busy", "jobs per worker"):  # fmt: skip
        phases.add_column(name, justify="right")
    for run in runs:
        s, p = run["summary"], run["summary"]["phases"]

        def cell(name: str, p=p) -> str:
            return f"{fmt(p[name]['p50'])} ({fmt(p[name]['p95'])})"

        phases.add_row(
            run["queue"], str(run["burst"]), str(run["workers"]), cell("admission"), cell("queue_wait"),
            cell("grading"), cell("judge"), cell("delivery"), fmt(s["worker_gap_p50_s"]),
            "—" if s["worker_busy_share"] is None else f"{s['worker_busy_share']:.0%}",
            "/".join(map(str, s["jobs_per_worker"])),
        )  # fmt: skip
    console.print(phases)
    console.print(
        "[dim]admission: request sent -> check queued (token check, limits, row, publish); queue wait: queued -> "
        "a worker claimed it; on the worker: claimed -> verdict stored; delivery: verdict stored -> the client "
        "has it (the long-poll looks every 0.25 s at first, then up to every 0.5 s); gap between jobs: a worker's "
        "idle time from one job's end to its next job's start (median); workers busy: share of the burst the "
        "workers spent on jobs.[/dim]"
    )

    cpu = Table(title=f"CPU during each burst — cores busy on average, of {os.cpu_count()}")
    names = ["machine", "check service", "hub + proxy", "workers", "judge containers", "formgrader"]
    for name in ("queue", "burst", "workers", "before (idle)", *names):
        cpu.add_column(name, justify="right")
    for run in runs:
        cpu.add_row(
            run["queue"], str(run["burst"]), str(run["workers"]), fmt(run["background_cores"]),
            *(fmt(run["cpu"].get(n)) for n in names),
        )  # fmt: skip
    console.print(cpu)
    console.print(
        "[dim]workers: the worker processes and, on the local backend, the sandboxes they ran; judge containers: "
        "every container of the machine's Docker engine (ours, unless others use it meanwhile); before (idle): "
        "the machine in the 2 s before the burst: the idle hub and whatever else runs here.[/dim]"
    )

    cost = Table(title="What a check costs — CPU of the whole machine during the burst, less its idle load")
    for name in ("queue", "burst", "workers", "CPU s / check", "checks / core-minute", "p95 s", "worker RSS MiB"):
        cost.add_column(name, justify="right")
    for run in runs:
        per_check = check_cpu_s(run)
        cost.add_row(
            run["queue"], str(run["burst"]), str(run["workers"]), fmt(per_check, 3),
            fmt(60 / per_check if per_check else None, 0), fmt(run["summary"]["p95_s"]),
            f"{run['worker_rss_peak_mib']:.0f}",
        )  # fmt: skip
    console.print(cost)

    by = {(r["queue"], r["burst"], r["workers"]): r["summary"] for r in runs}
    queues = list(dict.fromkeys(r["queue"] for r in runs))
    sizes = sorted({r["burst"] for r in runs})
    counts = sorted({r["workers"] for r in runs})
    ratios: dict[str, float] = {}
    console.print("[bold]Ratios, measured side by side in this run:[/bold]")
    for queue in queues:
        for size in sizes:
            one = by.get((queue, size, counts[0]))
            for w in counts[1:]:
                more = by.get((queue, size, w))
                if not one or not more or not one["throughput"]:
                    continue
                name = f"{queue}, burst {size}: throughput {w} workers / {counts[0]}"
                ratios[name] = value = more["throughput"] / one["throughput"]
                linear = w / counts[0]
                console.print(f"  {name}: {value:.2f}x   (linear: {linear:.1f}x; efficiency {value / linear:.0%})")
                if one["p95_s"] and more["p95_s"]:
                    name = f"{queue}, burst {size}: p95 {w} workers / {counts[0]}"
                    ratios[name] = more["p95_s"] / one["p95_s"]
                    console.print(f"  {name}: {ratios[name]:.2f}x")
    for other in queues[1:]:
        for size in sizes:
            for w in counts:
                a, b = by.get((queues[0], size, w)), by.get((other, size, w))
                if a and b and a["throughput"]:
                    name = f"burst {size}, {w} worker(s): throughput {other} / {queues[0]}"
                    ratios[name] = b["throughput"] / a["throughput"]
                    console.print(f"  {name}: {ratios[name]:.2f}x")

    target: dict = {}
    goal = f"p95 ≤ {TARGET_P95_S:g} s at {TARGET_BURST} concurrent checks of a 20-mutant problem, on 2 cores"
    console.print(f"[bold]Target: {goal}[/bold]")
    measured = [r for r in runs if r["burst"] == TARGET_BURST] or [r for r in runs if r["burst"] == sizes[0]]
    for run in measured:
        s = run["summary"]
        p95 = s["p95_s"]
        passed = p95 is not None and p95 <= TARGET_P95_S and s["unfinished"] == 0
        target[label(run)] = {"p95_s": p95, "result": "PASS" if passed else "FAIL", "burst": run["burst"]}
        note = (
            "" if run["burst"] == TARGET_BURST else f" [yellow](a burst of {run['burst']}, not {TARGET_BURST})[/yellow]"
        )
        colour = "green" if passed else "red"
        console.print(
            f"  {label(run)}: p95 {fmt(p95)} s = {(p95 or 0) / TARGET_P95_S:.1f}x the target -> "
            f"[{colour}]{'PASS' if passed else 'FAIL'}[/{colour}]{note}"
        )
    notes = findings(runs, meta)
    console.print("[bold]Findings:[/bold]")
    for line in notes:
        console.print(f"  - {line}")
    return ratios, target, notes


def findings(runs: list[dict], meta: dict) -> list[str]:
    notes = []
    if meta["mutants"] < 20:
        notes.append(
            f"the bank's largest problem has {meta['mutants']} mutants (tied: {', '.join(meta['tied'])}), not the "
            f"target's 20; a check of a 20-mutant problem costs more, so a FAIL here holds there too "
            f"(--synthetic-20 grades a 20-mutant problem)"
        )
    best = max(runs, key=lambda r: r["summary"]["throughput"])
    needed = 0.95 * TARGET_BURST / TARGET_P95_S
    notes.append(
        f"p95 ≤ {TARGET_P95_S:g} s for {TARGET_BURST} checks at once needs ≈ {needed:.0f} checks/s (95 % of the "
        f"burst graded within {TARGET_P95_S:g} s); the best measured here is {best['summary']['throughput']:.2f} "
        f"checks/s ({label(best)}): {needed / best['summary']['throughput']:.0f}x short"
    )
    for run in runs:
        s, p = run["summary"], run["summary"]["phases"]
        if p["queue_wait"]["mean"] is not None and s["mean_s"]:
            notes.append(
                f"{label(run)}: {p['queue_wait']['mean'] / s['mean_s']:.0%} of the mean latency is queue wait; a job "
                f"takes {fmt(p['grading']['p50'])} s on the worker (judge {fmt(p['judge']['p50'])} s); the machine "
                f"was {run['cpu'].get('machine', 0):.1f} of {os.cpu_count()} cores busy "
                f"({fmt(run['background_cores'], 1)} before the burst)"
            )
        if run["docker_engine_restarted"]:
            notes.append(
                f"{label(run)}: the machine's Docker engine restarted during the burst (not the bench: other work "
                "on this machine); its checks may have ended ERROR or waited for their retries"
            )
        if s["over_client_timeout"]:
            notes.append(
                f"{label(run)}: {s['over_client_timeout']} checks took longer than the notebook client's "
                f"{CLIENT_TIMEOUT_S:g} s (qa_arena.client.CLIENT_TIMEOUT_S): those students would have seen no verdict"
            )
    for queue in dict.fromkeys(r["queue"] for r in runs):
        mine = [r for r in runs if r["queue"] == queue and r["summary"]["worker_gap_p50_s"] is not None]
        if not mine:
            continue
        gap = statistics.median(r["summary"]["worker_gap_p50_s"] for r in mine)
        job = statistics.median(r["summary"]["phases"]["grading"]["p50"] for r in mine)
        if gap > 0.25 * job:
            why = (
                f" (an idle worker on SQLite looks for work every c.JobQueue.sqlite_poll_interval_s = "
                f"{meta['polling_interval_s']:g} s)"
                if queue == "sqlite"
                else ""
            )
            more = "" if "postgres" in {r["queue"] for r in runs} else "; compare with --queues sqlite postgres"
            notes.append(
                f"the {queue} queue IS a bottleneck: a worker idles {gap:.2f} s between two jobs (median) = "
                f"{gap / job:.0%} of a {job:.2f} s job{why}{more}"
            )
        else:
            notes.append(
                f"the {queue} queue is not the bottleneck: a worker idles {gap:.2f} s between two jobs (median), "
                f"{gap / job:.0%} of a {job:.2f} s job"
            )
    return notes


def plot(runs: list[dict], meta: dict, path: Path) -> None:
    title = (
        f"QA Arena instant checks: {meta['problem']} ({meta['mutants']} mutants), {meta['backend']} sandbox, "
        f"{os.cpu_count()} cores"
    )
    with saved_figure(path, title, 3, (19, 5.5)) as (cdf, bars, stack):
        import matplotlib.pyplot as plt
        from matplotlib.ticker import NullFormatter, ScalarFormatter

        series = list(dict.fromkeys((r["queue"], r["workers"]) for r in runs))
        colours = {key: plt.get_cmap("tab10")(i) for i, key in enumerate(series)}
        sizes = sorted({r["burst"] for r in runs})
        styles = {size: ["-", "--", ":", "-."][i % 4] for i, size in enumerate(sizes)}
        for run in runs:
            column = run["checks"]["fields"].index("latency_s")
            latencies = sorted(row[column] for row in run["checks"]["rows"] if row[column] is not None)
            if latencies:
                y = np.arange(1, len(latencies) + 1) / len(run["checks"]["rows"])
                cdf.step(latencies, y, where="post", label=label(run), color=colours[(run["queue"], run["workers"])],
                         linestyle=styles[run["burst"]])  # fmt: skip
        cdf.axvline(TARGET_P95_S, color="red", linestyle="--", label=f"target: p95 {TARGET_P95_S:g} s")
        cdf.axhline(0.95, color="grey", linestyle=":", linewidth=0.8)
        cdf.set_xscale("log")
        cdf.set_xticks([t for t in (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if t < max(cdf.get_xlim()[1], 3)])
        cdf.xaxis.set_major_formatter(ScalarFormatter())
        cdf.xaxis.set_minor_formatter(NullFormatter())
        cdf.set_xlabel("submit -> verdict (s, log scale)")
        cdf.set_ylabel("share of the burst's checks with a verdict")
        cdf.set_title("latency (CDF)")
        cdf.legend(fontsize=7)

        counts = sorted({r["workers"] for r in runs})
        by = {(r["queue"], r["burst"], r["workers"]): r["summary"] for r in runs}
        width = 0.8 / len(series)
        for i, (queue, w) in enumerate(series):
            xs = [k + i * width for k in range(len(sizes))]
            values = [by[(queue, b, w)]["throughput"] if (queue, b, w) in by else 0.0 for b in sizes]
            bars.bar(xs, values, width, label=f"{queue}, {w} worker(s)", color=colours[(queue, w)])
            for x, v in zip(xs, values, strict=True):
                bars.annotate(f"{v:.2f}", (x, v), ha="center", va="bottom", fontsize=8)
            for x, b in zip(xs, sizes, strict=True):
                one = by.get((queue, b, counts[0]))
                if w != counts[0] and one:
                    linear = one["throughput"] * w / counts[0]
                    bars.plot([x - width / 2, x + width / 2], [linear, linear], color="black", linestyle="--")
        bars.set_xticks([k + width * (len(series) - 1) / 2 for k in range(len(sizes))], [f"burst {b}" for b in sizes])
        bars.set_ylabel("checks per second (dashed: linear in workers)")
        bars.set_title("throughput")
        bars.legend(fontsize=7)

        names, parts = [], {"admission": [], "queue wait": [], "judge": [], "worker, not judge": [], "delivery": []}
        for run in runs:
            mean = {k: (v["mean"] or 0.0) for k, v in run["summary"]["phases"].items()}
            names.append(f"{run['queue'][:3]} {run['burst']}/{run['workers']}w")
            parts["admission"].append(mean["admission"])
            parts["queue wait"].append(mean["queue_wait"])
            parts["judge"].append(mean["judge"])
            parts["worker, not judge"].append(max(mean["grading"] - mean["judge"], 0.0))
            parts["delivery"].append(mean["delivery"])
        bottom = np.zeros(len(names))
        for name, values in parts.items():
            stack.bar(names, values, bottom=bottom, label=name)
            bottom += np.array(values)
        stack.set_ylabel("seconds (mean per check)")
        stack.set_xlabel("queue burst/workers")
        stack.tick_params(axis="x", labelsize=8)
        stack.set_title("where the time goes")
        stack.legend(fontsize=7)


# -- main -----------------------------------------------------------------------------------------
def resolve_backend(choice: str) -> str:
    if choice != "auto":
        return choice
    try:
        import docker

        from qa_arena.grading.judge_image import image_is_current

        client = docker.from_env(timeout=10)
        try:
            return "docker" if image_is_current(client) else "local"
        finally:
            client.close()
    except Exception:
        return "local"


def interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def warm_up(hub: Hub, base: str, tokens: dict[str, str], students: list[str], slug: str, tests: str, n: int) -> None:
    """n checks at once, twice: every worker has graded (its judge container pool is filled)."""
    for _ in range(2):
        checks = [Check(s) for s in students[:n]]
        bell_at = asyncio.run(burst(checks, base, tokens, slug, tests, 300))
        bad = [c for c in checks if not c.ok]
        if bad:
            c = bad[0]
            server = "; ".join(f"{line} (x{count})" for line, count in error_logs(hub.db_url, bell_at).items())
            raise BenchError(
                f"warm-up check of {c.student}: status {c.status}, score {c.score}, bugs {c.bugs or '?'}, "
                f"message {c.message!r}, errors {c.errors[:3]} (expected SUCCESS, score {EXPECTED_SCORE:g}); "
                f"server: {server or '-'}; see {hub.log}"
            )


def measure(queue: str, args, problem: Problem, tests: str, extra_env: dict, backend: str, out: Path) -> list[dict]:
    """Every burst and worker count on one hub with one queue database; the hub (and PostgreSQL) stopped afterwards."""
    bursts = [10] if args.quick else args.bursts
    students = [f"s{i:03d}" for i in range(1, max(bursts) + 1)]
    hub = postgres = None
    runs: list[dict] = []
    keep_log = True  # the hub's log stays in OUT only when something went wrong
    try:
        env = dict(extra_env)
        if queue == "postgres":
            from tests.support.servers import PostgresServer, ServiceUnavailable

            postgres = PostgresServer()
            try:
                with console.status("starting PostgreSQL ..."):
                    postgres.start()
            except ServiceUnavailable as exc:
                raise BenchError(f"PostgreSQL: {exc}") from exc
            env["QA_ARENA_DB_URL"] = postgres.url
        hub = Hub(students, backend, out / f"checks-hub-{queue}.log", env, args.polling_interval, args.runs_per_worker)
        hub.start()
        with console.status(f"starting the dev hub ({queue} queue) with {len(students)} students ..."):
            up_s = asyncio.run(wait_for_hub(hub))
            hub.db_url = environ(hub.managed_worker())["QA_ARENA_DB_URL"]
            tokens = asyncio.run(make_tokens(hub, students))
        if args.via == "direct" and not hub.service_url:
            raise BenchError("could not find the check service's own address; try --via proxy")
        base = (hub.service_url if args.via == "direct" else hub.url) + f"/services/{SERVICE}/"
        console.print(f"hub up in {up_s:.1f} s at {hub.url}; checks at {base}; {len(tokens)} student tokens")
        for workers in sorted(set(args.workers)):
            while 1 + len(hub.workers) < workers:
                with console.status(f"starting grading worker {len(hub.workers) + 2} ..."):
                    hub.start_worker()
            with console.status(f"warming up {workers} worker(s) ..."):
                warm_up(hub, base, tokens, students, problem.slug, tests, workers)
            for size in bursts:
                runs.append(one_burst(hub, base, tokens, students[:size], problem.slug, tests, queue, workers, args))
        keep_log = not all(r["summary"]["ok"] == r["summary"]["checks"] for r in runs)
        return runs
    finally:
        with console.status("stopping the hub, workers and containers ..."):
            if hub is not None:
                killed = hub.stop()
                if killed:
                    console.print(f"[yellow]had to kill {len(killed)} process(es) at the end: {killed}[/yellow]")
                if hub.containers_left:
                    console.print(
                        f"[yellow]{len(hub.containers_left)} judge container(s) were left after the workers "
                        "stopped (a pooled container not removed at shutdown): removed[/yellow]"
                    )
            if postgres is not None:
                postgres.stop()
        if hub is not None and not keep_log:
            hub.log.unlink(missing_ok=True)
        elif hub is not None:
            console.print(f"the hub's log (with the services' and the managed worker's): {hub.log}")


def one_burst(hub: Hub, base: str, tokens, students: list[str], slug: str, tests: str, queue: str, workers: int, args):
    size = len(students)
    checks = [Check(s) for s in students]
    idle = background_load()
    engine = docker_engine()
    before = cpu_snapshot(hub)
    columns = [TextColumn(f"{queue}, burst {size}, {workers} worker(s)"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn()]  # fmt: skip
    with Progress(*columns, console=console) as progress, RssSampler(hub) as rss:
        bell_at = asyncio.run(burst(checks, base, tokens, slug, tests, args.timeout, progress))
    after = cpu_snapshot(hub)
    cpu_wall_s = after["t"] - before["t"]
    busy, waited = wait_for_drain(hub.db_url, args.timeout)
    fill_from_db(hub.db_url, checks)
    summary = summarize(checks, bell_at)
    summary["server_errors"] = error_logs(hub.db_url, bell_at) if summary["ok"] < size else {}
    console.print(
        f"  {queue}, burst {size}, {workers} worker(s): {summary['ok']}/{size} ok, p50 {fmt(summary['p50_s'])} s, "
        f"p95 {fmt(summary['p95_s'])} s, {summary['throughput']:.2f} checks/s, worker RSS peak {rss.peak:.0f} MiB"
        + (f", [red]{summary['unfinished']} unfinished[/red]" if summary["unfinished"] else "")
        + (f", [red]{busy} still queued after {waited:.0f} s[/red]" if busy else "")
        + (", [red]the Docker engine restarted meanwhile[/red]" if engine != docker_engine() else "")
    )
    for bad in summary["not_ok"][:5]:
        console.print(f"    [red]not ok[/red]: {bad}")
    for line, count in summary["server_errors"].items():
        console.print(f"    [red]server log of {count} ERROR check(s)[/red]: {line}")
    return {
        "queue": queue,
        "burst": size,
        "workers": workers,
        "summary": summary,
        "background_cores": idle,
        "worker_rss_peak_mib": rss.peak,
        "cpu_wall_s": cpu_wall_s,
        "cpu": cpu_used(before, after),
        "queue_not_empty_after_burst": busy,
        "docker_engine_restarted": engine != docker_engine(),
        "checks": columns_of(checks),
    }


def columns_of(checks: list[Check]) -> dict:
    """The checks as a table (fields, rows), times rounded to 0.1 ms: compact in checks.json."""
    rows = []
    for c in checks:
        row = {**asdict(c), **{f"{k}_s": v for k, v in c.phases().items()}}
        rows.append([round(v, 4) if isinstance(v, float) else v for v in row.values()])
    fields = [*asdict(Check("")).keys(), *(f"{k}_s" for k in Check("").phases())]
    return {"fields": fields, "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, nargs="+", default=[10, 25, 50], help="burst sizes (default 10 25 50)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default 1 2)")
    parser.add_argument("--quick", action="store_true", help="one burst of 10 (checks that the bench works)")
    parser.add_argument("--backend", choices=["auto", "docker", "local"], default="auto",
                        help="judge sandbox (default: docker if the judge image is current, else local)")  # fmt: skip
    parser.add_argument("--queues", nargs="+", choices=["sqlite", "postgres"], default=["sqlite"],
                        help="the workers' database, which is their queue: sqlite, the dev hub's default; "
                             "postgres, a PostgreSQL server started for the run; both: measured one after the "
                             "other, compared")  # fmt: skip
    parser.add_argument("--polling-interval", type=float, default=None, metavar="S",
                        help="c.JobQueue.sqlite_poll_interval_s of a worker on SQLite (default 0.2 s)")  # fmt: skip
    parser.add_argument("--runs-per-worker", type=int, default=None, metavar="N",
                        help="variant runs at a time in each worker's judge, and the CPUs of its container "
                             "(c.Sandbox.workers, c.DockerSandbox.cpu_limit; default 2, both cores): with 1, two "
                             "workers on two cores show how throughput scales with workers")  # fmt: skip
    parser.add_argument("--via", choices=["direct", "proxy"], default="direct",
                        help="reach the check service directly, as notebooks do ($QA_ARENA_CHECK_URL), or "
                             "through the hub's proxy")  # fmt: skip
    parser.add_argument("--synthetic-20", action="store_true", help="grade bench_judge.py's 20-mutant problem")
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds a burst may take (default 1200)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    bursts = [10] if args.quick else args.bursts
    if any(not 1 <= b <= 999 for b in bursts) or any(not 1 <= w <= 8 for w in args.workers):
        print("bench_checks: bursts are 1..999 checks, workers 1..8", file=sys.stderr)
        return 2
    if args.runs_per_worker is not None and not 1 <= args.runs_per_worker <= 8:
        print("bench_checks: --runs-per-worker is 1..8", file=sys.stderr)
        return 2
    if args.polling_interval is not None and not 0.01 <= args.polling_interval <= 10:
        print("bench_checks: --polling-interval is 0.01..10 seconds", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("bench_checks: the dev hub runs users under their own uids: run it as root", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`cmd &`)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)

    bank = None
    try:
        backend = resolve_backend(args.backend)
        extra_env: dict[str, str] = {}
        if args.synthetic_20:
            bank = Path(tempfile.mkdtemp(prefix="qa-arena-bench-bank-"))
            problem, tests = synthetic_problem(bank)
            tied = [problem.slug]
            extra_env["QA_ARENA_PROBLEMS"] = f"{bank}:{ROOT / 'problems'}"
        else:
            problem, tied = largest_problem(ROOT / "problems")
            tests = (problem.reference_tests or problem.root / "reference_tests.py").read_text()
        queues = list(dict.fromkeys(args.queues))
        console.print(
            f"problem [bold]{problem.slug}[/bold]: [bold]{len(problem.mutants)} mutants[/bold], "
            f"{len(problem.correct_variants)} correct variants; backend {backend}; queues {', '.join(queues)}; "
            f"bursts {bursts}; workers {sorted(set(args.workers))}; {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.2f}"
        )
        meta = {
            "problem": problem.slug,
            "mutants": len(problem.mutants),
            "tied": tied,
            "tests": "bench_judge.py's 16-case suite" if args.synthetic_20 else "its reference tests",
            "backend": backend,
            "queues": queues,
            "polling_interval_s": args.polling_interval or 0.2,
            "runs_per_worker": args.runs_per_worker or 2,
            "via": "direct to the service" if args.via == "direct" else "through the hub's proxy",
            "cores": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "client_timeout_s": CLIENT_TIMEOUT_S,
            "expected_score": EXPECTED_SCORE,
        }
        runs = []
        for queue in queues:
            runs += measure(queue, args, problem, tests, extra_env, backend, out)
        ratios, target, notes = report(runs, meta)
        (out / "checks.json").write_text(
            json.dumps({"meta": meta, "runs": runs, "ratios": ratios, "target": target, "findings": notes}, indent=1)
        )
        plot(runs, meta, out / "checks.png")
        console.print(f"results: {out / 'checks.json'}, plot: {out / 'checks.png'}")
        return 0 if all(r["summary"]["ok"] == r["summary"]["checks"] for r in runs) else 1
    except BenchError as exc:
        console.print(f"[red]bench_checks: {exc}[/red]")
        return 2
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: everything it started is stopped[/yellow]")
        return 130
    finally:
        if bank is not None:
            shutil.rmtree(bank, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
