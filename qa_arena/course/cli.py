"""`qa-arena course init|build|regenerate|autograde|status` and `qa-arena demo`: nbgrader course directories."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from qa_arena.command import EXIT_ERROR, EXIT_OK, BadInput
from qa_arena.course.settings import DEFAULT_COURSE_ID
from qa_arena.grading.problem import ProblemError


def add_parsers(sub) -> None:
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


def cmd_course_init(args) -> int:
    from qa_arena.course.setup import init_course

    try:
        config = init_course(Path(args.dir), args.course_id, [Path(p) for p in args.problems or []])
    except FileExistsError as exc:
        raise BadInput(str(exc)) from exc
    print(f"created {config}")
    return EXIT_OK


def cmd_course_build(args) -> int:
    from qa_arena.course.setup import build_assignment, load_problems

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
    from qa_arena.course.assignments import ASSIGNMENTS
    from qa_arena.course.runner import CourseRunner
    from qa_arena.course.setup import build_assignment, load_problems

    root = Path(args.course_dir)
    runner = CourseRunner(root)
    from rich.progress import track

    for assignment, slugs in track(list(ASSIGNMENTS.items()), description="generating assignments"):
        build_assignment(root, assignment, load_problems([str(root / "problems" / s) for s in slugs]))
        runner.nbgrader("generate_assignment", assignment, "--force")
    print(f"regenerated {', '.join(ASSIGNMENTS)} in {root / 'source'} and {root / 'release'}")
    return EXIT_OK


def cmd_course_autograde(args) -> int:
    from qa_arena.course.runner import CourseRunner, NbgraderError

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
    from qa_arena.course.diagnose import statuses

    config = runner.config()
    table = Table("student", "notebook", "status", "score /100", "points", "note", title=assignment)
    for row in statuses(runner.course_dir, config["db_url"], assignment, config["records_dir"]):
        score = "—" if row["score"] is None else f"{row['score']:g}"
        points = "—" if row["points"] is None else f"{row['points']:g}"
        table.add_row(row["student"], row["notebook"], row["status"], score, points, row["message"][:60])
    console.print(table)


def cmd_course_status(args) -> int:
    from qa_arena.course.runner import CourseRunner

    print_course_status(Console(), CourseRunner(Path(args.course_dir)), args.assignment)
    return EXIT_OK


def cmd_demo(args) -> int:
    from qa_arena.course.demo import run_demo

    run_demo(directory=Path(args.dir) if args.dir else None)
    return EXIT_OK
