"""`qa-arena course init` and `qa-arena course build`: a working nbgrader course directory.

A course owns its problems: `course build` copies each problem into the course's own `problems/`
(instructors only, like `source/`), which the course's nbgrader_config.py lists first. Everything that
grades or reports on the course later (nbgrader autograde, the formgrader, the workers, the exports)
finds them there, wherever the instructor kept the original.
"""

from __future__ import annotations

import filecmp
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from qa_arena.course.notebooks import problem_notebook
from qa_arena.grading.problem import Problem, load_problem

CONFIG_TEMPLATE = '''"""nbgrader configuration of a QA Arena course (written by `qa-arena course init`; edit freely)."""

import os

from autograde_plugins import configure

c = get_config()  # noqa: F821 - provided by nbgrader

root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = root
# The gradebook: SQLite in the course directory (PostgreSQL in production: QA_ARENA_GRADEBOOK_URL).
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "gradebook.db")
# A local exchange (one machine); see deploy/ for the multi-user setup.
c.Exchange.root = os.path.join(root, "exchange")
c.ExchangeCollect.check_owner = False  # every student container runs as the same uid
# Late submissions: nbgrader's LateSubmissionPlugin; "zero" gives a late notebook no points.
c.LateSubmissionPlugin.penalty_method = "zero"
c.JudgeTests.records_dir = os.path.join(root, "records")  # staff only: full verdicts, statuses, logs

# Grade tests cells with the QA Arena judge instead of executing the notebook. The problems: the course's
# own (copied here by `qa-arena course build`), then more directories of problem directories, if any.
# The environment applies over the settings above (QA_ARENA_COURSE_ID, QA_ARENA_GRADEBOOK_URL,
# QA_ARENA_EXCHANGE, QA_ARENA_EXCHANGE_LAYOUT, QA_ARENA_LATE_PENALTY, QA_ARENA_PROBLEMS, QA_ARENA_SANDBOX, ...:
# the table in QA Arena's README).
configure(c, problem_paths=[os.path.join(root, "problems"), *{extra_problems!r}])
'''


PROBLEMS_DIR = "problems"
_NOT_COPIED = shutil.ignore_patterns("__pycache__", "*.pyc", "candidates", ".*")


def init_course(directory: Path, course_id: str, problem_paths: list[Path] = ()) -> Path:
    """Create a course directory with its own nbgrader_config.py, ready for `qa-arena course build`.

    `problem_paths` are more directories of problem directories for its config to list after the
    course's own problems/ (none by default: `course build` copies what the course uses)."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "nbgrader_config.py"
    if config.exists():
        raise FileExistsError(f"{config} exists: this is already a course directory")
    extra = [str(p.resolve()) for p in problem_paths]
    config.write_text(CONFIG_TEMPLATE.format(course_id=course_id, extra_problems=extra))
    for name in ("source", "exchange", PROBLEMS_DIR):
        (directory / name).mkdir(exist_ok=True)
    (directory / "exchange").chmod(0o777)
    return config


@dataclass(frozen=True)
class CopiedProblem:
    slug: str
    path: Path
    change: str  # "added", "updated" or "unchanged"


def _same_tree(a: Path, b: Path) -> bool:
    """Whether two problem directories hold the same files with the same contents (copied parts only)."""
    compared = filecmp.dircmp(a, b, ignore=["__pycache__", "candidates"])
    if compared.left_only or compared.right_only or compared.funny_files:
        return not [n for n in compared.left_only + compared.right_only if not n.startswith(".")]
    _, mismatch, errors = filecmp.cmpfiles(a, b, compared.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(_same_tree(a / d, b / d) for d in compared.common_dirs)


def copy_problem(course_dir: Path, problem: Problem) -> CopiedProblem:
    """Copy (or update) a problem into the course's problems/<slug>, the directory its config reads."""
    target = course_dir / PROBLEMS_DIR / problem.slug
    if target.resolve() == problem.root.resolve():
        return CopiedProblem(problem.slug, target, "unchanged")
    if target.is_dir() and _same_tree(problem.root, target):
        return CopiedProblem(problem.slug, target, "unchanged")
    change = "updated" if target.exists() else "added"
    staging = target.with_name(f".{problem.slug}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(problem.root, staging, ignore=_NOT_COPIED)
    readable_by_graders(staging)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return CopiedProblem(problem.slug, target, change)


def readable_by_graders(tree: Path) -> None:
    """Directories 0755, files 0644, whatever the instructor's copy had: the grading workers run as their
    own uid in production. The course directory around them (0700 or 0711) keeps students out."""
    tree.chmod(0o755)
    for path in tree.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def build_assignment(course_dir: Path, assignment: str, problems: list[Problem]) -> list[tuple[CopiedProblem, Path]]:
    """Copy each problem into the course and write source/<assignment>/<slug>.ipynb for it."""
    if not (course_dir / "nbgrader_config.py").is_file():
        raise FileNotFoundError(f"{course_dir} is not a course directory (run `qa-arena course init` first)")
    target = course_dir / "source" / assignment
    target.mkdir(parents=True, exist_ok=True)
    (course_dir / PROBLEMS_DIR).mkdir(exist_ok=True)
    (course_dir / PROBLEMS_DIR).chmod(0o755)
    built = []
    for problem in problems:
        copied = copy_problem(course_dir, problem)
        notebook = target / f"{problem.slug}.ipynb"
        nbformat.write(problem_notebook(problem), str(notebook))
        built.append((copied, notebook))
    return built


def load_problems(paths: list[str]) -> list[Problem]:
    return [load_problem(p) for p in paths]
