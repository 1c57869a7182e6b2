"""The `qa-arena` command: one table of subcommands, each defined next to the code it drives.

A subcommand module has `add_parsers(subparsers)`, which adds its parsers and sets `func` on each; the
function returns the exit code. What commands share (errors, config, the judge) is in `qa_arena.command`.
Exit codes: 0 done, 1 the grader or a step could not finish (ERROR), 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from qa_arena.command import CONFIG_FILE, EXIT_BAD_INPUT, BadInput

# In the order `qa-arena --help` lists them.
SUBCOMMANDS = [
    "qa_arena.judge_cli",  # judge, problems validate
    "qa_arena.ai.cli",  # feedback
    "qa_arena.exports.cli",  # export ...
    "qa_arena.service.cli",  # serve, worker, submit, ...
    "qa_arena.checks.cli",  # checks ...
    "qa_arena.ratings.cli",  # ratings ...
    "qa_arena.experiments.cli",  # experiment ...
    "qa_arena.mutation.cli",  # mutants generate|accept
    "qa_arena.course.cli",  # course ..., demo
    "qa_arena.hub.cli",  # hub
    "qa_arena.lms.cli",  # lms register|jwks|roster|link|push|status
    "qa_arena.image_cli",  # image build
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa-arena", description="QA Arena: grade pytest suites with mutants.")
    parser.add_argument("--config", help=f"traitlets config file (default: $QA_ARENA_CONFIG or ./{CONFIG_FILE})")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        import_module(module).add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BadInput as exc:
        print(f"qa-arena: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
