"""Give every submitted notebook nbgrader could not autograde a recorded outcome, with the reason.

nbgrader skips a notebook it cannot read or whose grade cells were tampered with, and leaves its
grade "needing manual grading". Here each such notebook gets a FAILURE record saying what is wrong
and a score of 0 in the gradebook; the submitted files stay untouched in submitted/.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograde_plugins.records import GradingRecord, load_record, record_file
from qa_arena.grading.verdict import FAILURE


def _reason(submitted: Path, notebook: str, grade_ids: list[str]) -> str:
    path = submitted / f"{notebook}.ipynb"
    if not path.is_file():
        others = sorted(p.name for p in submitted.glob("*.ipynb"))
        found = f" (the submission holds {', '.join(others)})" if others else ""
        return f"{notebook}.ipynb is missing from the submission{found}"
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:
        return f"{notebook}.ipynb is not a readable notebook ({type(exc).__name__})"
    present = {str(c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")) for c in nb.get("cells", [])}
    missing = [g for g in grade_ids if g not in present]
    if missing:
        return f"the tests cell ({', '.join(missing)}) was deleted or its nbgrader metadata was changed"
    return "nbgrader could not process the notebook (see the autograde log)"


def _tampered(nb, known: set[str]) -> list[str]:
    ids = [str(c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")) for c in nb.get("cells", [])]
    return [i for i in ids if i and i not in known]


def quarantine(course_dir: Path, db_url: str, assignment: str, records_dir: Path) -> list[dict]:
    """Move notebooks nbgrader would choke on out of submitted/ (to quarantine/), so the rest is graded.

    nbgrader gives up on a whole submission when one notebook is unreadable or has unknown grade
    cells; moved aside, that notebook is simply missing (score 0) and the others are graded.
    """
    moved = []
    with Gradebook(db_url) as gradebook:
        known = {nb.name: {c.name for c in (*nb.grade_cells, *nb.solution_cells, *nb.source_cells)}
                 for nb in gradebook.find_assignment(assignment).notebooks}  # fmt: skip
    for submitted in sorted((course_dir / "submitted").glob(f"*/{assignment}")):
        student = submitted.parent.name
        for notebook, cells in known.items():
            path = submitted / f"{notebook}.ipynb"
            if not path.is_file():
                continue
            try:
                changed = _tampered(nbformat.read(str(path), as_version=4), cells)
                reason = f"the nbgrader metadata of cells was changed ({', '.join(changed)})" if changed else None
            except Exception as exc:
                reason = f"{notebook}.ipynb is not a readable notebook ({type(exc).__name__})"
            if reason is None:
                continue
            target = course_dir / "quarantine" / student / assignment / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
            record = GradingRecord(record_file(records_dir, assignment, student, notebook),
                                   notebook=notebook, assignment=assignment, student=student)  # fmt: skip
            record.log(f"moved to {target}: {reason}")
            record.set_status(FAILURE, score=0.0, points=0.0, message=reason, quarantined=str(target))
            moved.append({"student": student, "notebook": notebook, "reason": reason})
    return moved


def diagnose(course_dir: Path, db_url: str, assignment: str, records_dir: Path) -> list[dict]:
    """Record a FAILURE for each submitted notebook that has no autograded copy; return what was recorded."""
    recorded = []
    with Gradebook(db_url) as gradebook:
        notebooks = {nb.name: [c.name for c in nb.grade_cells if c.name.endswith("-tests")]
                     for nb in gradebook.find_assignment(assignment).notebooks}  # fmt: skip
        for submitted in sorted((course_dir / "submitted").glob(f"*/{assignment}")):
            student = submitted.parent.name
            for notebook, grade_ids in notebooks.items():
                if (course_dir / "autograded" / student / assignment / f"{notebook}.ipynb").is_file():
                    continue
                previous = load_record(records_dir, assignment, student, notebook)
                if previous and previous.get("quarantined"):
                    reason = previous["message"]
                else:
                    reason = _reason(submitted, notebook, grade_ids)
                record = GradingRecord(record_file(records_dir, assignment, student, notebook),
                                       notebook=notebook, assignment=assignment, student=student)  # fmt: skip
                record.log(f"not autograded: {reason}")
                record.set_status(FAILURE, score=0.0, points=0.0, message=reason)
                for grade_id in grade_ids:
                    try:
                        grade = gradebook.find_grade(grade_id, notebook, assignment, student)
                    except MissingEntry:
                        continue
                    grade.auto_score, grade.needs_manual_grade = 0.0, False
                gradebook.db.commit()
                recorded.append({"student": student, "notebook": notebook, "reason": reason})
    return recorded


def statuses(course_dir: Path, db_url: str, assignment: str, records_dir: Path) -> list[dict]:
    """Status, score and message of every submitted notebook of an assignment."""
    rows = []
    with Gradebook(db_url) as gradebook:
        names = [nb.name for nb in gradebook.find_assignment(assignment).notebooks]
    for submitted in sorted((course_dir / "submitted").glob(f"*/{assignment}")):
        for notebook in names:
            record = load_record(records_dir, assignment, submitted.parent.name, notebook) or {"status": "PENDING"}
            rows.append({"student": submitted.parent.name, "notebook": notebook, "status": record["status"],
                         "score": record.get("score"), "points": record.get("points"),
                         "message": record.get("message", "")})  # fmt: skip
    return rows
