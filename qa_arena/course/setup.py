"""`qa-arena course init` and `qa-arena course build`: a working nbgrader course directory."""

from __future__ import annotations

from pathlib import Path

import nbformat

from ..problem import Problem, load_problem
from .notebooks import problem_notebook

DEFAULT_COURSE_ID = "testing-101"  # not "qa-arena": that is the check service's name on the hub

CONFIG_TEMPLATE = '''"""nbgrader configuration of a QA Arena course (written by `qa-arena course init`; edit freely)."""

import os

from autograde_plugins import configure
from qa_arena.course.exchange import configure_exchange

c = get_config()  # noqa: F821 - provided by nbgrader

root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = os.environ.get("QA_ARENA_COURSE_ID", {course_id!r})
c.CourseDirectory.root = root
# The gradebook: SQLite in the course directory by default; PostgreSQL in production, e.g.
# QA_ARENA_GRADEBOOK_URL=postgresql+psycopg://user@db/gradebook
c.CourseDirectory.db_url = os.environ.get("QA_ARENA_GRADEBOOK_URL", "sqlite:///" + os.path.join(root, "gradebook.db"))
# A local exchange (one machine); see deploy/ for the multi-user setup.
c.Exchange.root = os.environ.get("QA_ARENA_EXCHANGE", os.path.join(root, "exchange"))
c.ExchangeCollect.check_owner = False  # every student container runs as the same uid
configure_exchange(c)  # $QA_ARENA_EXCHANGE_LAYOUT: shared (default) or per-user (one inbound per user)
# Late submissions: nbgrader's LateSubmissionPlugin; "zero" gives a late notebook no points.
c.LateSubmissionPlugin.penalty_method = os.environ.get("QA_ARENA_LATE_PENALTY", "zero")

# Grade tests cells with the QA Arena judge instead of executing the notebook.
problems = os.environ.get("QA_ARENA_PROBLEMS", {problems!r})
configure(c, problem_paths=[p for p in problems.split(":") if p])
c.JudgeTests.records_dir = os.path.join(root, "records")  # staff only: full verdicts, statuses, logs
c.Judge.sandbox_class = os.environ.get("QA_ARENA_SANDBOX", "auto")  # "docker" in production
'''


def init_course(directory: Path, course_id: str, problem_paths: list[Path]) -> Path:
    """Create a course directory with its own nbgrader_config.py, ready for `qa-arena course build`."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "nbgrader_config.py"
    if config.exists():
        raise FileExistsError(f"{config} exists: this is already a course directory")
    problems = ":".join(str(p.resolve()) for p in problem_paths)
    config.write_text(CONFIG_TEMPLATE.format(course_id=course_id, problems=problems))
    for name in ("source", "exchange"):
        (directory / name).mkdir(exist_ok=True)
    (directory / "exchange").chmod(0o777)
    return config


def build_assignment(course_dir: Path, assignment: str, problems: list[Problem]) -> list[Path]:
    """Write source/<assignment>/<slug>.ipynb for each problem."""
    if not (course_dir / "nbgrader_config.py").is_file():
        raise FileNotFoundError(f"{course_dir} is not a course directory (run `qa-arena course init` first)")
    target = course_dir / "source" / assignment
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for problem in problems:
        path = target / f"{problem.slug}.ipynb"
        nbformat.write(problem_notebook(problem), str(path))
        written.append(path)
    return written


def load_problems(paths: list[str]) -> list[Problem]:
    return [load_problem(p) for p in paths]
