"""`qa-arena export gradebook|mutants` and `qa-arena report`: staff exports of a course directory.

Exit codes: 0 written; 2 bad input (not a course, an unknown assignment, a missing, locked or
empty gradebook, an output path that cannot be used), reported in one line, with nothing written.
Options of the classes involved (`GradebookReader.lock_timeout_s`, `GradebookExport.canvas_assignment_ids`,
`MutantExport.top_tests`, `CourseReport.dpi`) come from `qa-arena --config`.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qa_arena.command import BadInput, load_config
from qa_arena.exports import GRADEBOOK_FORMATS


def add_parsers(subparsers) -> None:
    """Register `export` (gradebook, mutants) and `report` on the `qa-arena` subparsers."""
    export = subparsers.add_parser("export", help="export a course's grades or mutant statistics")
    actions = export.add_subparsers(dest="action", required=True)

    gradebook = actions.add_parser(
        "gradebook",
        help="one row per student: score, kill ratio, bugs caught, invalid tests, status, times per problem",
    )
    _course_arguments(gradebook)
    gradebook.add_argument(
        "--format",
        choices=GRADEBOOK_FORMATS,
        help="csv (default, or xlsx when --out ends in .xlsx), xlsx, or canvas (Canvas's gradebook import CSV)",
    )
    gradebook.add_argument(
        "--out", help="file to write (default: <course>/exports/gradebook.<format>; gradebook.canvas.csv for canvas)"
    )
    gradebook.set_defaults(func=cmd_export_gradebook)

    mutants = actions.add_parser(
        "mutants", help="per problem and mutant: kills and survival among the class's valid suites"
    )
    _course_arguments(mutants)
    mutants.add_argument("--out", help="CSV, or XLSX when it ends in .xlsx (default: <course>/exports/mutants.csv)")
    mutants.set_defaults(func=cmd_export_mutants)

    report = subparsers.add_parser("report", help="an HTML report with figures (also written as PNG files)")
    _course_arguments(report)
    report.add_argument("--out", required=True, help="directory for report.html and the PNG figures")
    report.set_defaults(func=cmd_report)


def _course_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course-dir", required=True, help="the nbgrader course directory")
    parser.add_argument("--assignment", action="append", help="only this assignment (repeat for several; default: all)")


def progress(items: Iterable, total: int, description: str) -> Iterable:
    """A rich progress bar on stderr, gone once done (none when stderr is not a terminal)."""
    from rich.console import Console
    from rich.progress import track

    console = Console(stderr=True)
    return track(
        items, total=total, description=description, transient=True, console=console, disable=not console.is_terminal
    )


def _load(args: argparse.Namespace):
    """The course, its results and the traitlets config, or BadInput."""
    from qa_arena.exports import ExportError
    from qa_arena.exports.course import GradebookReader, load_course
    from qa_arena.exports.results import collect

    config = load_config(getattr(args, "config", None))
    try:
        course = load_course(args.course_dir)
        with GradebookReader(config=config).open(course) as gradebook:
            results = collect(gradebook, course.records_dir, args.assignment, progress=progress)
    except ExportError as exc:
        raise BadInput(str(exc)) from exc
    return course, results, config


def _output(path: Path, *, directory: bool) -> Path:

    if directory and path.exists() and not path.is_dir():
        raise BadInput(f"--out {path} is a file, not a directory")
    if not directory and path.is_dir():
        raise BadInput(f"--out {path} is a directory: name the file to write")
    return path


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A write that fails (no space, no permission) is bad input too: one line, and nothing left behind."""

    try:
        yield
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}") from exc


def cmd_export_gradebook(args: argparse.Namespace) -> int:
    from qa_arena.exports.gradebook import GradebookExport, default_path, format_for

    fmt = format_for(args.out or "", args.format)
    out = _output(Path(args.out), directory=False) if args.out else None
    course, results, config = _load(args)
    out = out or default_path(course.root, fmt)
    with _writing(out):
        GradebookExport(config=config).write(results, out, fmt)
    print(f"wrote {out} ({len(results.students)} students, {len(results.assignments)} assignments, {fmt})")
    return 0


def cmd_export_mutants(args: argparse.Namespace) -> int:
    from qa_arena.exports.mutants import MutantExport, default_path

    out = _output(Path(args.out), directory=False) if args.out else None
    course, results, config = _load(args)
    out = out or default_path(course.root)
    exporter = MutantExport(config=config)
    frame = exporter.frame(results, course.problem_paths)
    with _writing(out):
        exporter.write(frame, out)
    flagged = int(frame["never_killed"].sum()), int(frame["always_killed"].sum())
    print(f"wrote {out} ({len(frame)} mutants; never killed: {flagged[0]}, always killed: {flagged[1]})")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from qa_arena.exports.report import CourseReport

    out = _output(Path(args.out), directory=True)
    course, results, config = _load(args)
    with _writing(out):
        written = CourseReport(config=config).write(
            results, out, course.gradebook_course_id, course.problem_paths, progress
        )
    print(f"wrote {out / 'report.html'} and {sum(p.suffix == '.png' for p in written)} figures in {out}")
    return 0
