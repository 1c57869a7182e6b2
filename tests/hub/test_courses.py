"""`qa-arena hub courses add|list|remove`: the hub's courses file, and what it refuses (qa_arena/hub/courses.py)."""

from __future__ import annotations

import json
import os

import pytest

from qa_arena.cli import main
from qa_arena.course.setup import init_course
from qa_arena.hub.courses import CoursesError, HubCourse, hub_courses, read_added_course, read_entries
from tests.support.paths import PROBLEMS


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_ARENA_HUB_STATE", str(tmp_path / "state"))
    for name in ("QA_ARENA_HUB_COURSES", "QA_ARENA_COURSE_ID", "QA_ARENA_GRADEBOOK_URL", "QA_ARENA_EXCHANGE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "state"


def course(tmp_path, course_id: str):
    root = tmp_path / course_id
    init_course(root, course_id, [PROBLEMS])
    return root


def test_add_list_and_remove(state, tmp_path, capsys):
    b, c = course(tmp_path, "course-b"), course(tmp_path, "course-c")
    assert main(["hub", "courses", "add", str(b), "--instructors", "bea", "--students", "carl, dina"]) == 0
    assert main(["hub", "courses", "add", str(c)]) == 0
    assert [(e.course_dir, e.instructors, e.students) for e in read_entries(state / "courses.json")] == [
        (str(b), ("bea",), ("carl", "dina")), (str(c), (), ())]  # fmt: skip
    assert main(["hub", "courses", "add", str(b), "--students", "erin"]) == 0  # the same course: its members change
    capsys.readouterr()
    assert main(["hub", "courses", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["course_id"], r["students"]) for r in listed["courses"]] == [("course-c", []), ("course-b", ["erin"])]
    assert main(["hub", "courses", "remove", "course-c"]) == 0
    assert main(["hub", "courses", "remove", str(b)]) == 0
    assert read_entries(state / "courses.json") == []


def test_a_course_is_read_from_its_own_config_not_the_hubs_course_variables(state, tmp_path, monkeypatch):
    b = course(tmp_path, "course-b")
    monkeypatch.setenv("QA_ARENA_COURSE_ID", "testing-101")  # the first course's, in the hub's environment
    assert main(["hub", "courses", "add", str(b)]) == 0
    assert read_entries(state / "courses.json")[0].course_dir == str(b)
    primary = HubCourse(read_added_course(course(tmp_path, "testing-101")))
    assert [h.course_id for h in hub_courses(primary, state / "courses.json")] == ["testing-101", "course-b"]
    assert os.environ["QA_ARENA_COURSE_ID"] == "testing-101"  # put back


@pytest.mark.parametrize(
    ("course_id", "message"),
    [("qa-arena", "names one of the hub's services"), ("idle-culler", "names one of the hub's services")],
)
def test_a_course_named_like_a_hub_service_is_refused(state, tmp_path, capsys, course_id, message):
    assert main(["hub", "courses", "add", str(course(tmp_path, course_id))]) == 2
    assert message in capsys.readouterr().err
    assert not (state / "courses.json").exists()


def test_bad_input_is_refused_and_loses_nothing(state, tmp_path, capsys):
    b = course(tmp_path, "course-b")
    assert main(["hub", "courses", "add", str(b)]) == 0
    twin = tmp_path / "twin"
    init_course(twin, "course-b", [PROBLEMS])
    assert main(["hub", "courses", "add", str(twin)]) == 2
    assert "are both course 'course-b'" in capsys.readouterr().err
    assert main(["hub", "courses", "add", str(tmp_path / "nowhere")]) == 2
    assert "is not a course directory" in capsys.readouterr().err
    assert main(["hub", "courses", "remove", "course-z"]) == 2
    assert "is not in" in capsys.readouterr().err
    assert [e.course_dir for e in read_entries(state / "courses.json")] == [str(b)]  # the file is as it was
    (state / "courses.json").write_text("{not json")
    assert main(["hub", "courses", "list"]) == 2
    error = capsys.readouterr().err
    assert "is not a courses file" in error and "qa-arena hub courses add" in error


def test_a_course_whose_directory_is_gone_is_named_and_can_be_removed(state, tmp_path, capsys):
    b = course(tmp_path, "course-b")
    assert main(["hub", "courses", "add", str(b)]) == 0
    (b / "nbgrader_config.py").unlink()
    primary = HubCourse(read_added_course(course(tmp_path, "testing-101")))
    with pytest.raises(CoursesError, match=r"is not a course directory.*qa-arena hub courses remove"):
        hub_courses(primary, state / "courses.json")
    capsys.readouterr()
    assert main(["hub", "courses", "list"]) == 0
    assert "ERROR" in capsys.readouterr().out
    assert main(["hub", "courses", "remove", str(b)]) == 0
