"""One course's results, joined from the gradebook (points, times, penalties) and the staff records (verdicts).

The gradebook is the authority on points (staff may override them); the judge's record is the
authority on what the suite did (score 0-100, mutants killed, invalid tests, status, timings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from nbgrader.api import Gradebook, MissingEntry

from autograde_plugins.records import load_record
from qa_arena.exports import ExportError

NOT_SUBMITTED = "NOT SUBMITTED"
PENDING = "PENDING"  # submitted, no record yet (not autograded)
FINAL = ("SUCCESS", "FAILURE", "ERROR")

T = TypeVar("T")
Progress = Callable[[Iterable[T], int, str], Iterable[T]]


def no_progress(items: Iterable[T], _total: int, _description: str) -> Iterable[T]:
    return items


@dataclass(frozen=True)
class Student:
    id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    lms_user_id: str | None = None


@dataclass(frozen=True)
class Assignment:
    name: str
    duedate: datetime | None
    notebooks: tuple[str, ...]
    max_points: dict[str, float]  # per notebook

    @property
    def total_max_points(self) -> float:
        return sum(self.max_points.values())


@dataclass
class NotebookResult:
    """One student's notebook (one problem) of one assignment."""

    assignment: str
    notebook: str
    student: str
    status: str
    max_points: float
    points: float | None = None
    score: float | None = None  # 0-100, the judge's
    late_penalty: float | None = None
    submitted_at: datetime | None = None
    graded_at: datetime | None = None
    latency_s: float | None = None  # RUNNING -> final status
    message: str = ""
    verdict: dict | None = None

    @property
    def submitted(self) -> bool:
        return self.status != NOT_SUBMITTED

    def _verdict(self, key: str):
        return None if self.verdict is None else self.verdict.get(key)

    @property
    def kill_ratio(self) -> float | None:
        return self._verdict("kill_ratio")

    @property
    def killed(self) -> int | None:
        return self._verdict("killed")

    @property
    def total(self) -> int | None:
        return self._verdict("total")

    @property
    def valid_tests(self) -> int | None:
        return self._verdict("valid_tests")

    @property
    def invalid_tests(self) -> int | None:
        return None if self.verdict is None else len(self.verdict.get("invalid_tests", []))

    @property
    def tests(self) -> int | None:
        return None if self.verdict is None else len(self.verdict.get("tests", []))

    def mutants(self) -> Iterator[dict]:
        """The verdict's mutant runs: {id, kind, outcome, killed_by, duration_s}."""
        for variant in (self.verdict or {}).get("variants", []):
            if variant.get("kind") == "mutant":
                yield variant


@dataclass
class AssignmentTotal:
    """One student's assignment: points after the late penalty, as nbgrader's own export computes them."""

    assignment: str
    student: str
    submitted: bool
    max_points: float
    raw_points: float = 0.0
    late_penalty: float = 0.0
    needs_grading: bool = False  # an ERROR or ungraded notebook: the points are not final

    @property
    def points(self) -> float:
        return max(0.0, self.raw_points - self.late_penalty)


@dataclass
class CourseResults:
    students: list[Student]
    assignments: list[Assignment]
    notebooks: list[NotebookResult] = field(default_factory=list)
    totals: list[AssignmentTotal] = field(default_factory=list)

    def notebook(self, assignment: str, notebook: str, student: str) -> NotebookResult:
        return self._by_notebook[assignment, notebook, student]

    def total(self, assignment: str, student: str) -> AssignmentTotal:
        return self._by_total[assignment, student]

    @cached_property
    def _by_notebook(self) -> dict[tuple[str, str, str], NotebookResult]:  # built once collect() is done
        return {(r.assignment, r.notebook, r.student): r for r in self.notebooks}

    @cached_property
    def _by_total(self) -> dict[tuple[str, str], AssignmentTotal]:
        return {(t.assignment, t.student): t for t in self.totals}

    @property
    def problems(self) -> list[tuple[str, str]]:
        """(assignment, notebook) pairs, in gradebook order."""
        return [(a.name, nb) for a in self.assignments for nb in a.notebooks]


