"""`qa-arena feedback PROBLEM_DIR TESTS`: grade like `qa-arena judge --student`, then add AI feedback.

Exit codes as for `qa-arena judge`: 0 graded, 1 the grader could not grade (ERROR), 2 bad input.
The AI text never changes the score; its section says where it came from (the model, or the
offline hints and why).
"""

from __future__ import annotations

import argparse
import sys

from qa_arena.command import EXIT_ERROR, EXIT_OK, load_inputs, make_judge
from qa_arena.grading.student_view import render_student
from qa_arena.grading.verdict import ERROR


def add_parsers(subparsers) -> argparse.ArgumentParser:
    """Register `feedback` on the `qa-arena` subparsers."""
    parser = subparsers.add_parser(
        "feedback",
        help="grade a test file or notebook and explain, with AI help, what the tests miss",
        description="Grade like `judge --student`, then add feedback from a chat model ($OPENAI_API_KEY, "
        "$OPENAI_BASE_URL, $QA_ARENA_OPENAI_MODEL), or offline hints when the model cannot be used.",
    )
    parser.add_argument("problem", help="problem directory")
    parser.add_argument("tests", help="a .py test file, or an .ipynb with a tests cell")
    parser.add_argument("--backend", help="sandbox: docker, local, auto (default: auto)")
    parser.set_defaults(func=cmd_feedback)
    return parser


def cmd_feedback(args: argparse.Namespace) -> int:
    from qa_arena.ai.openai_provider import OpenAIFeedback

    problem, tests = load_inputs(args)
    judge = make_judge(args)
    provider = OpenAIFeedback(config=judge.config)
    verdict = judge.grade(problem, tests)
    out = render_student(verdict, problem, tests)
    feedback = provider.explain(problem, verdict, tests)
    out += f"\n{feedback.label}\n{feedback.text}\n"
    sys.stdout.write(out)
    return EXIT_ERROR if verdict.status == ERROR else EXIT_OK
