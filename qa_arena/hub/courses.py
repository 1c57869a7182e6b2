"""The courses one hub serves: the course of $QA_ARENA_COURSE_DIR, and those added by `qa-arena hub courses add`.

Each course is an nbgrader course directory of its own (id, gradebook, exchange, problems) and gets, on the
hub, a formgrader service (/services/<id>/formgrader), two groups (`formgrade-<id>`: instructors and TAs;
`nbgrader-<id>`: students) and roles that let each group reach its own course only. A user's server sees
the exchange of the courses the user is a member of, and nothing of the others (`mounts`).

The added courses are the hub's courses file, a config entry the command writes and an admin may edit
(STATE/courses.json, or $QA_ARENA_HUB_COURSES):

    {"courses": [{"course_dir": "/srv/courses/cs102", "instructors": ["ann"], "students": ["carol"]}]}

`instructors` and `students` put users in the course's groups at start (for the dev accounts and OAuth
logins; LTI launches put users in their courses' groups themselves). JupyterHub starts its managed services
when it starts: restart the hub after a change.

The course-level variables (COURSE_VARIABLES) apply to the course of $QA_ARENA_COURSE_DIR alone: an added
course is read from its nbgrader_config.py only, and its formgrader does not get them.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from qa_arena.checks import SERVICE_NAME
from qa_arena.course.settings import Course, CourseError, read_course
from qa_arena.hub import settings

COURSE_VARIABLES = ("QA_ARENA_COURSE_ID", "QA_ARENA_GRADEBOOK_URL", "QA_ARENA_EXCHANGE")
# the hub's other services, whose names a course id (its formgrader's name) may not take
RESERVED_NAMES = (SERVICE_NAME, f"{SERVICE_NAME}-worker", f"{SERVICE_NAME}-admin", "idle-culler")


class CoursesError(ValueError):
    """The courses file or one of its courses cannot be served; the message says what to change."""


@dataclass(frozen=True)
class CourseEntry:
    """One entry of the courses file."""

    course_dir: str
    instructors: tuple[str, ...] = ()
    students: tuple[str, ...] = ()


@dataclass(frozen=True)
class HubCourse:
    """A course on the hub, with the users the hub puts in its groups at start."""

    course: Course
    instructors: tuple[str, ...] = ()
    students: tuple[str, ...] = ()

    @property
    def course_id(self) -> str:
        return self.course.course_id

    @property
    def members(self) -> set[str]:
        return set(self.instructors) | set(self.students)


def courses_file(state: Path) -> Path:
    return Path(settings.value(settings.COURSES, "") or state / "courses.json")


def read_entries(path: Path) -> list[CourseEntry]:
    """The courses file's entries ([] when there is none)."""
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text())
        entries = [
            CourseEntry(str(e["course_dir"]), tuple(e.get("instructors", ())), tuple(e.get("students", ())))
            for e in data["courses"]
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CoursesError(
            f"{path} is not a courses file ({type(exc).__name__}: {exc}): it holds "
            '{"courses": [{"course_dir": DIR, "instructors": [...], "students": [...]}]}; fix it, or remove it '
            "and add the courses again with `qa-arena hub courses add`"
        ) from exc
    return entries


def write_entries(path: Path, entries: list[CourseEntry]) -> None:
    """Replace the courses file at once (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps({"courses": [asdict(e) for e in entries]}, indent=1) + "\n")
    partial.chmod(0o644)
    partial.replace(path)


@contextlib.contextmanager
def _without_course_variables() -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in COURSE_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def read_added_course(course_dir: str | Path) -> Course:
    """An added course, from its nbgrader_config.py alone (the hub's course-level variables are not its own)."""
    with _without_course_variables():
        course = read_course(course_dir)
    if not course.course_id:
        raise CourseError(f"{course.root}/nbgrader_config.py sets no CourseDirectory.course_id")
    return course


def check_names(courses: list[HubCourse]) -> None:
    """Each course's id names a service and two groups: unique, and none of the hub's other services'."""
    seen: dict[str, Path] = {}
    for hub_course in courses:
        course = hub_course.course
        if course.course_id in RESERVED_NAMES:
            raise CoursesError(
                f"course id {course.course_id!r} ({course.root}) names one of the hub's services "
                f"({', '.join(RESERVED_NAMES)}): set another id in its nbgrader_config.py"
            )
        if course.course_id in seen:
            raise CoursesError(
                f"{seen[course.course_id]} and {course.root} are both course {course.course_id!r}: one hub serves a "
                "course id once; give one of them another id in its nbgrader_config.py"
            )
        seen[course.course_id] = course.root


def hub_courses(primary: HubCourse, path: Path) -> list[HubCourse]:
    """The hub's courses: `primary` (from $QA_ARENA_COURSE_DIR) first, then the courses file's."""
    courses = [primary]
    for entry in read_entries(path):
        if Path(entry.course_dir).resolve() == primary.course.root:
            courses[0] = HubCourse(primary.course, *_merged(primary, entry))
            continue
        try:
            course = read_added_course(entry.course_dir)
        except CourseError as exc:
            raise CoursesError(f"{path}: {exc} (`qa-arena hub courses remove` takes it off the hub)") from exc
        courses.append(HubCourse(course, entry.instructors, entry.students))
    check_names(courses)
    return courses


def _merged(primary: HubCourse, entry: CourseEntry) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (
        tuple(dict.fromkeys([*primary.instructors, *entry.instructors])),
        tuple(dict.fromkeys([*primary.students, *entry.students])),
    )


def add_course(path: Path, course_dir: Path, instructors: list[str], students: list[str]) -> Course:
    """Add a course to the courses file (or replace its entry's members); CoursesError when it cannot be served."""
    course = read_added_course(course_dir)
    entries = [e for e in read_entries(path) if Path(e.course_dir).resolve() != course.root]
    others = [HubCourse(read_added_course(e.course_dir)) for e in entries if Path(e.course_dir).is_dir()]
    check_names([*others, HubCourse(course)])
    write_entries(path, [*entries, CourseEntry(str(course.root), tuple(instructors), tuple(students))])
    return course


def remove_course(path: Path, course_id_or_dir: str) -> CourseEntry:
    """Take a course off the courses file, by its id or its directory."""
    entries = read_entries(path)
    for entry in entries:
        if course_id_or_dir == entry.course_dir or _id_of(entry) == course_id_or_dir:
            write_entries(path, [e for e in entries if e is not entry])
            return entry
    raise CoursesError(f"{course_id_or_dir!r} is not in {path}: `qa-arena hub courses list` shows its courses")


def _id_of(entry: CourseEntry) -> str | None:
    try:
        return read_added_course(entry.course_dir).course_id
    except CourseError:
        return None  # a course whose directory is gone is removed by its directory


def user_courses(courses: list[HubCourse], user) -> list[Course]:
    """The courses a hub user (a spawner's `user`) is a member of by group: as instructor, TA or student."""
    groups = {group.name for group in user.groups}
    return [h.course for h in courses if {h.course.instructors_group, h.course.students_group} & groups]
