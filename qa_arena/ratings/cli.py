"""`qa-arena ratings add|list|export`: record a student's rating of their feedback; staff list and export them.

Exit codes: 0 done; 2 bad input (stars not 1-5, a comment too long, a submission that is not the
user's or not graded, an output path that cannot be written), reported in one line. The notebook
client and the feedback page will call ``RatingStore.add`` directly, with the same checks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from qa_arena.command import BadInput, load_config


def add_parsers(subparsers) -> None:
    """Register `ratings` (add, list, export) on the `qa-arena` subparsers."""
    ratings = subparsers.add_parser(
        "ratings",
        help="students' ratings of their feedback (1-5 stars and a comment)",
        description="Ratings live in the submissions database: $QA_ARENA_DB_URL or c.SubmissionStore.db_url.",
    )
    actions = ratings.add_subparsers(dest="action", required=True)

    add = actions.add_parser(
        "add",
        help="rate the feedback shown for one of your submissions (a second rating replaces the first)",
    )
    add.add_argument("submission", metavar="SUBMISSION_ID", help="the id `qa-arena submit` printed")
    add.add_argument("--user", help="who rates: the submission's owner (default: $JUPYTERHUB_USER, else the login)")
    add.add_argument("--stars", required=True, metavar="N", help="1 (useless) to 5 (very helpful)")
    add.add_argument("--comment", help="optional, at most 2000 characters")
    add.add_argument("--feedback-text", required=True, metavar="TEXT", help="the feedback shown ('-': read stdin)")
    add.add_argument("--feedback-source", required=True, choices=["ai", "fallback"], help="who wrote it")
    add.add_argument("--feedback-model", metavar="MODEL", help="the model that wrote it (required for ai)")
    add.add_argument("--feedback-reason", metavar="REASON", help="why the fallback was used (fallback only)")
    add.add_argument("--json", action="store_true", help="print the stored rating as JSON")
    add.set_defaults(func=cmd_ratings_add)

    listing = actions.add_parser("list", help="all ratings, oldest first (staff)")
    listing.add_argument("--problem", help="only this problem's slug")
    listing.add_argument("--json", action="store_true", help="a JSON array, with the feedback texts")
    listing.set_defaults(func=cmd_ratings_list)

    export = actions.add_parser("export", help="write all ratings to a CSV file (staff)")
    export.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file to write (atomically)")
    export.add_argument("--problem", help="only this problem's slug")
    export.set_defaults(func=cmd_ratings_export)


def _store(args: argparse.Namespace):
    from qa_arena.ratings.store import RatingStore

    return RatingStore(config=load_config(getattr(args, "config", None)))


def cmd_ratings_add(args: argparse.Namespace) -> int:
    import getpass

    from qa_arena.ai.base import AIFeedback
    from qa_arena.ratings.validate import RatingError

    text = sys.stdin.read() if args.feedback_text == "-" else args.feedback_text
    feedback = AIFeedback(
        text, args.feedback_source, reason=args.feedback_reason or "", model=args.feedback_model or ""
    )
    user = args.user or os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
    try:
        saved = _store(args).add(args.submission, user, args.stars, feedback, args.comment)
    except RatingError as exc:
        raise BadInput(str(exc)) from exc
    if args.json:
        print(json.dumps({**saved.row.to_dict(), "replaced": saved.replaced}, indent=2))
    else:
        verb = "replaced the earlier rating" if saved.replaced else "rated"
        print(f"{verb}: submission {saved.row.submission_id} ({saved.row.problem}), {saved.row.stars} stars")
    return 0


def cmd_ratings_list(args: argparse.Namespace) -> int:
    rows = _store(args).rows(problem=args.problem)
    if args.json:
        print(json.dumps([row.to_dict() for row in rows], indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table("rated at (UTC)", "user", "problem", "submission", "stars", "feedback", "comment")
    for row in rows:  # Text(): students' words are never read as rich markup
        source = f"ai: {row.feedback_model}" if row.feedback_source == "ai" else "fallback"
        if row.feedback_reason:
            source += f" ({row.feedback_reason})"
        comment = " ".join((row.comment or "").split())
        table.add_row(
            row.rated_at.strftime("%Y-%m-%d %H:%M"),
            Text(row.username),
            Text(row.problem),
            str(row.submission_id)[:8],
            "★" * row.stars,
            Text(source),
            Text(comment[:80] + ("…" if len(comment) > 80 else "")),
        )
    console = Console()
    console.print(table)
    console.print(f"{len(rows)} rating(s)" + (f" of {args.problem}" if args.problem else ""), markup=False)
    return 0


def cmd_ratings_export(args: argparse.Namespace) -> int:
    from qa_arena.ratings.export import RatingExport

    out = Path(args.out)
    if out.is_dir():
        raise BadInput(f"--out {out} is a directory: name the file to write")
    store = _store(args)
    rows = store.rows(problem=args.problem)
    try:
        RatingExport(parent=store).write(rows, out)
    except OSError as exc:
        raise BadInput(f"cannot write {out}: {exc.strerror or exc}") from exc
    print(f"wrote {out} ({len(rows)} ratings)")
    return 0
