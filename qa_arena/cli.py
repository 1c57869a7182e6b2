"""The `qa-arena` command.

Exit codes of `qa-arena judge`: 0 when grading finished (SUCCESS or FAILURE), 1 when
the grader could not grade (ERROR), 2 on bad input, with a one-line reason.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from .ai.cli import add_feedback_parser
from .checks.cli import add_checks_parsers
from .course.setup import DEFAULT_COURSE_ID
from .experiments.cli import add_experiment_parser
from .exports.cli import add_export_parsers
from .hub.cli import add_hub_parser
from .judge import Judge
from .problem import ProblemError, load_problem
from .ratings.cli import add_ratings_parsers
from .service.cli import add_service_parsers
from .submission import SubmissionError, load_tests
from .verdict import ERROR

CONFIG_FILE = "qa_arena_config.py"
EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Bad input from the user: reported in one line, exit 2."""


def load_config(path: str | None) -> Config:
    """c.Judge.*, c.DockerSandbox.* ... from --config, $QA_ARENA_CONFIG or ./qa_arena_config.py."""
    path = path or os.environ.get("QA_ARENA_CONFIG") or (CONFIG_FILE if Path(CONFIG_FILE).is_file() else None)
    if not path:
        return Config()
    file = Path(path)
    if not file.is_file():
        raise BadInput(f"config file {path} not found")
    return PyFileConfigLoader(file.name, path=str(file.parent.resolve())).load_config()


def make_judge(args) -> Judge:
    config = load_config(args.config)
    if getattr(args, "backend", None):
        config.Judge.sandbox_class = args.backend
    return Judge(config=config)


