"""`qa-arena experiment report` on a synthetic course whose statistics are computed here by hand.

Submission rows are inserted directly with known scores; the expected numbers come from the textbook
formulas (Welch's t and CI, Hedges' g) and from scipy.stats called on the per-student values.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from statistics import fmean

import numpy as np
import pytest
from scipy import stats

from qa_arena.ai.base import AIFeedback
from qa_arena.experiments.config import Experiment
from qa_arena.experiments.data import Improvement, StarRating, improvements, star_ratings
from qa_arena.experiments.report import build_report
from qa_arena.experiments.stats import NO_VARIANCE, OK, TOO_SMALL, compare, hedges_g
from qa_arena.ratings.store import RatingStore
from tests.experiments.conftest import write_config
from tests.ratings.helpers import T0, add_submission, run_main

EXPERIMENT = Experiment("hints-vs-ai", ("hints", "hints+ai"))
DEFINITION = {"hints-vs-ai": {"groups": ["hints", "hints+ai"], "description": "does AI text help?"}}

# Per student (12 a group): improvement on adder; the first 6 also improve on durations; their stars.
ADDER = {
    "hints": [5, 10, 0, 15, 20, 10, 5, 25, 10, 0, 15, 5],
    "hints+ai": [20, 15, 30, 10, 25, 35, 20, 15, 40, 10, 25, 30],
}
DURATIONS = {"hints": [0, 10, 5, 20, 10, 15], "hints+ai": [25, 20, 10, 30, 15, 20]}
STARS = {
    "hints": [[3], [2, 4], [3], [1], [4], [3, 3], [2], [5], [3], [2], [4], [3]],
    "hints+ai": [[4], [5], [4, 5], [3], [5], [4], [2], [5], [4], [3], [5], [4]],
}


def users_by_group(experiment: Experiment, per_group: int) -> dict[str, list[str]]:
    """The first `per_group` of s000, s001, ... that the hash puts in each group."""
    found: dict[str, list[str]] = {g: [] for g in experiment.groups}
    i = 0
    while min(len(v) for v in found.values()) < per_group:
        user = f"s{i:03d}"
        group = found[experiment.group_for(user)]
        if len(group) < per_group:
            group.append(user)
        i += 1
    return found


def expected_welch(t: list[float], c: list[float]) -> dict:
    """The textbook formulas, written out."""
    t_, c_ = np.asarray(t, float), np.asarray(c, float)
    nt, nc = len(t_), len(c_)
    vt, vc = t_.var(ddof=1), c_.var(ddof=1)
    se = math.sqrt(vt / nt + vc / nc)
    df = (vt / nt + vc / nc) ** 2 / ((vt / nt) ** 2 / (nt - 1) + (vc / nc) ** 2 / (nc - 1))
    diff = t_.mean() - c_.mean()
    half = stats.t.ppf(0.975, df) * se
    pooled = math.sqrt(((nt - 1) * vt + (nc - 1) * vc) / (nt + nc - 2))
    return {
        "n_treatment": nt,
        "n_control": nc,
        "mean_treatment": t_.mean(),
        "mean_control": c_.mean(),
        "difference": diff,
        "ci_low": diff - half,
        "ci_high": diff + half,
        "welch_t": diff / se,
        "welch_df": df,
        "welch_p": 2 * stats.t.sf(abs(diff / se), df),
        "hedges_g": (1 - 3 / (4 * (nt + nc) - 9)) * diff / pooled,
    }


def assert_matches(comparison: dict, t: list[float], c: list[float]) -> None:
    assert comparison["status"] == OK
    for key, value in expected_welch(t, c).items():
        assert comparison[key] == pytest.approx(value, rel=1e-9), key
    scipy_t = stats.ttest_ind(t, c, equal_var=False)  # and SciPy itself agrees
    assert (comparison["welch_t"], comparison["welch_p"]) == pytest.approx((scipy_t.statistic, scipy_t.pvalue))
    mwu = stats.mannwhitneyu(t, c, alternative="two-sided")
    assert (comparison["mann_whitney_u"], comparison["mann_whitney_p"]) == pytest.approx((mwu.statistic, mwu.pvalue))
    assert comparison["prob_superiority"] == pytest.approx(mwu.statistic / (len(t) * len(c)))


@pytest.fixture
def course(store):
    """The synthetic course: 12 students a group, noise that must be ignored, ratings. The expected values."""
    users = users_by_group(EXPERIMENT, 12)
    ratings = RatingStore(store)
    per_student: dict[str, list[float]] = {}
    for group, names in users.items():
        values = []
        for i, user in enumerate(names):
            first = 30.0 + 5 * (i % 4)
            delta = ADDER[group][i]
            last = add_submission(store, user, "adder", first + delta, timedelta(hours=3, minutes=i))  # out of order
            add_submission(store, user, "adder", None, timedelta(hours=2), status="ERROR")  # no score: skipped
            add_submission(store, user, "adder", first + delta / 2, timedelta(hours=1))
            early = add_submission(store, user, "adder", first, timedelta(minutes=i))
            add_submission(store, user, "adder", None, timedelta(hours=9), status="PENDING")  # not graded yet
            deltas = [delta]
            if i < len(DURATIONS[group]):
                add_submission(store, user, "durations", 10.0, timedelta(days=1))
                add_submission(store, user, "durations", 10.0 + DURATIONS[group][i], timedelta(days=1, hours=1))
                deltas.append(DURATIONS[group][i])
            values.append(fmean(deltas))
            source = AIFeedback("text", "ai", model="m") if group == "hints+ai" else AIFeedback("t", "fallback")
            for sub, stars in zip([early, last], STARS[group][i], strict=False):
                ratings.add(sub.id, user, stars, source)
        per_student[group] = values
    add_submission(store, "loner", "adder", 50.0)  # one graded submission: no improvement to count
    add_submission(store, "loner", "adder", None, timedelta(hours=1), status="ERROR")
    stars = {g: [fmean(s) for s in STARS[g]] for g in STARS}
    return {"improvement": per_student, "stars": stars, "users": users}


def test_data_reads_first_and_last_graded(store, course):
    rows = improvements(store, EXPERIMENT)
    assert len(rows) == 24 + 12  # every student on adder, six a group on durations; not the loner
    alice = course["users"]["hints+ai"][2]
    (row,) = [r for r in rows if (r.username, r.problem) == (alice, "adder")]
    assert (row.first, row.last, row.graded, row.delta) == (40.0, 70.0, 3, 30.0)
    assert len(star_ratings(store, EXPERIMENT)) == sum(len(s) for g in STARS.values() for s in g)


def test_report_matches_hand_computed_statistics(course, cli_env, tmp_path, capsys):
    config = write_config(tmp_path / "exp_config.py", DEFINITION)
    assert run_main(["--config", str(config), "experiment", "report", "hints-vs-ai", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["control"], report["groups"], report["min_per_group"]) == ("hints", ["hints", "hints+ai"], 10)
    assert report["students"] == {"hints": 12, "hints+ai": 12}

    (improvement,) = report["improvement"]["comparisons"]
    assert (improvement["control"], improvement["treatment"]) == ("hints", "hints+ai")
    assert_matches(improvement, course["improvement"]["hints+ai"], course["improvement"]["hints"])

    adder, durations = report["per_problem"]
    assert (adder["key"], durations["key"]) == ("improvement:adder", "improvement:durations")
    assert_matches(adder["comparisons"][0], ADDER["hints+ai"], ADDER["hints"])
    small = durations["comparisons"][0]  # 6 students a group: below the minimum of 10
    assert (small["status"], small["n_control"], small["n_treatment"]) == (TOO_SMALL, 6, 6)
    assert small["welch_p"] is None and small["hedges_g"] is None and small["mean_control"] is None

    (ratings,) = report["ratings"]["comparisons"]
    assert_matches(ratings, course["stars"]["hints+ai"], course["stars"]["hints"])
    assert report["rating_sources"] == {"hints": {"ai": 0, "fallback": 14}, "hints+ai": {"ai": 13, "fallback": 0}}


def test_report_text_says_plainly_when_too_small(course, cli_env, tmp_path, capsys):
    config = write_config(tmp_path / "exp_config.py", DEFINITION, min_per_group=20)
    assert run_main(["--config", str(config), "experiment", "report", "hints-vs-ai"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Experiment hints-vs-ai: does AI text help?\n")
    assert "Groups: hints (control), hints+ai; assignment: sha256([experiment, user]) mod 2" in text
    assert "Problems: all; submissions queued: any time" in text
    too_small = (
        "hints+ai vs hints: too small to compare: hints has 12 student(s), hints+ai has 12; at least 20 per group "
        "are needed (c.Experiments.min_per_group), so no statistics are shown"
    )
    assert text.count(too_small) == 3  # improvement, improvement on adder, ratings
    assert "Welch" not in text and "Hedges" not in text and "p =" not in text


def test_report_text_with_statistics(course, cli_env, tmp_path, capsys):
    config = write_config(tmp_path / "exp_config.py", DEFINITION)
    assert run_main(["--config", str(config), "experiment", "report", "hints-vs-ai"]) == 0
    text = capsys.readouterr().out
    expected = expected_welch(course["improvement"]["hints+ai"], course["improvement"]["hints"])
    assert f"difference {expected['difference']:+.2f}" in text
    assert f"95% CI of the difference (Welch): {expected['ci_low']:+.2f} to {expected['ci_high']:+.2f}" in text
    assert f"Hedges' g = {expected['hedges_g']:+.2f}" in text
    assert "Note: each group is compared with the first, hints (the control)" in text
    assert "not adjusted" not in text  # two groups: one comparison


def test_more_than_two_groups_compare_each_with_the_control():
    experiment = Experiment("three", ("hints", "ai", "both"))
    users = users_by_group(experiment, 3)
    values = {"hints": [0, 5, 10], "ai": [10, 20, 15], "both": [30, 20, 40]}
    rows = [
        Improvement(user, "adder", 10.0, 10.0 + values[group][i], 2)
        for group, names in users.items()
        for i, user in enumerate(names)
    ]
    report = build_report(experiment, rows, [], min_per_group=3)
    pairs = [(c.treatment, c.control) for c in report.improvement.comparisons]
    assert pairs == [("ai", "hints"), ("both", "hints")]
    for comparison in report.improvement.comparisons:
        assert_matches(comparison.to_dict(), values[comparison.treatment], values["hints"])
    assert any("2 comparisons with the control; p-values are not adjusted" in n for n in report.notes)
    assert "ai vs hints:" in report.render() and "both vs hints:" in report.render()
    (ratings,) = report.ratings.comparisons[:1]
    assert ratings.status == TOO_SMALL and report.ratings.counts == {"hints": 0, "ai": 0, "both": 0}


def test_no_variance_is_not_a_statistic():
    c = compare("a", [3, 3, 3], "b", [4, 4, 4], min_per_group=2)
    assert (c.status, c.difference, c.welch_p, c.hedges_g) == (NO_VARIANCE, 1.0, None, None)
    assert "undefined" in c.message


def test_hedges_g_by_hand():
    # means 4 and 2; variances 4 and 1; pooled SD sqrt(2.5); J = 1 - 3 / (4 * 6 - 9) = 0.8
    assert hedges_g([2, 4, 6], [1, 2, 3]) == pytest.approx(0.8 * 2 / math.sqrt(2.5))


def test_problems_and_window_limit_the_data(store):
    experiment = Experiment("w", ("a", "b"), problems=("adder",), start=T0 + timedelta(hours=1))
    add_submission(store, "u", "adder", 10.0)  # before the start
    add_submission(store, "u", "adder", 20.0, timedelta(hours=2))
    add_submission(store, "u", "adder", 50.0, timedelta(hours=3))
    add_submission(store, "u", "durations", 0.0, timedelta(hours=2))  # not in the experiment
    add_submission(store, "u", "durations", 90.0, timedelta(hours=3))
    assert improvements(store, experiment) == [Improvement("u", "adder", 20.0, 50.0, 2)]


def test_bad_input_exits_2_with_one_line(cli_env, tmp_path, capsys):
    config = write_config(tmp_path / "exp_config.py", DEFINITION)
    assert run_main(["--config", str(config), "experiment", "report", "nope"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err == "qa-arena: no experiment 'nope'; defined: hints-vs-ai\n"
    bad = write_config(tmp_path / "bad_config.py", {"x": {"groups": ["one"]}})
    assert run_main(["--config", str(bad), "experiment", "report", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at least two groups" in err


def test_group_command(cli_env, tmp_path, capsys):
    config = write_config(tmp_path / "exp_config.py", DEFINITION)
    assert run_main(["--config", str(config), "experiment", "group", "hints-vs-ai", "alice", "bob"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{u}\t{EXPERIMENT.group_for(u)}" for u in ("alice", "bob")]


def test_empty_database_reports_too_small(cli_env, tmp_path, capsys):
    config = write_config(tmp_path / "exp_config.py", DEFINITION)
    assert run_main(["--config", str(config), "experiment", "report", "hints-vs-ai", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["students"] == {"hints": 0, "hints+ai": 0} and report["per_problem"] == []
    assert report["improvement"]["comparisons"][0]["status"] == TOO_SMALL


def test_star_ratings_are_student_means():
    rows = [StarRating("x", "adder", 2, "ai"), StarRating("x", "adder", 5, "ai")]
    report = build_report(EXPERIMENT, [], rows, min_per_group=2)
    assert report.ratings.counts[EXPERIMENT.group_for("x")] == 1
