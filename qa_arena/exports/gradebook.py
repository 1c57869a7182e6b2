"""The gradebook as a table: one row per student, written as CSV, XLSX or a Canvas gradebook import.

Columns, for each assignment A and problem (notebook) P: `A/P/<field>` for the fields in
`NOTEBOOK_FIELDS`; for each assignment `A/<field>` for `ASSIGNMENT_FIELDS`; then `total_points` and
`total_max_points`. Missing values are empty cells, never zeros, so that an ERROR (needs grading)
is not mistaken for a failed suite. The CSV reads back with `pandas.read_csv` unchanged.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
from traitlets import Dict, Unicode
from traitlets.config import LoggingConfigurable

from qa_arena.exports import GRADEBOOK_FORMATS
from qa_arena.exports.files import atomic_file
from qa_arena.exports.results import CourseResults, NotebookResult, Student

FORMATS = GRADEBOOK_FORMATS
STUDENT_FIELDS = ("student_id", "last_name", "first_name", "email")
NOTEBOOK_FIELDS = (
    "status",  # the judge's: SUCCESS | FAILURE | ERROR, or PENDING (not graded yet), NOT SUBMITTED
    "score",  # 0-100
    "kill_ratio",  # weighted, 0-1
    "bugs_caught",  # mutants killed
    "bugs_total",
    "valid_tests",
    "invalid_tests",
    "points",  # the gradebook's, before the late penalty
    "late_penalty",
    "submitted_at",  # ISO 8601, UTC
    "graded_at",
    "grading_latency_s",  # from RUNNING to the final status
)
ASSIGNMENT_FIELDS = ("raw_points", "late_penalty", "points", "max_points", "needs_grading")
INTEGER_FIELDS = {"bugs_caught", "bugs_total", "valid_tests", "invalid_tests"}
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"


def column(*parts: str) -> str:
    """`column("ps1", "leap_year", "score")` -> "ps1/leap_year/score"."""
    return "/".join(parts)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def notebook_fields(result: NotebookResult) -> dict[str, object]:
    return {
        "status": result.status,
        "score": result.score,
        "kill_ratio": result.kill_ratio,
        "bugs_caught": result.killed,
        "bugs_total": result.total,
        "valid_tests": result.valid_tests,
        "invalid_tests": result.invalid_tests,
        "points": result.points,
        "late_penalty": result.late_penalty,
        "submitted_at": iso(result.submitted_at),
        "graded_at": iso(result.graded_at),
        "grading_latency_s": result.latency_s,
    }


def canvas_name(student: Student) -> str:
    """Canvas shows students as "Last, First"."""
    names = [n for n in (student.last_name, student.first_name) if n]
    return ", ".join(names) or student.id


class GradebookExport(LoggingConfigurable):
    """Builds the gradebook tables and writes them whole (see the module docstring for the columns)."""

    canvas_assignment_ids = Dict(
        value_trait=Unicode(),
        config=True,
        help="Canvas assignment id of each nbgrader assignment, e.g. {'ps1': '4312'}: the Canvas column is then "
        "'ps1 (4312)', which Canvas matches to that assignment. Without an id the column is just 'ps1', and "
        "Canvas offers to create a new assignment of that name on import.",
    )

    def frame(self, results: CourseResults) -> pd.DataFrame:
        """One row per student, the wide layout of the module docstring."""
        columns: dict[str, list] = {name: [] for name in STUDENT_FIELDS}
        for student in results.students:
            for name, value in zip(
                STUDENT_FIELDS, (student.id, student.last_name, student.first_name, student.email), strict=True
            ):
                columns[name].append(value)
            total_points = total_max = 0.0
            for assignment in results.assignments:
                for notebook in assignment.notebooks:
                    fields = notebook_fields(results.notebook(assignment.name, notebook, student.id))
                    for name, value in fields.items():
                        columns.setdefault(column(assignment.name, notebook, name), []).append(value)
                total = results.total(assignment.name, student.id)
                values = (total.raw_points, total.late_penalty, total.points, total.max_points, total.needs_grading)
                for name, value in zip(ASSIGNMENT_FIELDS, values, strict=True):
                    columns.setdefault(column(assignment.name, name), []).append(value)
                total_points += total.points
                total_max += total.max_points
            columns.setdefault("total_points", []).append(total_points)
            columns.setdefault("total_max_points", []).append(total_max)
        return pd.DataFrame({name: self._series(name, values) for name, values in columns.items()})

    @staticmethod
    def _series(name: str, values: list) -> pd.Series:
        field = name.rsplit("/", 1)[-1]
        if field in INTEGER_FIELDS:
            return pd.Series(values, dtype="Int64")
        if field == "needs_grading":
            return pd.Series(values, dtype=bool)
        if all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values):
            return pd.Series(values, dtype="float64")
        return pd.Series(values, dtype=object)

    def canvas_frame(self, results: CourseResults) -> pd.DataFrame:
        """Canvas's gradebook import layout: a "Points Possible" row, then one row per student.

        A student's cell holds the assignment's points after the late penalty; 0 when nothing was
        submitted; empty while a notebook still needs grading (an ERROR is never sent as a zero).
        """
        headers = {a.name: self._canvas_column(a.name) for a in results.assignments}
        rows = [{"Student": POINTS_POSSIBLE, **{headers[a.name]: a.total_max_points for a in results.assignments}}]
        for student in results.students:
            row = {"Student": canvas_name(student), "ID": student.lms_user_id, "SIS Login ID": student.id}
            for assignment in results.assignments:
                total = results.total(assignment.name, student.id)
                row[headers[assignment.name]] = None if total.needs_grading else total.points
            rows.append(row)
        return pd.DataFrame(rows, columns=[*CANVAS_STUDENT_COLUMNS, *headers.values()], dtype=object)

    def _canvas_column(self, assignment: str) -> str:
        canvas_id = self.canvas_assignment_ids.get(assignment)
        return f"{assignment} ({canvas_id})" if canvas_id else assignment

    def write(self, results: CourseResults, path: Path, fmt: str) -> Path:
        """Write the export in `fmt` (csv, xlsx, canvas) to `path`, atomically."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown gradebook format {fmt!r} (choose from {', '.join(FORMATS)})")
        frame = self.canvas_frame(results) if fmt == "canvas" else self.frame(results)
        with atomic_file(path) as tmp:
            if fmt == "xlsx":
                frame.to_excel(tmp, index=False, sheet_name="gradebook", freeze_panes=(1, 1), engine="openpyxl")
            else:
                frame.to_csv(tmp, index=False)
        self.log.info("wrote %s (%d students)", path, len(results.students))
        return Path(path)


def default_path(course_root: Path, fmt: str) -> Path:
    """<course>/exports/gradebook.csv, gradebook.xlsx, or gradebook.canvas.csv (Canvas uploads only .csv files)."""
    name = "gradebook.canvas.csv" if fmt == "canvas" else f"gradebook.{fmt}"
    return course_root / "exports" / name


def format_for(path: str | Path, fmt: str | None) -> str:
    """The format asked for, else the one `path`'s suffix names (.xlsx), else csv."""
    if fmt:
        return fmt
    return "xlsx" if Path(path).suffix.lower() == ".xlsx" else "csv"