def cmd_judge(args) -> int:
    try:
        problem = load_problem(args.problem)
        tests = load_tests(args.tests)
    except (ProblemError, SubmissionError) as exc:
        raise BadInput(str(exc)) from exc
    judge = make_judge(args)
    verdict = judge.grade(problem, tests, matrix=args.matrix)
    if args.json:
        print(json.dumps(verdict.to_dict(), indent=2))
    elif args.student:
        from .feedback import render_student

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

    from .validate import validate_problem

    judge = make_judge(args)
    console = Console(stderr=False)
    for path in args.dirs:
        if not Path(path).is_dir():
            raise BadInput(f"{path}: not a directory")
    reports = [
        validate_problem(path, judge)
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


def cmd_mutants_generate(args) -> int:
    from .mutation.generate import generate

    try:
        problem = load_problem(args.problem)
    except ProblemError as exc:
        raise BadInput(str(exc)) from exc
    console = Console()
    with console.status("proposing and screening mutants (reference tests in the sandbox, generated inputs)"):
        try:
            candidates, screening = generate(problem, make_judge(args), args.max, args.seed)
        except ProblemError as exc:
            raise BadInput(str(exc)) from exc
    kept = [c for c in candidates if c.status == "kept"]
    table = Table("candidate", "category", "line", "change", "killed by ref. tests", title=f"{problem.slug}: kept")
    for c in kept:
        table.add_row(c.name, c.category, str(c.line), c.change[:70], str(len(c.killed_by)))
    console.print(table)
    dropped = {}
    for c in candidates:
        if c.status != "kept":
            key = c.status.split(" of ")[0]
            dropped[key] = dropped.get(key, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in dropped.items())
    console.print(f"{len(candidates)} proposed; kept {len(kept)}; {summary}", soft_wrap=True)
    console.print(f"screened by {screening}; written to {problem.root / 'candidates'}", soft_wrap=True)
    surviving = [c.name for c in kept if not c.killed_by]
    if surviving:
        console.print(f"not killed by the reference tests (add tests for them): {', '.join(surviving)}", soft_wrap=True)
    return EXIT_OK


def cmd_mutants_accept(args) -> int:
    from .mutation.generate import accept

    try:
        for name in accept(Path(args.problem), args.names):
            print(f"accepted {name}: mutants/{name}.py (edit its hint in problem.toml)")
    except ProblemError as exc:
        raise BadInput(str(exc)) from exc
    return EXIT_OK


def cmd_course_init(args) -> int:
    from .course.setup import init_course

    try:
        config = init_course(Path(args.dir), args.course_id, [Path(p) for p in args.problems or []])
    except FileExistsError as exc:
        raise BadInput(str(exc)) from exc
    print(f"created {config}")
    return EXIT_OK


def cmd_course_build(args) -> int:
    from .course.setup import build_assignment, load_problems

    try:
        built = build_assignment(Path(args.course_dir), args.assignment, load_problems(args.problems))
    except (ProblemError, FileNotFoundError) as exc:
        raise BadInput(str(exc)) from exc
    for copied, notebook in built:
        if copied.change == "updated":
            print(f"updated the course's copy of {copied.slug} in {copied.path} (the problem changed)")
        elif copied.change == "added":
            print(f"copied {copied.slug} into {copied.path}")
        print(f"wrote {notebook}")
    return EXIT_OK


def cmd_course_regenerate(args) -> int:
    """Rebuild source/ and release/ of this repository's course from the problem bank."""
    from .course.assignments import ASSIGNMENTS
    from .course.runner import CourseRunner
    from .course.setup import build_assignment, load_problems

    root = Path(args.course_dir)
    runner = CourseRunner(root)
    from rich.progress import track

    for assignment, slugs in track(list(ASSIGNMENTS.items()), description="generating assignments"):
        build_assignment(root, assignment, load_problems([str(root / "problems" / s) for s in slugs]))
        runner.nbgrader("generate_assignment", assignment, "--force")
    print(f"regenerated {', '.join(ASSIGNMENTS)} in {root / 'source'} and {root / 'release'}")
    return EXIT_OK


def cmd_course_autograde(args) -> int:
    from .course.runner import CourseRunner, NbgraderError

    runner = CourseRunner(Path(args.course_dir))
    console = Console()
    try:
        with console.status(f"autograding {args.assignment} (nbgrader autograde; the judge grades tests cells)"):
            if args.collect:
                result = runner.collect_and_autograde(args.assignment)
            else:
                result = runner.autograde(args.assignment)
    except NbgraderError as exc:
        raise BadInput(str(exc)) from exc
    print_course_status(console, runner, args.assignment)
    return EXIT_OK if result.returncode == 0 else EXIT_ERROR


def print_course_status(console: Console, runner, assignment: str) -> None:
    from .course.diagnose import statuses

    config = runner.config()
    table = Table("student", "notebook", "status", "score /100", "points", "note", title=assignment)
    for row in statuses(runner.course_dir, config["db_url"], assignment, config["records_dir"]):
        score = "—" if row["score"] is None else f"{row['score']:g}"
        points = "—" if row["points"] is None else f"{row['points']:g}"
        table.add_row(row["student"], row["notebook"], row["status"], score, points, row["message"][:60])
    console.print(table)


def cmd_course_status(args) -> int:
    from .course.runner import CourseRunner

    print_course_status(Console(), CourseRunner(Path(args.course_dir)), args.assignment)
    return EXIT_OK


def cmd_demo(args) -> int:
    from .course.demo import run_demo

    run_demo(directory=Path(args.dir) if args.dir else None)
    return EXIT_OK


def cmd_image_build(args) -> int:
    from .images import ImageBuildError, build_all_images, build_judge_image

    console = Console(stderr=True)
    results, tag = None, None
    try:
        with console.status("building images") as status:
            if args.all or args.names:
                results = build_all_images(args.names or None, force=args.force, say=lambda m: status.update(m))
            else:
                tag = build_judge_image(args.tag, args.base_image, say=lambda msg: status.update(msg))
    except ImageBuildError as exc:
        console.print(f"image build failed: {exc}", markup=False)
        return EXIT_ERROR
    if tag:
        console.print(f"built {tag}")
    for result in results or []:
        console.print(f"{result.tag}: {'built' if result.built else 'current'} ({result.seconds:.1f} s)")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa-arena", description="QA Arena: grade pytest suites with mutants.")
    parser.add_argument("--config", help=f"traitlets config file (default: $QA_ARENA_CONFIG or ./{CONFIG_FILE})")
    sub = parser.add_subparsers(dest="command", required=True)

    judge = sub.add_parser("judge", help="grade a test file or notebook against a problem")
    judge.add_argument("problem", help="problem directory")
    judge.add_argument("tests", help="a .py test file, or an .ipynb with a tests cell")
    judge.add_argument("--backend", help="sandbox: docker, local, auto (default: auto)")
    judge.add_argument("--matrix", action="store_true", help="run every valid test on every mutant")
    view = judge.add_mutually_exclusive_group()
    view.add_argument("--json", action="store_true", help="print the verdict as one JSON object")
    view.add_argument("--student", action="store_true", help="print only what the student may see")
    judge.set_defaults(func=cmd_judge)
    add_feedback_parser(sub)
    add_export_parsers(sub)
    add_service_parsers(sub)
    add_checks_parsers(sub)
    add_ratings_parsers(sub)
    add_experiment_parser(sub)

    problems = sub.add_parser("problems", help="work with the problem bank").add_subparsers(
        dest="action", required=True
    )
    validate = problems.add_parser("validate", help="check problems against their reference tests")
    validate.add_argument("dirs", nargs="+", metavar="DIR")
    validate.add_argument("--backend", help="sandbox: docker, local, auto (default: auto)")
    validate.set_defaults(func=cmd_validate)

    mutants = sub.add_parser("mutants", help="generate mutants from the golden").add_subparsers(
        dest="action", required=True
    )
    gen = mutants.add_parser("generate", help="propose mutants, screen them, write candidates/ to review")
    gen.add_argument("problem", help="problem directory")
    gen.add_argument("--max", type=int, default=10, help="candidates to keep (default 10)")
    gen.add_argument("--seed", type=int, default=0, help="fixes which candidates are kept (default 0)")
    gen.add_argument("--backend", help="sandbox for the reference tests: docker, local, auto")
    gen.set_defaults(func=cmd_mutants_generate)
    acc = mutants.add_parser("accept", help="move kept candidates into mutants/ and list them in problem.toml")
    acc.add_argument("problem", help="problem directory")
    acc.add_argument("names", nargs="+", metavar="NAME")
    acc.set_defaults(func=cmd_mutants_accept)

    course = sub.add_parser("course", help="nbgrader course directories").add_subparsers(dest="action", required=True)
    init = course.add_parser("init", help="create a course directory wired to the QA Arena autograder")
    init.add_argument("dir")
    init.add_argument("--course-id", default=DEFAULT_COURSE_ID)
    init.add_argument(
        "--problems",
        action="append",
        help="a directory of problem directories for the course's config to list after its own problems/ "
        "(`course build` copies the problems it uses there)",
    )
    init.set_defaults(func=cmd_course_init)
    build_nb = course.add_parser("build", help="write source/ASSIGNMENT/<slug>.ipynb for each problem")
    build_nb.add_argument("--course-dir", required=True)
    build_nb.add_argument("--assignment", required=True)
    build_nb.add_argument("problems", nargs="+", metavar="PROBLEM_DIR")
    build_nb.set_defaults(func=cmd_course_build)

    regen = course.add_parser("regenerate", help="rebuild this repository's source/ and release/ from problems/")
    regen.add_argument("--course-dir", default=".")
    regen.set_defaults(func=cmd_course_regenerate)
    autograde = course.add_parser("autograde", help="nbgrader autograde, then record why any notebook failed")
    autograde.add_argument("--course-dir", required=True)
    autograde.add_argument("--collect", action="store_true", help="run nbgrader collect first")
    autograde.add_argument("assignment")
    autograde.set_defaults(func=cmd_course_autograde)
    status = course.add_parser("status", help="status and score of every submitted notebook")
    status.add_argument("--course-dir", required=True)
    status.add_argument("assignment")
    status.set_defaults(func=cmd_course_status)

    demo = sub.add_parser("demo", help="grade a throwaway course end to end (nbgrader, SQLite, local exchange)")
    demo.add_argument("--dir", help="where to create the course (default: a new temporary directory)")
    demo.set_defaults(func=cmd_demo)
    add_hub_parser(sub)

    image = sub.add_parser("image", help="container images").add_subparsers(dest="action", required=True)
    build = image.add_parser("build", help="build the judge image, or with --all every image (offline when needed)")
    build.add_argument("names", nargs="*", metavar="NAME", help="images of deploy/images/ (and judge) to build")
    build.add_argument("--all", action="store_true", help="the judge and every deployment image, each when out of date")
    build.add_argument("--force", action="store_true", help="with --all/NAME: rebuild even when current")
    build.add_argument("--tag", default="qa-arena/judge:latest")
    build.add_argument("--base-image", help="base to build on (default: python:3.11-slim, else an offline base)")
    build.set_defaults(func=cmd_image_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BadInput as exc:
        print(f"qa-arena: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:  # e.g. an unknown sandbox name in --backend or the config
        print(f"qa-arena: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
