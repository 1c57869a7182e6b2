"""The course's nbgrader gradebook, opened from any shell."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from nbgrader.api import Gradebook

from qa_arena.course.settings import Course


@contextlib.contextmanager
def open_gradebook(course: Course) -> Iterator[Gradebook]:
    """nbgrader makes a new gradebook by running `alembic` from PATH: this interpreter's scripts come first
    (`.venv/bin/qa-arena lms roster` works without an activated venv)."""
    scripts, path = str(Path(sys.executable).parent), os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(filter(None, [scripts, path]))
    with Gradebook(course.db_url, course_id=course.gradebook_course_id) as gradebook:
        yield gradebook