def utc(moment: datetime | None) -> datetime | None:
    """nbgrader stores naive UTC datetimes; records hold ISO strings with an offset."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def timings(record: dict) -> tuple[datetime | None, float | None]:
    """(when the final status was reached, seconds from the last RUNNING to it) from a record's history."""
    history = record.get("history", [])
    finals = [i for i, h in enumerate(history) if h.get("status") in FINAL]
    if not finals:
        return None, None
    graded_at = utc(datetime.fromisoformat(history[finals[-1]]["at"]))
    running = [h for h in history[: finals[-1]] if h.get("status") == "RUNNING"]
    latency = (graded_at - utc(datetime.fromisoformat(running[-1]["at"]))).total_seconds() if running else None
    return graded_at, latency


def select(requested: list[str] | None, available: list[str], kind: str) -> list[str]:
    """The requested names, in the gradebook's order; an unknown one is an ExportError."""
    if not requested:
        return available
    unknown = [name for name in requested if name not in available]
    if unknown:
        have = ", ".join(available) or "none"
        raise ExportError(f"unknown {kind} {', '.join(map(repr, unknown))} (the gradebook has: {have})")
    return [name for name in available if name in requested]


def collect(
    gradebook: Gradebook,
    records_dir: Path,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
    progress: Progress = no_progress,
) -> CourseResults:
    """Every (assignment, notebook, student) of the selection, submitted or not.

    Raises ExportError for an unknown assignment or student, and when nothing was submitted.
    """
    all_assignments = {a.name: a for a in gradebook.assignments}
    all_students = {s.id: s for s in gradebook.students}
    names = select(assignments, list(all_assignments), "assignment")
    ids = select(students, sorted(all_students), "student")
    chosen = [
        Assignment(
            name=name,
            duedate=utc(all_assignments[name].duedate),
            notebooks=tuple(nb.name for nb in all_assignments[name].notebooks),
            max_points={nb.name: float(nb.max_score) for nb in all_assignments[name].notebooks},
        )
        for name in names
    ]
    people = [
        Student(s, *(getattr(all_students[s], k) for k in ("first_name", "last_name", "email", "lms_user_id")))
        for s in ids
    ]
    if not chosen or not people:
        raise ExportError("the gradebook is empty: it has no assignments or no students")
    results = CourseResults(people, chosen)
    pairs = [(a, s) for a in chosen for s in ids]
    for assignment, student in progress(pairs, len(pairs), "reading the gradebook and records"):
        _collect_one(gradebook, records_dir, assignment, student, results)
    if not any(t.submitted for t in results.totals):
        which = f" for {', '.join(names)}" if assignments else ""
        raise ExportError(f"the gradebook holds no submissions{which}: nothing to export yet")
    return results


def _collect_one(
    gradebook: Gradebook, records_dir: Path, assignment: Assignment, student: str, results: CourseResults
) -> None:
    try:
        submission = gradebook.find_submission(assignment.name, student)
    except MissingEntry:
        results.totals.append(AssignmentTotal(assignment.name, student, False, assignment.total_max_points))
        for notebook in assignment.notebooks:
            results.notebooks.append(
                NotebookResult(
                    assignment.name, notebook, student, NOT_SUBMITTED, assignment.max_points[notebook], points=0.0
                )
            )
        return
    submitted_at = utc(submission.timestamp)
    graded = {nb.name: nb for nb in submission.notebooks}
    needs_grading = False
    for notebook in assignment.notebooks:
        record = load_record(records_dir, assignment.name, student, notebook) or {}
        entry = graded.get(notebook)
        graded_at, latency = timings(record)
        result = NotebookResult(
            assignment=assignment.name,
            notebook=notebook,
            student=student,
            status=record.get("status", PENDING),
            max_points=assignment.max_points[notebook],
            points=None if entry is None else float(entry.score),
            score=record.get("score"),
            late_penalty=float(entry.late_submission_penalty or 0.0) if entry is not None else 0.0,
            submitted_at=submitted_at,
            graded_at=graded_at,
            latency_s=latency,
            message=record.get("message") or "",
            verdict=record.get("verdict"),
        )
        needs_grading |= result.status not in ("SUCCESS", "FAILURE") or bool(entry and entry.needs_manual_grade)
        results.notebooks.append(result)
    results.totals.append(
        AssignmentTotal(
            assignment.name,
            student,
            True,
            assignment.total_max_points,
            raw_points=float(submission.score or 0.0),
            late_penalty=float(submission.late_submission_penalty or 0.0),
            needs_grading=needs_grading,
        )
    )
