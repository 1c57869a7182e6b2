"""`qa-arena experiment report NAME` and `qa-arena experiment group NAME USER...`.

Exit codes: 0 done (also when a sample is too small: the report says so); 2 bad input (an unknown
experiment, a definition in c.Experiments.experiments that cannot be used), reported in one line.
The data come from the service database ($QA_ARENA_DB_URL or c.SubmissionStore.db_url).
"""

from __future__ import annotations

import argparse
import json
import sys

from qa_arena.command import BadInput, load_config


def add_parsers(subparsers) -> None:
    """Register `experiment` (report, group) on the `qa-arena` subparsers."""
    experiment = subparsers.add_parser(
        "experiment",
        help="experiments on feedback strategies (c.Experiments.experiments)",
        description="Students are assigned to an experiment's groups by sha256([experiment, user]) mod the "
        "number of groups; the first group is the control.",
    )
    actions = experiment.add_subparsers(dest="action", required=True)
    report = actions.add_parser("report", help="compare the groups on score improvement and on feedback ratings")
    report.add_argument("name", metavar="NAME", help="the experiment, as named in c.Experiments.experiments")
    report.add_argument("--json", action="store_true", help="print the report as one JSON object")
    report.set_defaults(func=cmd_experiment_report)
    group = actions.add_parser("group", help="the group each user is in")
    group.add_argument("name", metavar="NAME")
    group.add_argument("users", nargs="+", metavar="USER")
    group.set_defaults(func=cmd_experiment_group)


def _experiment(args: argparse.Namespace):
    """(config, Experiments, Experiment), or BadInput for an unknown name or a bad definition."""
    from traitlets import TraitError

    from qa_arena.experiments.config import ExperimentError, Experiments

    config = load_config(getattr(args, "config", None))
    try:
        experiments = Experiments(config=config)
        return config, experiments, experiments.get(args.name)
    except (ExperimentError, TraitError) as exc:
        raise BadInput(str(exc)) from exc


def cmd_experiment_report(args: argparse.Namespace) -> int:
    from qa_arena.experiments.data import improvements, star_ratings
    from qa_arena.experiments.report import build_report
    from qa_arena.service.store import SubmissionStore

    config, experiments, experiment = _experiment(args)
    store = SubmissionStore(config=config)
    try:
        report = build_report(
            experiment, improvements(store, experiment), star_ratings(store, experiment), experiments.min_per_group
        )
    finally:
        store.dispose()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        sys.stdout.write(report.render())
    return 0


def cmd_experiment_group(args: argparse.Namespace) -> int:
    _, _, experiment = _experiment(args)
    for user in args.users:
        print(f"{user}\t{experiment.group_for(user)}")
    return 0
