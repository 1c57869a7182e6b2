"""How each mutant fared against the class's suites: which to keep, drop or re-weight.

Only SUCCESS verdicts count: a suite with no valid test (FAILURE) or one the grader could not run
(ERROR) says nothing about a mutant. A mutant no suite kills may be too subtle or equivalent to the
golden; one every suite kills teaches little. "Killing tests" are the names in the verdicts'
`killed_by`: without `--matrix` that is the first valid test that failed on the mutant.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
from traitlets import Int
from traitlets.config import LoggingConfigurable

from qa_arena.exports.files import atomic_file
from qa_arena.exports.results import CourseResults, NotebookResult
from qa_arena.grading.problem import ProblemError, load_problem

SUBMISSION_FILE = "test_submission.py::"  # every suite is run as this file: the prefix says nothing
COLUMNS = (
    "assignment",
    "problem",
    "mutant",
    "weight",
    "suites",  # SUCCESS verdicts that ran the mutant
    "killed",  # ... of which killed it
    "survived",
    "kill_rate",
    "survival_rate",
    "never_killed",
    "always_killed",
    "top_killing_tests",  # "name (count); ..." most common first
    "note",
)


def short_test_name(name: str) -> str:
    return name.removeprefix(SUBMISSION_FILE)


def graded_suites(results: CourseResults, assignment: str, notebook: str) -> list[NotebookResult]:
    """The SUCCESS verdicts of one problem: the suites that can tell us about its mutants."""
    return [
        r
        for r in results.notebooks
        if (r.assignment, r.notebook) == (assignment, notebook) and r.status == "SUCCESS" and r.verdict
    ]


def problem_weights(problem_paths: tuple[Path, ...], slug: str) -> dict[str, float]:
    """Mutant weights from the problem bank (empty when the problem is not found there)."""
    for base in problem_paths:
        if (base / slug / "problem.toml").is_file():
            try:
                return {m.id: m.weight for m in load_problem(base / slug).mutants}
            except ProblemError:
                return {}
    return {}


class MutantExport(LoggingConfigurable):
    """Per problem and mutant: kills and survivals among the class's valid suites, and the tests that kill it."""

    top_tests = Int(3, config=True, help="How many of the most common killing tests to list per mutant.")

    def frame(self, results: CourseResults, problem_paths: tuple[Path, ...] = ()) -> pd.DataFrame:
        rows = []
        for assignment, notebook in results.problems:
            suites = graded_suites(results, assignment, notebook)
            weights = problem_weights(problem_paths, notebook)
            runs: dict[str, list[dict]] = {}
            for suite in suites:
                for mutant in suite.mutants():
                    runs.setdefault(mutant["id"], []).append(mutant)
            for mutant_id in sorted(set(runs) | set(weights)):
                rows.append(self._row(assignment, notebook, mutant_id, weights.get(mutant_id), runs.get(mutant_id, [])))
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        for name in ("suites", "killed", "survived"):
            frame[name] = frame[name].astype("int64")
        for name in ("never_killed", "always_killed"):
            frame[name] = frame[name].astype(bool)
        for name in ("weight", "kill_rate", "survival_rate"):
            frame[name] = frame[name].astype("float64")
        return frame

    def _row(self, assignment: str, notebook: str, mutant: str, weight: float | None, runs: list[dict]) -> dict:
        killers = Counter(short_test_name(t) for run in runs for t in run.get("killed_by", []))
        suites = len(runs)
        killed = sum(1 for run in runs if run.get("killed_by"))
        never, always = suites > 0 and killed == 0, suites > 0 and killed == suites
        if never:
            note = "no suite kills it: check it is not equivalent to the golden, then drop it or raise its weight"
        elif always:
            note = "every suite kills it: consider a lower weight or dropping it"
        elif not suites:
            note = "no graded suite yet"
        else:
            note = ""
        top = "; ".join(f"{name} ({count})" for name, count in killers.most_common(self.top_tests))
        return {
            "assignment": assignment,
            "problem": notebook,
            "mutant": mutant,
            "weight": weight,
            "suites": suites,
            "killed": killed,
            "survived": suites - killed,
            "kill_rate": killed / suites if suites else None,
            "survival_rate": (suites - killed) / suites if suites else None,
            "never_killed": never,
            "always_killed": always,
            "top_killing_tests": top or None,
            "note": note or None,
        }

    def write(self, frame: pd.DataFrame, path: Path) -> Path:
        """CSV, or XLSX when `path` ends in .xlsx; atomically."""
        with atomic_file(path) as tmp:
            if Path(path).suffix.lower() == ".xlsx":
                frame.to_excel(tmp, index=False, sheet_name="mutants", freeze_panes=(1, 3), engine="openpyxl")
            else:
                frame.to_csv(tmp, index=False)
        return Path(path)


def survival_matrix(results: CourseResults) -> pd.DataFrame:
    """Students x mutants ("assignment/problem/mutant"): 1 survived, 0 killed, NaN no SUCCESS verdict."""
    cells: dict[str, dict[str, float]] = {}
    for assignment, notebook in results.problems:
        for suite in graded_suites(results, assignment, notebook):
            for mutant in suite.mutants():
                key = f"{assignment}/{notebook}/{mutant['id']}"
                cells.setdefault(key, {})[suite.student] = 0.0 if mutant.get("killed_by") else 1.0
    students = [s.id for s in results.students]
    return pd.DataFrame({key: [cells[key].get(s) for s in students] for key in cells}, index=students, dtype=float)


def default_path(course_root: Path) -> Path:
    return course_root / "exports" / "mutants.csv"
