"""The course a hub serves (read by qa_arena.course.settings), and the dev hub's demo course."""

from __future__ import annotations

import stat
from pathlib import Path

from qa_arena.course.settings import DEFAULT_COURSE_ID, Course, CourseError, read_course
from qa_arena.grading.paths import bundled_problems_dir


def load_course(root: Path) -> Course:
    """The course a hub serves: it must name itself (its groups and services are named after its id)."""
    course = read_course(root)
    if not course.course_id:
        raise CourseError(f"{course.root}/nbgrader_config.py sets no CourseDirectory.course_id")
    return course


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
