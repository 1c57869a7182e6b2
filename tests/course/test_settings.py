"""A course's settings are read in one place (qa_arena.course.settings) into one type, for every part."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_arena.course.settings import Course, CourseError, read_course
from qa_arena.exports import ExportError
from qa_arena.exports.course import load_course as export_course
from qa_arena.hub.course import load_course as hub_course

CONFIG = """c = get_config()
c.CourseDirectory.course_id = "cs-101"
c.CourseDirectory.db_url = "postgresql://grades@db/cs101"
c.Exchange.root = "/srv/exchange"
c.JudgeTests.records_dir = "staff-records"
c.JudgeTests.problem_paths = ["/srv/course/problems", "/opt/bank"]
"""


def course_dir(tmp_path: Path, config: str) -> Path:
    (tmp_path / "nbgrader_config.py").write_text(config)
    return tmp_path


def test_every_setting_qa_arena_uses_comes_from_the_courses_config(tmp_path):
    course = read_course(course_dir(tmp_path, CONFIG))
    assert course == Course(root=tmp_path.resolve(), course_id="cs-101", exchange=Path("/srv/exchange"),
                            db_url="postgresql://grades@db/cs101", records_dir=tmp_path.resolve() / "staff-records",
                            problem_paths=(Path("/srv/course/problems"), Path("/opt/bank")))  # fmt: skip
    assert (course.instructors_group, course.students_group) == ("formgrade-cs-101", "nbgrader-cs-101")
    assert hub_course(tmp_path) == export_course(tmp_path) == course  # the same type, read the same way


def test_nbgraders_defaults_where_the_config_is_silent(tmp_path):
    course = read_course(course_dir(tmp_path, "c = get_config()\n"))
    assert course.course_id == "" and course.gradebook_course_id == "default_course"
    assert course.db_url == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"
    assert (course.exchange, course.records_dir) == (Path("/srv/nbgrader/exchange"), tmp_path.resolve() / "records")
    with pytest.raises(CourseError, match=r"sets no CourseDirectory\.course_id"):
        hub_course(tmp_path)  # a hub names its groups and services after the id


def test_a_broken_config_is_one_line_naming_the_file(tmp_path):
    course_dir(tmp_path, "c = get_config()\nc.CourseDirectory.course_id = (\n")
    with pytest.raises(CourseError) as error:
        read_course(tmp_path)
    assert str(tmp_path.resolve() / "nbgrader_config.py") in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(ExportError, match="cannot read"):
        export_course(tmp_path)
    with pytest.raises(CourseError, match=r"not a course directory .*qa-arena course init"):
        read_course(tmp_path / "elsewhere")
