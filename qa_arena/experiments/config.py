"""Experiments as the instructor writes them in the traitlets config, and the group a student is in.

    c.Experiments.experiments = {
        "hints-vs-ai": {
            "groups": ["hints", "hints+ai"],      # two or more; the first is the control
            "problems": ["durations", "leap_year"],  # optional: default every problem
            "start": "2026-02-01",                # optional, ISO date or time (UTC unless a zone is given)
            "end": "2026-03-15T18:00:00+01:00",   # optional; submissions from start up to (not incl.) end count
            "description": "does AI text on top of the hints help?",  # optional, shown in the report
        },
    }
    c.Experiments.min_per_group = 10              # fewer students in a group: no statistics, said plainly

A group name is what the feedback code switches on (e.g. "hints" -> HintsFallback only,
"hints+ai" -> OpenAIFeedback); this module only assigns and reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from traitlets import Dict, Int, TraitError, validate
from traitlets.config import Config, LoggingConfigurable

from qa_arena.experiments.assign import group_index

KEYS = frozenset({"groups", "problems", "start", "end", "description"})


class ExperimentError(ValueError):
    """An unknown experiment or a definition that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Experiment:
    """One experiment: its groups (the first is the control), the problems and the time window it covers."""

    name: str
    groups: tuple[str, ...]
    problems: tuple[str, ...] | None = None  # None: every problem
    start: datetime | None = None
    end: datetime | None = None
    description: str = ""

    @property
    def control(self) -> str:
        return self.groups[0]

    def group_for(self, user: str) -> str:
        """The student's group: sha256 of [name, user] mod the number of groups (see ``assign.py``)."""
        return self.groups[group_index(self.name, user, len(self.groups))]

    def covers(self, problem: str | None, when: datetime | None = None) -> bool:
        """Whether a submission of `problem` (made at `when`) belongs to the experiment; None: not checked."""
        if problem is not None and self.problems is not None and problem not in self.problems:
            return False
        if when is not None and self.start is not None and when < self.start:
            return False
        return not (when is not None and self.end is not None and when >= self.end)


def _moment(value: object, what: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ExperimentError(f"{what} {value!r} is not an ISO date or time") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise ExperimentError(f"{what} must be an ISO date or time")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _names(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ExperimentError(f"{what} must be a list of names")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise ExperimentError(f"{what} must be non-empty strings")
    if len(set(value)) != len(value):
        raise ExperimentError(f"{what} has duplicates")
    return tuple(value)


def parse_experiment(name: object, spec: object) -> Experiment:
    """An Experiment from its config entry; ExperimentError says what is wrong with it."""
    if not isinstance(name, str) or not name.strip():
        raise ExperimentError(f"experiment name {name!r}: a non-empty string is needed")
    if not isinstance(spec, Mapping):
        raise ExperimentError(f"experiment {name!r}: a dict with 'groups' is needed")
    unknown = set(spec) - KEYS
    if unknown:
        raise ExperimentError(f"experiment {name!r}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    groups = _names(spec.get("groups"), f"experiment {name!r}: groups")
    if len(groups) < 2:
        raise ExperimentError(f"experiment {name!r}: at least two groups are needed (the first is the control)")
    problems = spec.get("problems")
    if problems is not None:
        problems = _names(problems, f"experiment {name!r}: problems")
        if not problems:
            raise ExperimentError(f"experiment {name!r}: problems is empty (leave it out for every problem)")
    start = _moment(spec.get("start"), f"experiment {name!r}: start")
    end = _moment(spec.get("end"), f"experiment {name!r}: end")
    if start is not None and end is not None and end <= start:
        raise ExperimentError(f"experiment {name!r}: end is not after start")
    description = spec.get("description") or ""
    if not isinstance(description, str):
        raise ExperimentError(f"experiment {name!r}: description must be text")
    return Experiment(name, groups, problems, start, end, description)


class Experiments(LoggingConfigurable):
    """The experiments a course runs, by name; the group of a student in each."""

    experiments = Dict(
        config=True,
        help="Experiments by name: {name: {'groups': [control, other, ...], 'problems': [slug, ...], "
        "'start': ISO, 'end': ISO, 'description': text}}; only 'groups' (two or more distinct names) is "
        "required. A student's group is sha256 of [name, user id] mod the number of groups: changing the "
        "groups or their order reassigns students. Default: none.",
    )
    min_per_group = Int(
        10,
        config=True,
        help="Students each group of a comparison needs before `experiment report` shows statistics "
        "(at least 2). With fewer it says the sample is too small. Default 10; not a power analysis.",
    )

    @validate("experiments")
    def _check_experiments(self, proposal) -> dict:
        for name, spec in proposal["value"].items():
            try:
                parse_experiment(name, spec)
            except ExperimentError as exc:
                raise TraitError(f"c.Experiments.experiments: {exc}") from exc
        return proposal["value"]

    @validate("min_per_group")
    def _check_min_per_group(self, proposal) -> int:
        if proposal["value"] < 2:
            raise TraitError("c.Experiments.min_per_group must be at least 2 (a variance needs two values)")
        return proposal["value"]

    def get(self, name: str) -> Experiment:
        if name not in self.experiments:
            known = ", ".join(sorted(self.experiments)) or "none (set c.Experiments.experiments)"
            raise ExperimentError(f"no experiment {name!r}; defined: {known}")
        return parse_experiment(name, self.experiments[name])

    def group_for(self, name: str, user: str, problem: str | None = None, when: datetime | None = None) -> str | None:
        """The student's group in experiment `name`; None when `problem` or `when` (if given) is outside it."""
        experiment = self.get(name)
        if not experiment.covers(problem, when):
            return None
        return experiment.group_for(user)


def group_for(experiment: Experiment | str, user: str, config: Config | None = None) -> str:
    """The group `user` is in: for the feedback code to choose its strategy.

    `experiment` is an Experiment or a name looked up in `config` (default: the config `qa-arena`
    itself reads: --config is unknown here, so $QA_ARENA_CONFIG or ./qa_arena_config.py).
    """
    if isinstance(experiment, Experiment):
        return experiment.group_for(user)
    if config is None:
        from qa_arena.command import load_config

        config = load_config(None)
    return Experiments(config=config).get(experiment).group_for(user)
