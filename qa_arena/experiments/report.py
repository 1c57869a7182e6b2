"""`qa-arena experiment report`: every group compared with the control on improvement and on ratings.

The unit is the student, since students (not submissions) are assigned to groups: a student's
improvement is the mean of their per-problem improvements, their rating the mean of their stars.
Per-problem comparisons follow (one value per student there too). With more than two groups each
is compared with the first (the control) and the p-values are not adjusted: the report says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import fmean

from qa_arena.experiments.config import Experiment
from qa_arena.experiments.data import Improvement, StarRating
from qa_arena.experiments.stats import OK, Comparison, compare


@dataclass(frozen=True)
class Metric:
    """One quantity compared across groups: its per-group student counts and the comparisons with the control."""

    key: str
    title: str
    counts: dict[str, int]
    comparisons: list[Comparison]

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "counts": self.counts,
            "comparisons": [c.to_dict() for c in self.comparisons],
        }


@dataclass(frozen=True)
class ExperimentReport:
    experiment: Experiment
    min_per_group: int
    students: dict[str, int]  # students with any data, per group
    improvement: Metric
    per_problem: list[Metric]
    ratings: Metric
    rating_sources: dict[str, dict[str, int]]  # group -> {"ai": ratings, "fallback": ratings}
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        exp = self.experiment
        return {
            "experiment": exp.name,
            "description": exp.description,
            "groups": list(exp.groups),
            "control": exp.control,
            "problems": list(exp.problems) if exp.problems is not None else None,
            "start": exp.start.isoformat() if exp.start else None,
            "end": exp.end.isoformat() if exp.end else None,
            "assignment": f"sha256([experiment, user]) mod {len(exp.groups)}",
            "min_per_group": self.min_per_group,
            "students": self.students,
            "improvement": self.improvement.to_dict(),
            "per_problem": [m.to_dict() for m in self.per_problem],
            "ratings": self.ratings.to_dict(),
            "rating_sources": self.rating_sources,
            "notes": self.notes,
        }

    def render(self) -> str:
        exp = self.experiment
        lines = [f"Experiment {exp.name}" + (f": {exp.description}" if exp.description else "")]
        groups = ", ".join(f"{g} (control)" if g == exp.control else g for g in exp.groups)
        lines.append(f"Groups: {groups}; assignment: sha256([experiment, user]) mod {len(exp.groups)}")
        window = [f"from {exp.start.isoformat()}"] if exp.start else []
        window += [f"before {exp.end.isoformat()}"] if exp.end else []
        problems = ", ".join(exp.problems) if exp.problems is not None else "all"
        lines.append(f"Problems: {problems}; submissions queued: {' and '.join(window) or 'any time'}")
        lines.append("Students seen: " + ", ".join(f"{g} {n}" for g, n in self.students.items()))
        lines += [f"Note: {note}" for note in self.notes]
        for metric in [self.improvement, *self.per_problem, self.ratings]:
            lines += ["", metric.title, "  students: " + ", ".join(f"{g} {n}" for g, n in metric.counts.items())]
            for comparison in metric.comparisons:
                lines += [f"  {line}" for line in render_comparison(comparison)]
            if metric is self.ratings and any(self.rating_sources.values()):
                sources = "; ".join(
                    f"{g}: ai {s.get('ai', 0)}, fallback {s.get('fallback', 0)}" for g, s in self.rating_sources.items()
                )
                lines.append(f"  feedback rated (ratings by source): {sources}")
        return "\n".join(lines) + "\n"


def _p(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def render_comparison(c: Comparison) -> list[str]:
    head = f"{c.treatment} vs {c.control}: "
    if c.status != OK and c.mean_control is None:
        return [head + c.message]
    lines = [
        head + f"n = {c.n_treatment} vs {c.n_control}; mean {c.mean_treatment:.2f} vs {c.mean_control:.2f} "
        f"(SD {c.sd_treatment:.2f} vs {c.sd_control:.2f}); difference {c.difference:+.2f}"
    ]
    if c.status != OK:
        return [*lines, f"  {c.message}"]
    lines.append(
        f"  95% CI of the difference (Welch): {c.ci_low:+.2f} to {c.ci_high:+.2f}; Hedges' g = {c.hedges_g:+.2f}"
    )
    lines.append(
        f"  Welch's t = {c.welch_t:.2f} (df {c.welch_df:.1f}), {_p(c.welch_p)}; "
        f"Mann-Whitney U = {c.mann_whitney_u:g}, {_p(c.mann_whitney_p)} "
        f"(P({c.treatment} > {c.control}) = {c.prob_superiority:.2f})"
    )
    return lines


def _by_group(experiment: Experiment, values: dict[str, list[float]]) -> dict[str, list[float]]:
    """Per group, one value per student (the mean of the student's values), students in a stable order."""
    grouped: dict[str, list[float]] = {g: [] for g in experiment.groups}
    for username in sorted(values):
        grouped[experiment.group_for(username)].append(fmean(values[username]))
    return grouped


def _metric(key: str, title: str, experiment: Experiment, values: dict[str, list[float]], minimum: int) -> Metric:
    grouped = _by_group(experiment, values)
    control = experiment.control
    comparisons = [
        compare(control, grouped[control], group, grouped[group], minimum) for group in experiment.groups[1:]
    ]
    return Metric(key, title, {g: len(v) for g, v in grouped.items()}, comparisons)


def build_report(
    experiment: Experiment,
    improvements: Iterable[Improvement],
    ratings: Iterable[StarRating],
    min_per_group: int,
) -> ExperimentReport:
    """The report from the rows ``data.py`` reads (or any others: it touches no database)."""
    improvements, ratings = list(improvements), list(ratings)
    per_student: dict[str, list[float]] = defaultdict(list)
    per_problem: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in improvements:
        per_student[row.username].append(row.delta)
        per_problem[row.problem][row.username].append(row.delta)
    stars: dict[str, list[float]] = defaultdict(list)
    sources: dict[str, dict[str, int]] = {g: {"ai": 0, "fallback": 0} for g in experiment.groups}
    for rating in ratings:
        stars[rating.username].append(rating.stars)
        sources[experiment.group_for(rating.username)][rating.feedback_source] += 1

    seen = {r.username for r in improvements} | {r.username for r in ratings}
    students = {g: 0 for g in experiment.groups}
    for username in seen:
        students[experiment.group_for(username)] += 1

    k = len(experiment.groups)
    notes = [
        f"each group is compared with the first, {experiment.control} (the control); differences are group "
        "minus control",
        "one value per student: improvement = final minus first graded score (SUCCESS/FAILURE, in submission "
        "order) on a problem with at least 2 graded submissions, averaged over the student's problems; "
        "rating = the mean of the student's stars",
    ]
    if k > 2:
        notes.append(
            f"{k - 1} comparisons with the control; p-values are not adjusted for multiple comparisons "
            f"(Bonferroni: compare them with {0.05 / (k - 1):.3g})"
        )
    improvement = _metric(
        "improvement",
        "Improvement (final minus first graded score, per student)",
        experiment,
        per_student,
        min_per_group,
    )
    problems = [
        _metric(f"improvement:{p}", f"Improvement on {p}", experiment, per_problem[p], min_per_group)
        for p in _problem_order(experiment, per_problem)
    ]
    rating_metric = _metric("ratings", "Ratings (stars 1-5, per student)", experiment, stars, min_per_group)
    return ExperimentReport(experiment, min_per_group, students, improvement, problems, rating_metric, sources, notes)


def _problem_order(experiment: Experiment, seen: dict) -> Sequence[str]:
    if experiment.problems is not None:
        return list(experiment.problems)  # every one, so a problem without data shows as too small
    return sorted(seen)
