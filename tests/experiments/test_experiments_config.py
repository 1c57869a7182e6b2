"""c.Experiments.experiments: what a definition may say, loud failures, and group_for for the feedback code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from traitlets import TraitError
from traitlets.config import Config

from qa_arena.experiments.assign import group_index
from qa_arena.experiments.config import Experiment, ExperimentError, Experiments, group_for

DEFINITIONS = {
    "hints-vs-ai": {"groups": ["hints", "hints+ai"], "description": "does AI text help?"},
    "window": {
        "groups": ["a", "b", "c"],
        "problems": ["adder", "durations"],
        "start": "2026-03-01",
        "end": "2026-04-01T12:00:00+02:00",
    },
}


def config(experiments=DEFINITIONS, **more) -> Config:
    c = Config()
    c.Experiments.experiments = experiments
    for key, value in more.items():
        setattr(c.Experiments, key, value)
    return c


def test_definitions_parse():
    experiments = Experiments(config=config())
    plain = experiments.get("hints-vs-ai")
    assert (plain.groups, plain.control, plain.problems, plain.start, plain.end) == (
        ("hints", "hints+ai"), "hints", None, None, None,
    )  # fmt: skip
    assert plain.description == "does AI text help?"
    window = experiments.get("window")
    assert window.start == datetime(2026, 3, 1, tzinfo=UTC)
    assert window.end == datetime(2026, 4, 1, 10, tzinfo=UTC)  # converted to UTC
    assert experiments.min_per_group == 10


def test_covers_problems_and_window():
    window = Experiments(config=config()).get("window")
    inside = datetime(2026, 3, 15, tzinfo=UTC)
    assert window.covers("adder", inside) and window.covers("durations") and window.covers(None, inside)
    assert not window.covers("leap_year", inside)
    assert not window.covers("adder", datetime(2026, 2, 28, 23, 59, tzinfo=UTC))
    assert not window.covers("adder", datetime(2026, 4, 1, 10, tzinfo=UTC))  # the end is excluded


def test_group_for_the_feedback_code(tmp_path, monkeypatch):
    experiments = Experiments(config=config())
    experiment = experiments.get("hints-vs-ai")
    group = experiment.group_for("alice")
    assert group in experiment.groups
    assert group_for(experiment, "alice") == group
    assert group_for("hints-vs-ai", "alice", config()) == group
    assert experiments.group_for("hints-vs-ai", "alice") == group
    assert experiments.group_for("window", "alice", problem="leap_year") is None  # not in this experiment
    assert experiments.group_for("window", "alice", problem="adder", when=datetime(2027, 1, 1, tzinfo=UTC)) is None
    assert experiments.group_for("window", "alice", problem="adder") in ("a", "b", "c")
    file = tmp_path / "settings.py"  # no config given: the one `qa-arena` reads ($QA_ARENA_CONFIG)
    file.write_text(f"c.Experiments.experiments = {DEFINITIONS!r}\n")
    monkeypatch.setenv("QA_ARENA_CONFIG", str(file))
    assert group_for("hints-vs-ai", "alice") == group


def test_unknown_experiment_names_the_defined_ones():
    with pytest.raises(ExperimentError, match="no experiment 'nope'; defined: hints-vs-ai, window"):
        Experiments(config=config()).get("nope")
    with pytest.raises(ExperimentError, match=r"defined: none \(set c.Experiments.experiments\)"):
        Experiments().get("nope")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"groups": ["only"]}, "at least two groups"),
        ({"groups": "ab"}, "groups must be a list of names"),
        ({"groups": ["a", "a"]}, "groups has duplicates"),
        ({"groups": ["a", ""]}, "non-empty strings"),
        ({}, "groups must be a list of names"),
        ({"groups": ["a", "b"], "problems": []}, "problems is empty"),
        ({"groups": ["a", "b"], "group": ["x"]}, "unknown key"),
        ({"groups": ["a", "b"], "start": "next monday"}, "not an ISO date"),
        ({"groups": ["a", "b"], "start": "2026-03-02", "end": "2026-03-01"}, "end is not after start"),
        (["a", "b"], "a dict with 'groups' is needed"),
    ],
)
def test_bad_definitions_fail_loudly(spec, message):
    with pytest.raises(TraitError, match=message):
        Experiments(config=config({"bad": spec}))


def test_min_per_group_needs_two():
    with pytest.raises(TraitError, match="at least 2"):
        Experiments(config=config(min_per_group=1))


def test_an_experiment_object_is_enough():
    experiment = Experiment("solo", ("x", "y"))
    assert group_for(experiment, "u") == experiment.groups[group_index("solo", "u", 2)]
