"""`qa-arena worker` and `qa-arena submit`: run grading workers, queue suites and wait for verdicts.

Exit codes as for `qa-arena judge`: 0 graded (SUCCESS or FAILURE), 1 the grader could not grade
(ERROR, or no verdict before --timeout, or the database could not take the job), 2 bad input
(an unknown slug, unreadable tests, a bad option), with a one-line reason.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys

from qa_arena.command import EXIT_ERROR, EXIT_OK, BadInput, load_config
from qa_arena.environment import retired_in_use

SANDBOX_ENV = "QA_ARENA_SANDBOX"


def add_parsers(subparsers) -> None:
    """Register `worker` and `submit` on the `qa-arena` subparsers."""
    worker = subparsers.add_parser(
        "worker",
        help="run a grading worker: take queued submissions from the database and grade them",
        description="Grade queued submissions. Database (also the queue): $QA_ARENA_DB_URL (default: a SQLite "
        "file in the user's cache); problems: $QA_ARENA_PROBLEMS (':'-separated). Several workers, on one "
        "host or several, may share a PostgreSQL database. SIGTERM: finish the jobs under way, then exit.",
    )
    worker.add_argument(
        "--backend",
        help=f"sandbox: docker, local, auto or a dotted Sandbox class (default: the config, else ${SANDBOX_ENV}, "
        "else auto)",
    )
    worker.add_argument("--concurrency", type=int, help="jobs at a time (default: c.JobQueue.concurrency, 1)")
    worker.add_argument(
        "--alive-file", metavar="PATH", help="touch PATH every second while the worker can grade (health checks)"
    )
    worker.add_argument("--loglevel", default="INFO", help="DEBUG, INFO, WARNING... (default: INFO)")
    worker.set_defaults(func=cmd_worker)

    submit = subparsers.add_parser(
        "submit",
        help="queue a test file or notebook for grading by the workers",
        description="Queue tests for a problem of the bank; print the submission id, or with --wait the verdict.",
    )
    submit.add_argument("slug", help="the problem's slug (looked up in $QA_ARENA_PROBLEMS / c.ProblemBank.paths)")
    submit.add_argument("tests", help="a .py test file, or an .ipynb with a tests cell")
    submit.add_argument("--user", default=None, help="who submits (default: $JUPYTERHUB_USER, else the login)")
    submit.add_argument("--wait", action="store_true", help="wait for the verdict")
    submit.add_argument("--json", action="store_true", help="print JSON (with --wait: the judge's JSON + id, times)")
    submit.add_argument("--timeout", type=float, default=900.0, help="seconds to wait with --wait (default 900)")
    submit.set_defaults(func=cmd_submit)


def _config(args: argparse.Namespace):
    """The traitlets config, with the sandbox backend from --backend applied (over the config file's, which is
    over $QA_ARENA_SANDBOX's)."""
    from qa_arena.grading.sandbox import resolve_sandbox_class

    config = load_config(getattr(args, "config", None))
    backend = getattr(args, "backend", None)
    if backend:
        config.Judge.sandbox_class = backend
    name = config.Judge.get("sandbox_class", "auto")
    if name != "auto":
        try:
            resolve_sandbox_class(name)
        except (ValueError, ImportError, AttributeError) as exc:
            raise BadInput(f"sandbox {name!r}: {exc}") from exc
    return config


def cmd_worker(args: argparse.Namespace) -> int:
    from qa_arena.service.service import GradingService
    from qa_arena.service.worker import run_worker

    for line in retired_in_use():
        print(f"qa-arena worker: warning: {line}", file=sys.stderr)
    config = _config(args)
    if args.concurrency is not None:
        if args.concurrency < 1:
            raise BadInput("--concurrency must be at least 1")
        config.JobQueue.concurrency = args.concurrency
    if "pool_size" not in config.DockerSandbox:
        # A worker lives long: keep one judge container started for the next job (the container start
        # is most of a cold grading's cost). Configurable like any DockerSandbox option.
        config.DockerSandbox.pool_size = 1
    return run_worker(GradingService(config=config), loglevel=args.loglevel.upper(), alive_file=args.alive_file)


def cmd_submit(args: argparse.Namespace) -> int:
    from qa_arena.grading.problem import ProblemError
    from qa_arena.grading.submission import SubmissionError, load_tests
    from qa_arena.service.models import ERROR, FINAL
    from qa_arena.service.service import GradingService, QueueError

    try:
        source = load_tests(args.tests)
    except SubmissionError as exc:
        raise BadInput(str(exc)) from exc
    service = GradingService(config=_config(args))
    user = args.user or os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
    try:
        submission = service.submit(user, args.slug, source)
    except ProblemError as exc:
        raise BadInput(str(exc)) from exc
    except QueueError as exc:
        print(f"qa-arena: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if not args.wait:
        print(json.dumps({**submission.phases(), "status": submission.status}) if args.json else submission.id)
        return EXIT_OK
    submission = service.wait(submission.id, args.timeout)
    if submission.status not in FINAL:
        if args.json:
            print(json.dumps({"status": submission.status, **submission.phases()}, indent=2))
        print(f"qa-arena: no verdict after {args.timeout:g} s (still {submission.status})", file=sys.stderr)
        return EXIT_ERROR
    verdict = submission.verdict or {}
    if args.json:
        print(json.dumps({**verdict, **submission.phases()}, indent=2))
    else:
        score = verdict.get("score")
        shown = "—" if score is None else f"{score:g}"
        print(
            f"{submission.id}: {submission.status}, score {shown}, killed {verdict.get('killed', 0)}/"
            f"{verdict.get('total', 0)}, {submission.attempts} attempt(s)"
        )
        if verdict.get("message"):
            print(verdict["message"])
    return EXIT_ERROR if submission.status == ERROR else EXIT_OK
