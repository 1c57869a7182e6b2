"""The course a hub serves: its id and exchange, read from its nbgrader_config.py; the dev hub's demo course."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from qa_arena.course.setup import DEFAULT_COURSE_ID
from qa_arena.grading.paths import bundled_problems_dir


class CourseError(ValueError):
    pass


@dataclass(frozen=True)
class Course:
    root: Path
    course_id: str
    exchange: Path
    problem_paths: tuple[Path, ...] = ()  # where its nbgrader_config.py has the judge look for problems

    @property
    def instructors_group(self) -> str:
        return f"formgrade-{self.course_id}"

    @property
    def students_group(self) -> str:
        return f"nbgrader-{self.course_id}"


def load_course(root: Path) -> Course:
    """Read the course id and the exchange from ROOT/nbgrader_config.py (it reads $QA_ARENA_COURSE_ID...)."""
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise CourseError(f"{root} is not a course directory (no nbgrader_config.py): see `qa-arena course init`")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    course_id = config.CourseDirectory.get("course_id") or ""
    if not course_id:
        raise CourseError(f"{root}/nbgrader_config.py sets no CourseDirectory.course_id")
    exchange = Path(config.Exchange.get("root") or "/srv/nbgrader/exchange")
    problems = tuple(Path(p) for p in config.JudgeTests.get("problem_paths", []))
    return Course(root=root, course_id=course_id, exchange=exchange, problem_paths=problems)


def create_demo_course(root: Path, students: list[str] = (), course_id: str = DEFAULT_COURSE_ID) -> Course:
    """A course with the repository's assignments in source/, its students (named) in the gradebook, and the
    first assignment generated and released, so that a new student sees it at once."""
    from qa_arena.course.assignments import ASSIGNMENTS
    from qa_arena.course.runner import CourseRunner
    from qa_arena.course.setup import build_assignment, init_course, load_problems

    problems = bundled_problems_dir()
    init_course(root, course_id)
    for assignment, slugs in ASSIGNMENTS.items():
        build_assignment(root, assignment, load_problems([str(problems / slug) for slug in slugs]))
    runner = CourseRunner(root, course_id)
    runner.add_students(list(students), {name: (name.title(), "(demo student)") for name in students})
    runner.release(next(iter(ASSIGNMENTS)))
    root.chmod(0o700)  # staff only: students' servers reach the exchange through a bind mount
    return load_course(root)


def open_to_others(path: Path) -> bool:
    return path.exists() and bool(path.stat().st_mode & stat.S_IROTH)
