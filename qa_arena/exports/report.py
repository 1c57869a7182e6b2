"""`qa-arena report`: one HTML page for staff, with its figures also written as PNG files beside it.

The page and the PNGs are made in a temporary directory and moved into place only when all of
them are done, so a failed report leaves the previous one untouched.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from traitlets import Int
from traitlets.config import LoggingConfigurable

from qa_arena.exports import figures
from qa_arena.exports.files import atomic_directory
from qa_arena.exports.mutants import MutantExport, survival_matrix
from qa_arena.exports.results import CourseResults

REPORT_FILE = "report.html"
FIGURES = {
    "score_distribution.png": "Score distribution per assignment",
    "mutant_survival.png": "Mutant survival heat map (students x mutants)",
    "invalid_tests.png": "Invalid-test rate per problem",
    "checks_vs_score.png": "Check count vs final score",
    "grading_latency.png": "Grading latency",
}
CAPTIONS = {
    "score_distribution.png": "Points after the late penalty, as a percentage of the assignment's maximum, of the "
    "students who submitted.",
    "mutant_survival.png": "Red: the student's suite let the mutant survive; green: it killed it; grey: no valid "
    "suite (FAILURE, ERROR, not submitted). Only SUCCESS verdicts count.",
    "invalid_tests.png": "An invalid test fails on a correct implementation (the golden or a wheat) and does not "
    "count; many of them on one problem point at an ambiguous specification.",
    "checks_vs_score.png": figures.CHECKS_NOTE,
    "grading_latency.png": "From the record's RUNNING to its final status (SUCCESS, FAILURE or ERROR); the records "
    "keep whole seconds.",
}
STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}
th{background:#f3f3f3}figure{margin:1.5em 0}img{max-width:100%}.note{background:#fff6d6;padding:.5em 1em}"""


def problem_summary(results: CourseResults) -> pd.DataFrame:
    """Per problem: submissions, statuses, mean and median score, mean kill ratio, median latency."""
    rows = []
    for assignment, notebook in results.problems:
        mine = [r for r in results.notebooks if (r.assignment, r.notebook) == (assignment, notebook)]
        scores = pd.Series([r.score for r in mine if r.score is not None], dtype=float)
        ratios = pd.Series(
            [r.kill_ratio for r in mine if r.kill_ratio is not None and r.status == "SUCCESS"], dtype=float
        )
        latency = pd.Series([r.latency_s for r in mine if r.latency_s is not None], dtype=float)
        count = {status: sum(1 for r in mine if r.status == status) for status in ("SUCCESS", "FAILURE", "ERROR")}
        rows.append(
            {
                "assignment": assignment,
                "problem": notebook,
                "submitted": sum(1 for r in mine if r.submitted),
                **count,
                "pending": sum(1 for r in mine if r.status == "PENDING"),
                "mean score": scores.mean(),
                "median score": scores.median(),
                "mean kill ratio": ratios.mean(),
                "median latency (s)": latency.median(),
            }
        )
    return pd.DataFrame(rows)


class CourseReport(LoggingConfigurable):
    """Builds the staff report: figures (PNG, Agg) and an HTML page that shows them with summary tables."""

    dpi = Int(110, config=True, help="Resolution of the PNG figures, in dots per inch.")

    def write(
        self,
        results: CourseResults,
        out_dir: Path,
        course_id: str = "",
        problem_paths: tuple[Path, ...] = (),
        progress: Callable = lambda items, _total, _description: items,
    ) -> list[Path]:
        """Write report.html and the PNGs into `out_dir`; return the files written."""
        matrix = survival_matrix(results)
        makers = {
            "score_distribution.png": lambda: figures.score_distribution(results),
            "mutant_survival.png": lambda: figures.survival_heatmap(matrix),
            "invalid_tests.png": lambda: figures.invalid_tests(results),
            "checks_vs_score.png": lambda: figures.checks_vs_score(results),
            "grading_latency.png": lambda: figures.grading_latency(results),
        }
        mutants = MutantExport(parent=self).frame(results, problem_paths)
        with atomic_directory(out_dir) as tmp:
            for name, make in progress(list(makers.items()), len(makers), "drawing figures"):
                make().savefig(tmp / name, dpi=self.dpi, format="png")
            page = self.html(results, course_id, mutants, figures.invalid_test_rates(results))
            (tmp / REPORT_FILE).write_text(page, encoding="utf-8")
            names = sorted(p.name for p in tmp.iterdir())
        return [Path(out_dir) / name for name in names]

    def html(self, results: CourseResults, course_id: str, mutants: pd.DataFrame, invalid: pd.DataFrame) -> str:
        title = f"QA Arena report{f': {course_id}' if course_id else ''}"
        assignments = ", ".join(a.name for a in results.assignments)
        submitted = sum(1 for t in results.totals if t.submitted)
        parts = [
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
            f"<p>Assignments: {html.escape(assignments)}. {len(results.students)} students, {submitted} submissions. "
            f"Generated {datetime.now(UTC).isoformat(timespec='seconds')}.</p>",
            f"<p class='note'><strong>Check counts:</strong> {html.escape(figures.CHECKS_NOTE)}</p>",
            "<h2>Problems</h2>",
            _table(problem_summary(results)),
        ]
        for name, heading in FIGURES.items():
            parts.append(
                f"<h2>{html.escape(heading)}</h2><figure><img src='{name}' alt='{html.escape(heading)}'>"
                f"<figcaption>{html.escape(CAPTIONS[name])}</figcaption></figure>"
            )
            if name == "invalid_tests.png":
                parts.append(_table(invalid))
        flagged = mutants[mutants["never_killed"] | mutants["always_killed"]]
        parts += [
            "<h2>Mutants to review</h2>",
            "<p>Never killed: maybe equivalent to the golden, or too subtle; always killed: teaches little. "
            "Only SUCCESS verdicts count.</p>",
            _table(flagged) if not flagged.empty else "<p>None: every mutant is killed by some suites and not all.</p>",
            "<h2>All mutants</h2>",
            _table(mutants),
            "</body></html>",
        ]
        return "\n".join(parts)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.3g}", border=0)
