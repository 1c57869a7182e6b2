"""Where exports read from: the course's nbgrader_config.py and its gradebook, opened read-only.

nbgrader's `Gradebook` creates a missing database and a missing course row; an export must never
write, so a SQLite gradebook is opened with `mode=ro` and checked first: a missing file, a locked
database or a database that is not a gradebook become one-line `ExportError`s.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from nbgrader.api import Gradebook
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from traitlets import Float
from traitlets.config import LoggingConfigurable

from qa_arena.course.settings import Course, CourseError, read_course
from qa_arena.exports import ExportError


def load_course(course_dir: str | Path) -> Course:
    """The course whose gradebook and records an export reads; ExportError when it cannot be read."""
    try:
        return read_course(course_dir)
    except CourseError as exc:
        raise ExportError(str(exc)) from exc


class GradebookReader(LoggingConfigurable):
    """Opens a course's nbgrader gradebook for reading only."""

    lock_timeout_s = Float(
        5.0,
        config=True,
        help="How long to wait, in seconds, for a SQLite gradebook that another process (an autograde) "
        "holds locked before giving up with 'locked'. Not used for server databases.",
    )

    def url(self, db_url: str, root: Path) -> str:
        """A read-only URL for a SQLite gradebook (which must exist); other URLs unchanged."""
        try:
            url = make_url(db_url)
        except ArgumentError as exc:
            raise ExportError(f"the gradebook URL {db_url!r} is not a database URL") from exc
        if url.get_backend_name() != "sqlite":
            return db_url
        if not url.database or url.database == ":memory:":
            raise ExportError(f"the gradebook URL {db_url!r} names no database file")
        path = Path(url.database)
        path = path if path.is_absolute() else root / path
        if not path.is_file():
            raise ExportError(f"no gradebook database at {path}: nothing was collected or autograded yet")
        return f"sqlite:///file:{quote(str(path))}?mode=ro&uri=true&timeout={self.lock_timeout_s:g}"

    @contextmanager
    def open(self, course: Course) -> Iterator[Gradebook]:
        """Yield nbgrader's `Gradebook` of `course`; database trouble becomes an `ExportError`."""
        url = self.url(course.db_url, course.root)
        where = _describe(course.db_url)
        try:
            self._check(url, course.gradebook_course_id, where)
            with Gradebook(url, course.gradebook_course_id) as gradebook:
                yield gradebook
        except DBAPIError as exc:
            raise ExportError(_explain(exc, where)) from exc

    def _check(self, url: str, course_id: str, where: str) -> None:
        """Refuse what nbgrader's Gradebook would try to repair by writing: no tables, no such course."""
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                if "assignment" not in inspect(connection).get_table_names():
                    raise ExportError(f"{where} is not an nbgrader gradebook (it has no assignment table)")
                courses = sorted(row[0] for row in connection.execute(text("SELECT id FROM course")))
        finally:
            engine.dispose()
        if course_id not in courses:
            raise ExportError(f"the gradebook {where} has no course {course_id!r} (it has: {', '.join(courses)})")


def _describe(db_url: str) -> str:
    url = make_url(db_url)
    return url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)


def _explain(exc: DBAPIError, where: str) -> str:
    message = str(exc.orig) if exc.orig is not None else str(exc)
    if isinstance(exc, OperationalError) and "locked" in message:
        return f"the gradebook {where} is locked by another process (an autograde?); try again when it is done"
    return f"cannot read the gradebook {where}: {_one_line(message)}"


def _one_line(exc: object) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
