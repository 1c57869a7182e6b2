"""`qa-arena judge` and `qa-arena problems validate`: the grading core, from the command line.

Exit codes of `qa-arena judge`: 0 when grading finished (SUCCESS or FAILURE), 1 when the grader could not
grade (ERROR), 2 on bad input, with a one-line reason.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from qa_arena.command import EXIT_ERROR, EXIT_OK, BadInput, load_inputs, make_judge
from qa_arena.grading.verdict import ERROR


def add_parsers(sub) -> None:
    judge = sub.add_parser("judge", help="grade a test file or notebook against a problem")
    judge.add_argument("problem", help="problem directory")
    judge.add_argument("tests", help="a .py test file, or an .ipynb with a tests cell")
    judge.add_argument("--backend", help="sandbox: docker, local, auto (default: auto)")
    judge.add_argument("--matrix", action="store_true", help="run every valid test on every mutant")
    view = judge.add_mutually_exclusive_group()
    view.add_argument("--json", action="store_true", help="print the verdict as one JSON object")
    view.add_argument("--student", action="store_true", help="print only what the student may see")
    judge.set_defaults(func=cmd_judge)

    problems = sub.add_parser("problems", help="work with the problem bank").add_subparsers(
        dest="action", required=True
    )
    validate = problems.add_parser("validate", help="check problems against their reference tests")
    validate.add_argument("dirs", nargs="+", metavar="DIR")
    validate.add_argument("--backend", help="sandbox: docker, local, auto (default: auto)")
    validate.add_argument(
        "--rewrite-seeds",
        type=int,
        default=20,
        metavar="N",
        help="rewrites of each variant (twins, for the golden) checked on the reference tests (default 20; 0: none)",
    )
    validate.set_defaults(func=cmd_validate)


def cmd_judge(args) -> int:
    problem, tests = load_inputs(args)
    verdict = make_judge(args).grade(problem, tests, matrix=args.matrix)
    if args.json:
        print(json.dumps(verdict.to_dict(), indent=2))
    elif args.student:
        from qa_arena.grading.student_view import render_student

        sys.stdout.write(render_student(verdict, problem, tests))
    else:
        print_staff_summary(verdict)
    return EXIT_ERROR if verdict.status == ERROR else EXIT_OK


def print_staff_summary(verdict) -> None:
    console = Console()
    score = "—" if verdict.score is None else f"{verdict.score:g}"
    console.print(
        f"[bold]{verdict.problem}[/bold]: {verdict.status}, score {score}, "
        f"killed {verdict.killed}/{verdict.total}, {verdict.valid_tests} valid tests, "
        f"{verdict.duration_s:.2f} s"
    )
    if verdict.message:
        console.print(verdict.message)
    table = Table("variant", "kind", "outcome", "killed by", "s")
    for v in verdict.variants:
        table.add_row(
            v.id, v.kind, v.outcome, ", ".join(t.split("::")[-1] for t in v.killed_by[:3]), f"{v.duration_s:.2f}"
        )
    console.print(table)
    for test in verdict.invalid_tests:
        console.print(f"invalid: {test.name} (fails on {test.failed_on}) {test.reason}")


def cmd_validate(args) -> int:
    from rich.progress import track

    from qa_arena.grading.validate import validate_problem

    judge = make_judge(args)
    console = Console(stderr=False)
    for path in args.dirs:
        if not Path(path).is_dir():
            raise BadInput(f"{path}: not a directory")
    reports = [
        validate_problem(path, judge, max(args.rewrite_seeds, 0))
        for path in track(args.dirs, description="validating", transient=True, disable=len(args.dirs) < 2)
    ]
    for report in reports:
        mark = "[green]ok[/green]" if report.ok else "[red]INVALID[/red]"
        console.print(f"{'[red]ERROR[/red]' if report.grader_error else mark} {report.slug or report.path}")
        if report.grader_error:
            console.print(f"  the grader could not run: {report.grader_error}", markup=False)
        for error in report.errors:
            console.print(f"  error: {error}", markup=False)
        for warning in report.warnings:
            console.print(f"  warning: {warning}", markup=False)
    return EXIT_OK if all(r.ok for r in reports) else EXIT_ERROR
