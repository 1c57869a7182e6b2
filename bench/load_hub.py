"""Load test: many students hitting the hub's API and the check service at once (calls that do not grade).

Every simulated student has a token and a connection of its own; all start together (the bell rings)
and send their requests one after another, round-robin over

  GET /hub/api/               the hub's version (what a page polls; no token needed)
  GET /hub/api/user           who am I (every JupyterLab page asks the hub this)
  GET /hub/api/users/NAME     the student's own model (server status)
  GET /services/qa-arena/api/checks   the check service (through the hub's proxy): the student's checks
  GET /services/qa-arena/             its page: the student's checks with their feedback

with an optional think time between requests. Prints p50/p95/p99 latency and the error rate per
endpoint and overall, a PASS/FAIL line against the targets (p95 < 200 ms, error rate < 0.1 %), and
writes a plot of the latency distribution (OUT/load_hub.png) and the numbers (OUT/load_hub.json).

    .venv/bin/python bench/load_hub.py [--students 100] [--requests 30] [--think-ms 1000] [--max-seconds 60]
    .venv/bin/python bench/load_hub.py --url http://127.0.0.1:8000 --token ADMIN_TOKEN [--users alice,bob]

Without --url it starts a dev hub of its own (`qa-arena hub` on a free loopback port, a state directory
under /tmp, one demo account per student) and stops it afterwards, leaving no process behind. With
--url it uses a running hub: the token must be an admin's (the dev hub's QA_ARENA_ADMIN_TOKEN) to make
one token per simulated student for the given users (round-robin); those tokens are deleted at the end.

Bounded: loopback addresses only, at most 1000 students, 100 000 requests and 600 s; each request
times out after 10 s; the run stops at --max-seconds whatever is left. Exit codes: 0 PASS, 1 FAIL,
2 bad input or no hub.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import os
import random
import signal
import socket
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

import aiohttp
import numpy as np
from devhub import BenchError, DevHub, api, saved_figure

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 200.0
TARGET_ERROR_RATE = 0.001  # 0.1 %
MAX_STUDENTS, MAX_TOTAL_REQUESTS, MAX_SECONDS = 1000, 100_000, 600
REQUEST_TIMEOUT_S = 10
HUB_START_TIMEOUT_S = 180
ENDPOINTS = (
    "/hub/api/",
    "/hub/api/user",
    "/hub/api/users/{name}",
    "/services/qa-arena/api/checks",
    "/services/qa-arena/",
)
CHECK_SERVICE_NOTE = (
    "Instant checks (grading) are not measured here: bench/bench_checks.py measures them. "
    "These numbers are the hub's API and the check service's reads."
)


@dataclass
class Sample:
    endpoint: str
    student: int
    started: float  # seconds since the bell
    latency_ms: float
    status: int  # HTTP status; 0 when the request failed (timeout, connection error)
    first: bool  # the student's first request: opens its connection, first use of its token
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


# -- the hub ------------------------------------------------------------------------------------------
def loopback_only(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise BenchError(f"--url {url!r}: give http://HOST:PORT")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parsed.hostname, parsed.port or 80)}
    except socket.gaierror as exc:
        raise BenchError(f"--url {url!r}: {exc}") from exc
    if not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise BenchError(f"--url {url!r}: this load test only runs against loopback addresses (127.0.0.1, ::1)")
    return url.rstrip("/")


async def make_tokens(session, url: str, admin_token: str, users: list[str]) -> list[tuple[str, str, str]]:
    """(user, token, token id) per simulated student, made with the admin token."""

    async def one(user: str) -> tuple[str, str, str]:
        status, body = await api(
            session,
            "POST",
            f"{url}/hub/api/users/{user}/tokens",
            admin_token,
            json={"note": "qa-arena load test", "expires_in": 3600},
        )
        if status != 201:
            raise BenchError(f"could not make a token for {user}: HTTP {status} {str(body)[:300]}")
        return user, body["token"], body["id"]

    return list(await asyncio.gather(*(one(u) for u in users)))


async def delete_tokens(session, url: str, admin_token: str, tokens: list[tuple[str, str, str]]) -> None:
    async def one(user: str, token_id: str) -> None:
        with contextlib.suppress(TimeoutError, aiohttp.ClientError):
            await api(session, "DELETE", f"{url}/hub/api/users/{user}/tokens/{token_id}", admin_token)

    await asyncio.gather(*(one(user, token_id) for user, _, token_id in tokens))


async def existing_users(session, url: str, admin_token: str) -> list[str]:
    status, body = await api(session, "GET", f"{url}/hub/api/users", admin_token)
    if status != 200:
        raise BenchError(f"GET /hub/api/users with --token: HTTP {status} (an admin token is needed)")
    return [u["name"] for u in body if not u.get("admin")]


# -- the load -----------------------------------------------------------------------------------------
async def student(
    number: int,
    user: str,
    token: str,
    url: str,
    requests: int,
    think_s: float,
    bell: asyncio.Event,
    t0: list[float],
    deadline: list[float],
    samples: list[Sample],
) -> None:
    """One student: its own connection, `requests` GETs one after another, round-robin over ENDPOINTS."""
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    headers = {"Authorization": f"token {token}"}
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
        await bell.wait()
        for k in range(requests):
            if time.perf_counter() >= deadline[0]:
                return
            endpoint = ENDPOINTS[(number + k) % len(ENDPOINTS)]
            start = time.perf_counter()
            status, error = 0, ""
            try:
                async with session.get(url + endpoint.format(name=user)) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                error = type(exc).__name__
            elapsed = time.perf_counter() - start
            samples.append(Sample(endpoint, number, start - t0[0], elapsed * 1000, status, k == 0, error))
            if think_s:
                await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)


async def run_load(
    url: str, tokens: list[tuple[str, str, str]], requests: int, think_s: float, max_seconds: float
) -> tuple[list[Sample], float]:
    samples: list[Sample] = []
    bell = asyncio.Event()
    t0, deadline = [0.0], [0.0]
    tasks = [
        asyncio.create_task(student(i, user, token, url, requests, think_s, bell, t0, deadline, samples))
        for i, (user, token, _) in enumerate(tokens)
    ]
    await asyncio.sleep(0.2)  # every student's session is open
    t0[0] = time.perf_counter()
    deadline[0] = t0[0] + max_seconds
    bell.set()
    _done, pending = await asyncio.wait(tasks, timeout=max_seconds + REQUEST_TIMEOUT_S + 5)
    for task in pending:
        task.cancel()
    return samples, time.perf_counter() - t0[0]


# -- the report ---------------------------------------------------------------------------------------
def stats(samples: list[Sample]) -> dict:
    latencies = np.array([s.latency_ms for s in samples]) if samples else np.array([0.0])
    errors = sum(not s.ok for s in samples)
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    return {
        "requests": len(samples),
        "errors": errors,
        "error_rate": errors / len(samples) if samples else 1.0,
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
        "max_ms": float(latencies.max()),
        "mean_ms": float(latencies.mean()),
    }


def report(samples: list[Sample], wall_s: float, args, hub_label: str) -> dict:
    overall = stats(samples)
    per_endpoint = {e: stats([s for s in samples if s.endpoint == e]) for e in ENDPOINTS}
    opening, rest = stats([s for s in samples if s.first]), stats([s for s in samples if not s.first])
    error_kinds: dict[str, int] = {}
    for s in samples:
        if not s.ok:
            kind = s.error or f"HTTP {s.status}"
            error_kinds[kind] = error_kinds.get(kind, 0) + 1
    planned = args.students * args.requests
    passed = overall["p95_ms"] < TARGET_P95_MS and overall["error_rate"] < TARGET_ERROR_RATE and samples
    summary = {
        "students": args.students,
        "requests_per_student": args.requests,
        "think_ms": args.think_ms,
        "planned_requests": planned,
        "wall_s": wall_s,
        "throughput_rps": len(samples) / wall_s if wall_s else 0.0,
        "overall": overall,
        "per_endpoint": per_endpoint,
        "first_requests": opening,
        "after_first_requests": rest,
        "error_kinds": error_kinds,
        "targets": {"p95_ms": TARGET_P95_MS, "error_rate": TARGET_ERROR_RATE},
        "result": "PASS" if passed else "FAIL",
        "hub": hub_label,
        "check_service": "its reads (the student's checks, its page) are measured; grading is bench_checks.py's",
    }

    print(
        f"\n{args.students} students x {args.requests} requests, think time {args.think_ms:g} ms, "
        f"all starting together; hub: {hub_label}"
    )
    print(
        f"sent {len(samples)} of {planned} planned requests in {wall_s:.2f} s: "
        f"{summary['throughput_rps']:.0f} requests/s"
        + ("" if len(samples) == planned else f" (stopped at --max-seconds {args.max_seconds:g})")
    )
    width = max(map(len, ENDPOINTS)) + 2
    header = f"{'endpoint':<{width}}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    print(header)
    print("-" * len(header))
    for name, row in [*per_endpoint.items(), ("all", overall)]:
        print(
            f"{name:<{width}}{row['requests']:>9}{row['errors']:>8}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
            f"{row['p99_ms']:>9.1f}{row['max_ms']:>9.1f}"
        )
    for name, row in (("first requests", opening), ("the rest", rest)):
        print(
            f"  {name + ':':<{width - 2}}{row['requests']:>9}{row['errors']:>8}{row['p50_ms']:>9.1f}"
            f"{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['max_ms']:>9.1f}"
        )
    print(
        "  (first requests: every student's first, all at the bell: a new connection, and the hub records the "
        "token's first activity in its database)"
    )
    if error_kinds:
        print("errors: " + ", ".join(f"{kind} x{count}" for kind, count in sorted(error_kinds.items())))
    p95, rate = overall["p95_ms"], overall["error_rate"]
    print(
        f"p95 latency {p95:.1f} ms / target {TARGET_P95_MS:.0f} ms = {p95 / TARGET_P95_MS:.2f} of the budget; "
        f"p95/p50 = {p95 / overall['p50_ms']:.1f}"
        if overall["p50_ms"]
        else f"p95 latency {p95:.1f} ms"
    )
    print(
        f"error rate {overall['errors']}/{overall['requests']} = {rate * 100:.3f} % / target "
        f"< {TARGET_ERROR_RATE * 100:.1f} %"
    )
    print(CHECK_SERVICE_NOTE)
    verdict = "PASS" if passed else "FAIL"
    print(
        f"{verdict}: p95 {p95:.1f} ms {'<' if p95 < TARGET_P95_MS else '>='} {TARGET_P95_MS:.0f} ms, "
        f"error rate {rate * 100:.3f} % {'<' if rate < TARGET_ERROR_RATE else '>='} {TARGET_ERROR_RATE * 100:.1f} %"
    )
    return summary


def plot(samples: list[Sample], summary: dict, path: Path) -> None:
    overall = summary["overall"]
    title = (
        f"Hub API and check service under load: {summary['students']} students, {overall['requests']} requests, "
        f"{overall['errors']} errors, {summary['throughput_rps']:.0f} req/s — {summary['result']}"
    )
    with saved_figure(path, title, 3, (17, 4.6)) as (hist, cdf, timeline):
        every = np.array([s.latency_ms for s in samples]) if samples else np.array([1.0])
        low, high = max(every.min(), 0.1), max(every.max(), TARGET_P95_MS * 1.2)
        bins = np.logspace(np.log10(low), np.log10(high), 50)
        hist.hist(
            [[s.latency_ms for s in samples if s.endpoint == e] for e in ENDPOINTS],
            bins=bins,
            stacked=True,
            label=list(ENDPOINTS),
        )
        hist.set_xscale("log")
        hist.set_xlabel("latency (ms, log scale)")
        hist.set_ylabel("requests")
        hist.legend(fontsize=8)
        ordered = np.sort(every)
        cdf.plot(ordered, np.arange(1, len(ordered) + 1) / len(ordered), color="#333")
        cdf.set_xscale("log")
        cdf.set_xlabel("latency (ms, log scale)")
        cdf.set_ylabel("fraction of requests")
        for ax in (hist, cdf):
            ax.axvline(overall["p50_ms"], color="#2a7", linestyle="--", label=f"p50 {overall['p50_ms']:.1f} ms")
            ax.axvline(overall["p95_ms"], color="#e80", linestyle="--", label=f"p95 {overall['p95_ms']:.1f} ms")
            ax.axvline(TARGET_P95_MS, color="#c22", label=f"p95 target {TARGET_P95_MS:.0f} ms")
        cdf.legend(fontsize=8, loc="lower right")
        for first, color, label in ((False, "#48c", "later requests"), (True, "#c22", "each student's first request")):
            chosen = [s for s in samples if s.first == first]
            timeline.scatter([s.started for s in chosen], [s.latency_ms for s in chosen], s=4, color=color, label=label)
        timeline.axhline(TARGET_P95_MS, color="#c22", linewidth=0.8)
        timeline.set_yscale("log")
        timeline.set_xlabel("seconds since all students started")
        timeline.set_ylabel("latency (ms, log scale)")
        timeline.legend(fontsize=8)


# -- main ---------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100, help="simulated students, all at once (default 100)")
    parser.add_argument("--requests", type=int, default=30, help="requests per student (default 30)")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=1000,
        help="mean pause between a student's requests, drawn uniformly from 0.5 to 1.5 times it (default 1000: "
        "about one request per second per student); 0 sends them back to back (the hub's saturation)",
    )
    parser.add_argument("--max-seconds", type=float, default=60, help="stop the load after this long (default 60)")
    parser.add_argument("--url", help="a running hub on loopback (default: start a dev hub for this run)")
    parser.add_argument("--token", default=os.environ.get("QA_ARENA_ADMIN_TOKEN"), help="its admin token")
    parser.add_argument("--users", help="with --url: comma-separated users to act as (default: every non-admin)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="where the plot and numbers go")
    args = parser.parse_args(argv)
    if not 1 <= args.students <= MAX_STUDENTS:
        raise BenchError(f"--students {args.students}: 1 to {MAX_STUDENTS}")
    if args.requests < 1 or args.students * args.requests > MAX_TOTAL_REQUESTS:
        raise BenchError(f"--requests {args.requests}: at least 1, at most {MAX_TOTAL_REQUESTS} in all")
    if not 0 < args.max_seconds <= MAX_SECONDS:
        raise BenchError(f"--max-seconds {args.max_seconds:g}: more than 0, at most {MAX_SECONDS}")
    if not 0 <= args.think_ms <= 10_000:
        raise BenchError(f"--think-ms {args.think_ms:g}: 0 to 10000")
    if args.url:
        args.url = loopback_only(args.url)
        if not args.token:
            raise BenchError("--url needs --token (an admin token, e.g. the dev hub's QA_ARENA_ADMIN_TOKEN)")
    return args


async def bench(args: argparse.Namespace, out: Path) -> dict:
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)  # clean up
    names = [f"student{i:03d}" for i in range(1, args.students + 1)]
    own = None
    if not args.url:
        own = DevHub(names, out / "load_hub-hub.log", prefix="qa-arena-load-hub-", start_timeout_s=HUB_START_TIMEOUT_S)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as admin:
        try:
            if own:
                own.start()
                print(f"starting a dev hub with {len(names)} student accounts at {own.url} (log: {own.log}) ...")
                # until the check service and the course's formgrader are up too (their start-up loads the machine)
                print(f"hub up in {await own.wait_until_up():.1f} s")
                url, token, users = own.url, own.admin_token, names
                label = f"{own.url} (a dev hub started for this run)"
            else:
                url, token, label = args.url, args.token, args.url
                try:
                    users = args.users.split(",") if args.users else await existing_users(admin, url, token)
                except aiohttp.ClientError as exc:
                    raise BenchError(f"{url}: {exc}") from exc
                if not users:
                    raise BenchError(f"{url} has no non-admin user to act as: give --users")
                users = [users[i % len(users)] for i in range(args.students)]
            tokens = await make_tokens(admin, url, token, users)
            try:
                samples, wall = await run_load(url, tokens, args.requests, args.think_ms / 1000, args.max_seconds)
            finally:
                await delete_tokens(admin, url, token, tokens)
        finally:
            if own:
                left = own.stop()
                if left:
                    print(f"warning: processes left by the hub were killed: {left}", file=sys.stderr)
    summary = report(samples, wall, args, label)
    (out / "load_hub.json").write_text(json.dumps(summary, indent=2))
    with (out / "load_hub-samples.csv").open("w") as csv:
        csv.write("endpoint,student,started_s,latency_ms,status,first,error\n")
        for s in samples:
            csv.write(",".join(str(v) for v in asdict(s).values()) + "\n")
    plot(samples, summary, out / "load_hub.png")
    print(f"plot: {out / 'load_hub.png'}; numbers: {out / 'load_hub.json'}")
    return summary


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        summary = asyncio.run(bench(args, out))
    except BenchError as exc:
        print(f"load_hub: {exc}", file=sys.stderr)
        return 2
    except (asyncio.CancelledError, KeyboardInterrupt):
        print("load_hub: interrupted (the hub it started is stopped)", file=sys.stderr)
        return 130
    return 0 if summary["result"] == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
