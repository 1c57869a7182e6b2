"""The report's figures, drawn with matplotlib's object API on the Agg canvas (no display, no pyplot state).

Each function takes the course's results and returns a `Figure`; a figure with nothing to show says
so in its own axes rather than being left blank.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from qa_arena.exports.results import CourseResults, NotebookResult

KILLED, SURVIVED, NO_DATA = "#4c9a6a", "#d1495b", "#dddddd"
CHECKS_NOTE = "Check counts come with the grading service: none are recorded yet, so only final scores are shown."


def figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _nothing(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


def _problem_label(result: NotebookResult) -> str:
    return f"{result.assignment}/{result.notebook}"


def score_distribution(results: CourseResults) -> Figure:
    """Per assignment: a histogram of the submitters' points, as a percentage of the maximum."""
    count = len(results.assignments)
    columns = min(count, 3)
    rows = math.ceil(count / columns)
    fig = figure(4.2 * columns, 3.2 * rows)
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    for ax, assignment in zip(axes, results.assignments, strict=False):
        totals = [results.total(assignment.name, s.id) for s in results.students]
        percents = [100 * t.points / t.max_points for t in totals if t.submitted and t.max_points]
        ax.set_title(f"{assignment.name} ({len(percents)} submitted)")
        if not percents:
            _nothing(ax, "no submissions")
            continue
        ax.hist(percents, bins=np.arange(0, 101, 10), color="#3b6ea5", edgecolor="white")
        ax.set_xlim(0, 100)
        ax.set_xlabel("points after late penalty (% of maximum)")
        ax.set_ylabel("students")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in axes[count:]:
        ax.set_visible(False)
    fig.suptitle("Score distribution per assignment")
    return fig


def survival_heatmap(matrix: pd.DataFrame) -> Figure:
    """Students x mutants: survived, killed, or no SUCCESS verdict."""
    rows, cols = matrix.shape
    fig = figure(min(max(6.0, 0.32 * cols + 3), 40), min(max(3.0, 0.28 * rows + 2), 40))
    ax = fig.add_subplot()
    ax.set_title("Mutant survival (students x mutants)")
    if matrix.empty or matrix.isna().all().all():
        _nothing(ax, "no SUCCESS verdicts yet")
        return fig
    codes = np.ma.masked_invalid(matrix.to_numpy(dtype=float))
    cmap = ListedColormap([KILLED, SURVIVED]).with_extremes(bad=NO_DATA)
    ax.imshow(codes, cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(cols), list(matrix.columns), rotation=90, fontsize=7)
    if rows <= 80:
        ax.set_yticks(range(rows), list(matrix.index), fontsize=7)
    else:
        ax.set_yticks([])
        ax.set_ylabel(f"{rows} students")
    ax.legend(
        handles=[
            Patch(color=KILLED, label="killed"),
            Patch(color=SURVIVED, label="survived"),
            Patch(color=NO_DATA, label="no valid suite"),
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=8,
    )
    return fig


def invalid_test_rates(results: CourseResults) -> pd.DataFrame:
    """Per problem: share of tests that are invalid, and share of suites with at least one invalid test."""
    rows = []
    for assignment, notebook in results.problems:
        judged = [
            r
            for r in results.notebooks
            if (r.assignment, r.notebook) == (assignment, notebook) and r.verdict and r.status != "ERROR"
        ]
        tests = sum(r.tests or 0 for r in judged)
        invalid = sum(r.invalid_tests or 0 for r in judged)
        rows.append(
            {
                "problem": f"{assignment}/{notebook}",
                "suites": len(judged),
                "tests": tests,
                "invalid_tests": invalid,
                "invalid_test_rate": invalid / tests if tests else None,
                "suites_with_invalid": sum(1 for r in judged if r.invalid_tests) / len(judged) if judged else None,
            }
        )
    return pd.DataFrame(rows)


def invalid_tests(results: CourseResults) -> Figure:
    rates = invalid_test_rates(results)
    fig = figure(max(5.0, 1.3 * len(rates) + 2), 3.6)
    ax = fig.add_subplot()
    ax.set_title("Invalid tests (fail on a correct implementation)")
    if rates.empty or rates["suites"].sum() == 0:
        _nothing(ax, "no judged suites yet")
        return fig
    x = np.arange(len(rates))
    ax.bar(x - 0.2, rates["invalid_test_rate"].fillna(0) * 100, 0.4, label="% of tests invalid", color="#d1495b")
    ax.bar(x + 0.2, rates["suites_with_invalid"].fillna(0) * 100, 0.4, label="% of suites with one", color="#edae49")
    ax.set_xticks(x, list(rates["problem"]), rotation=20, ha="right")
    ax.set_ylim(0, 100)
    ax.set_ylabel("%")
    ax.legend(fontsize=8)
    return fig


def checks_vs_score(results: CourseResults) -> Figure:
    """Final score per problem; check counts are not recorded yet, and the figure says so."""
    problems = [f"{a}/{nb}" for a, nb in results.problems]
    fig = figure(max(7.5, 1.3 * len(problems) + 2), 4.2)
    ax = fig.add_subplot()
    ax.set_title("Final score per problem (check counts: not recorded yet)")
    scored = [r for r in results.notebooks if r.score is not None]
    if not scored:
        _nothing(ax, "no scores yet")
        return fig
    rng = np.random.default_rng(0)  # the same jitter every time: reports compare across runs
    for index, problem in enumerate(problems):
        scores = [r.score for r in scored if _problem_label(r) == problem]
        ax.scatter(index + rng.uniform(-0.15, 0.15, len(scores)), scores, alpha=0.7, color="#3b6ea5")
    ax.set_xticks(range(len(problems)), problems, rotation=20, ha="right")
    ax.set_ylim(-5, 105)
    ax.set_ylabel("final score (0-100)")
    fig.supxlabel(textwrap.fill(CHECKS_NOTE, 100), fontsize=8)
    return fig


def grading_latency(results: CourseResults) -> Figure:
    """Seconds from RUNNING to the final status, per problem (from the records' history)."""
    problems = [f"{a}/{nb}" for a, nb in results.problems]
    data = [
        [r.latency_s for r in results.notebooks if _problem_label(r) == p and r.latency_s is not None] for p in problems
    ]
    fig = figure(max(5.0, 1.3 * len(problems) + 2), 3.6)
    ax = fig.add_subplot()
    ax.set_title("Grading latency (RUNNING to final status)")
    if not any(data):
        _nothing(ax, "no graded notebooks with timings yet")
        return fig
    shown = [(p, d) for p, d in zip(problems, data, strict=True) if d]
    ax.boxplot([d for _, d in shown], tick_labels=[p for p, _ in shown], showmeans=True)
    ax.tick_params(axis="x", labelrotation=20)
    ax.set_ylabel("seconds (records keep whole seconds)")
    return fig
