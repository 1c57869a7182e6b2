"""The environment variables QA Arena reads, in one table; with `qa_arena.hub.settings` (the hub's own),
the only module that reads `QA_ARENA_*`.

Deployments set variables, code reads traits. A variable that sets a trait becomes config: under the
config file for `qa-arena` commands (`qa_arena.command.load_config`: the file wins), and over a course's
defaults in its nbgrader_config.py (`autograde_plugins.configure`, as course configs always read them).
The others are values read where no configurable holds them (`value`). README.md lists them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config

from qa_arena.grading.paths import user_cache_dir


@dataclass(frozen=True)
class Variable:
    name: str
    help: str
    trait: str = ""  # "Class.trait" that it sets; "" when it is read with value()
    paths: bool = False  # a ':'-separated list of paths


VARIABLES = {
    variable.name: variable
    for variable in (
        Variable("QA_ARENA_CONFIG", "QA Arena's traitlets config file (default: ./qa_arena_config.py)"),
        Variable(
            "QA_ARENA_PROBLEMS",
            "directories of problem directories, ':'-separated, searched in order (default: the bundled "
            "problems); a course's own come first",
            "ProblemBank.paths",
            paths=True,
        ),
        Variable("QA_ARENA_SANDBOX", "the sandbox backend: docker, local or auto", "Judge.sandbox_class"),
        Variable(
            "QA_ARENA_REWRITE_SECRET",
            "the key that seeds the rewrites of variants; the same on every worker, never in a repository "
            "(default: a key made once and kept in the user's cache)",
            "Judge.rewrite_secret",
        ),
        Variable(
            "QA_ARENA_DB_URL",
            "the grading service's database, a SQLAlchemy URL (default: SQLite in the user's cache)",
            "SubmissionStore.db_url",
        ),
        Variable("QA_ARENA_OPENAI_MODEL", "the chat model that writes AI feedback", "OpenAIFeedback.model"),
        Variable(
            "QA_ARENA_AUTOGRADE_VIA",
            "judge (default) or queue: how nbgrader autograde grades tests cells",
            "JudgeTests.grade_via",
        ),
        Variable("QA_ARENA_CHECK_URL", "where a notebook sends checks (the hub sets it in users' servers)"),
        Variable("QA_ARENA_CHECK_BIND_IP", "the check service's listening address (0.0.0.0 in a container)"),
        Variable(
            "QA_ARENA_CACHE",
            "what QA Arena downloads again when it must: image wheels, the hub's proxy (default: "
            "/var/cache/qa-arena as root, else ~/.cache/qa-arena)",
        ),
        Variable("QA_ARENA_COURSE_ID", "a course's id, over its nbgrader_config.py", "CourseDirectory.course_id"),
        Variable(
            "QA_ARENA_GRADEBOOK_URL",
            "a course's gradebook, over its nbgrader_config.py (default: SQLite in the course directory)",
            "CourseDirectory.db_url",
        ),
        Variable("QA_ARENA_EXCHANGE", "nbgrader's exchange root, over the course's", "Exchange.root"),
        Variable("QA_ARENA_EXCHANGE_LAYOUT", "the exchange's layout: shared (nbgrader's) or per-user"),
        Variable(
            "QA_ARENA_LATE_PENALTY",
            "nbgrader's late penalty method, over the course's (default zero)",
            "LateSubmissionPlugin.penalty_method",
        ),
    )
}


# Variables that older releases read and this one does not: `retired_in_use` says so where they would matter.
RETIRED = {
    "QA_ARENA_BROKER_URL": "jobs no longer travel through a broker: the workers take them from the database "
    "($QA_ARENA_DB_URL). Unset it (and retire the Redis server)",
    "QA_ARENA_RESULT_BACKEND": "results are in the database ($QA_ARENA_DB_URL). Unset it",
}


def retired_in_use(environ: Mapping[str, str] | None = None) -> list[str]:
    """A line for each retired variable that is set: what it was, and what to do."""
    environ = os.environ if environ is None else environ
    return [f"{name} is set but no longer read: {why}" for name, why in RETIRED.items() if environ.get(name)]


def value(name: str, default: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The variable's value (None or `default` when unset or empty); a name not in the table is a bug."""
    if name not in VARIABLES:
        raise KeyError(f"{name} is not one of QA Arena's variables (qa_arena.environment.VARIABLES)")
    return (os.environ if environ is None else environ).get(name) or default


def paths(name: str, environ: Mapping[str, str] | None = None) -> list[str]:
    return [p for p in (value(name, "", environ) or "").split(":") if p]


def environment_config(environ: Mapping[str, str] | None = None, exclude: tuple[str, ...] = ()) -> Config:
    """The traits the environment sets, as config."""
    config = Config()
    for variable in VARIABLES.values():
        if not variable.trait or variable.name in exclude:
            continue
        given = paths(variable.name, environ) if variable.paths else value(variable.name, None, environ)
        if given:
            section, trait = variable.trait.split(".")
            config[section][trait] = given
    return config


def cache_dir() -> Path:
    """$QA_ARENA_CACHE, else /var/cache/qa-arena as root, else the user's cache."""
    given = value("QA_ARENA_CACHE")
    if given:
        return Path(given)
    return Path("/var/cache/qa-arena") if os.geteuid() == 0 else user_cache_dir()
