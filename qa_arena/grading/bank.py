"""The problem bank the service grades against: directories of problem directories, found by slug.

Submitters and workers resolve slugs the same way, so a submission for a problem the bank does
not hold is refused at the door (bad input), and a worker whose bank lacks it records an ERROR.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from traitlets import List, Unicode, default
from traitlets.config import LoggingConfigurable

from qa_arena.grading.paths import bundled_problems_dir
from qa_arena.grading.problem import Problem, ProblemCache, ProblemError

SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")


class UnknownProblem(ProblemError):
    """No directory of the bank holds this slug."""


class ProblemBank(LoggingConfigurable):
    """Looks a slug up in each directory in turn: the first `<dir>/<slug>/problem.toml` wins.

    A problem is read from disk again only when its directory changed: the check page resolves one
    per check it lists, the API one per request, a worker one per job.
    """

    paths = List(
        Unicode(),
        config=True,
        help="Directories holding problem directories, searched in order. Default: the problems bundled "
        "with QA Arena ($QA_ARENA_PROBLEMS sets it: qa_arena.environment).",
    )

    @default("paths")
    def _paths_default(self) -> list[str]:
        try:
            return [str(bundled_problems_dir())]
        except FileNotFoundError:  # an installation without them (students' containers)
            return []

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._problems = ProblemCache()

    def find(self, slug: str) -> Path:
        """The problem directory of slug; UnknownProblem if no bank directory holds it."""
        if not SLUG.fullmatch(slug) or slug.startswith("."):
            raise UnknownProblem(f"{slug!r} is not a problem slug")
        unreadable = []
        for base in self.paths:
            candidate = Path(base) / slug
            try:
                if (candidate / "problem.toml").is_file():
                    return candidate
            except PermissionError:  # a course directory this process may not enter: look further
                unreadable.append(base)
        where = ", ".join(self.paths) or "no directory (set $QA_ARENA_PROBLEMS or c.ProblemBank.paths)"
        denied = (
            f" ({', '.join(unreadable)}: permission denied to uid {os.geteuid()}; make the problems readable "
            "by it, e.g. chmod -R a+rX, and their parents searchable)"
            if unreadable
            else ""
        )
        raise UnknownProblem(f"unknown problem {slug!r}: not in {where}{denied}")

    def resolve(self, slug: str) -> Problem:
        """Load the problem of slug (ProblemError if its directory is unusable or names another slug)."""
        directory = self.find(slug)
        problem = self._problems.load(directory)
        if problem.slug != slug:
            raise ProblemError(f"{directory}: problem.toml says slug {problem.slug!r}, not {slug!r}")
        return problem
