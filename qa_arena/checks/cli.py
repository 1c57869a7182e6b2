"""`qa-arena check-service` (run by the Hub as a managed service) and `qa-arena stats` (staff).

Exit codes: 0 done; 2 bad input (a bad date, an unwritable plot path) in one line.
"""

from __future__ import annotations

import argparse
import json
import logging
from datetime import UTC, datetime

from qa_arena.command import BadInput, load_config


def add_parsers(subparsers) -> None:
    serve = subparsers.add_parser(
        "check-service",
        help="serve instant checks for notebooks (a JupyterHub service, at /services/qa-arena/)",
        description="Started by the Hub (jupyterhub_config.py registers it): reads JUPYTERHUB_SERVICE_URL, "
        "JUPYTERHUB_SERVICE_PREFIX and JUPYTERHUB_API_TOKEN. Checks are queued in the "
        "workers' database ($QA_ARENA_DB_URL): run `qa-arena worker` too.",
    )
    serve.add_argument("--debug", action="store_true", help="debug logs, tracebacks in error answers")
    serve.set_defaults(func=cmd_check_service)

    stats = subparsers.add_parser(
        "stats",
        help="course statistics: submissions, scores, error and invalid-test rates, mutant survival, latency",
        description="Read from the submissions database ($QA_ARENA_DB_URL or c.SubmissionStore.db_url).",
    )
    stats.add_argument("--problem", help="only this problem's slug")
    stats.add_argument("--since", help="only submissions queued from this ISO date or time (UTC unless it says)")
    stats.add_argument("--json", action="store_true", help="print the statistics as JSON")
    stats.add_argument("--plot", metavar="FILE.png", help="also draw each mutant's survival rate, per problem")
    stats.set_defaults(func=cmd_stats)


def cmd_check_service(args: argparse.Namespace) -> int:
    import asyncio

    from qa_arena.checks.app import CheckService, serve
    from qa_arena.checks.events import configure_logging

    configure_logging(logging.DEBUG if args.debug else logging.INFO)
    config = load_config(getattr(args, "config", None))
    if args.debug:
        config.CheckService.debug = True
    service = CheckService(config=config, log=logging.getLogger("qa_arena.checks"))
    asyncio.run(serve(service))
    return 0


def _since(value: str | None) -> datetime | None:

    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"--since {value!r} is not an ISO date or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cmd_stats(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from qa_arena.checks.stats import service_stats
    from qa_arena.service.store import SubmissionStore

    store = SubmissionStore(config=load_config(getattr(args, "config", None)))
    stats = service_stats(store, args.problem, _since(args.since))
    store.dispose()
    if args.plot:
        plot_survival(stats, args.plot)
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0

    def show(value, percent: bool = False) -> str:
        if value is None:
            return "—"
        return f"{100 * value:.1f} %" if percent else f"{value:g}"

    console = Console()
    table = Table(title=f"{stats['submissions']} submissions, {stats['checks']} checks")
    for column in ("problem", "submissions", "checks", "students", "average score", "errors", "invalid tests"):
        table.add_column(column, justify="left" if column == "problem" else "right")
    for row in stats["problems"]:
        counts = [str(row[key]) for key in ("submissions", "checks", "students")]
        rates = [show(row["error_rate"], True), show(row["invalid_test_rate"], True)]
        table.add_row(row["problem"], *counts, show(row["average_score"]), *rates)
    console.print(table)
    mutants = Table(title="Mutant survival (share of valid suites that miss it)")
    for column in ("problem", "mutant", "suites", "survival"):
        mutants.add_column(column, justify="right" if column in ("suites", "survival") else "left")
    for row in stats["problems"]:
        for mutant in row["mutants"]:
            mutants.add_row(
                row["problem"], mutant["mutant"], str(mutant["graded"]), show(mutant["survival_rate"], True)
            )
    console.print(mutants)
    gain, latency = stats["check_to_submit"], stats["queue_latency_s"]
    console.print(
        f"Check to submit: {gain['students']} student-problem pairs, first check {show(gain['first_check_score'])}, "
        f"final {show(gain['final_score'])}, mean gain {show(gain['mean_gain'])}"
    )
    console.print(
        f"Queue latency (s, {latency['n']} jobs): p50 {show(latency['p50'])}, p95 {show(latency['p95'])}, "
        f"p99 {show(latency['p99'])}, max {show(latency['max'])}"
    )
    return 0


def plot_survival(stats: dict, path: str) -> None:
    """A horizontal bar per mutant: the share of valid suites that let it survive."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{p['problem']}/{m['mutant']}" for p in stats["problems"] for m in p["mutants"]]
    rates = [100 * (m["survival_rate"] or 0) for p in stats["problems"] for m in p["mutants"]]
    figure, axes = plt.subplots(figsize=(8, max(2.0, 0.3 * len(labels) + 1)))
    axes.barh(labels or ["(no graded suites)"], rates or [0], color="#c0392b")
    axes.set_xlabel("suites that miss the mutant (%)")
    axes.set_xlim(0, 100)
    axes.invert_yaxis()
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=120)
    except OSError as exc:
        raise BadInput(f"--plot {path}: {exc.strerror or exc}") from exc
    finally:
        plt.close(figure)
