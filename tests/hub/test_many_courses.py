"""One dev hub, two courses: the demo course (testing-101: instructor; alice, bob) and course-b, added with
`qa-arena hub courses add` (bea; carl). Each course has its own formgrader, groups and exchange; a member of one
course reaches nothing of the other: not its formgrader, not its exchange (listing, fetching, or by path)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa_arena.course.runner import CourseRunner
from qa_arena.course.setup import build_assignment, init_course
from qa_arena.grading.problem import load_problem
from tests.hub.conftest import hub_env
from tests.support.paths import PROBLEMS

pytestmark = [pytest.mark.hub, pytest.mark.slow]

A, B = "testing-101", "course-b"
A_ASSIGNMENT, B_ASSIGNMENT = "ps1-basics", "ps-b"


def before_hub_starts(state: Path) -> None:
    course = state / "departments" / B  # its directory closed to students (0700), as a course's should be
    init_course(course, B, [PROBLEMS])
    build_assignment(course, B_ASSIGNMENT, [load_problem(PROBLEMS / "leap_year")])
    CourseRunner(course).release(B_ASSIGNMENT)
    course.chmod(0o700)
    add = [sys.executable, "-m", "qa_arena", "hub", "courses", "add", str(course), "--instructors", "bea",
           "--students", "carl"]  # fmt: skip
    done = subprocess.run(add, env=hub_env(state), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def formgrader_status(hub, user: str, course: str) -> int:
    return hub.as_user(user, "GET", f"/services/{course}/formgrader/api/status").status_code


def released(hub, user: str, course: str) -> list[str]:
    answer = hub.as_user(user, "GET", f"/user/{user}/assignments", params={"course_id": course})
    assert answer.status_code == 200, answer.text
    return [a["assignment_id"] for a in answer.json()["value"] if a["status"] == "released"]


def fetch(hub, user: str, course: str, assignment: str) -> dict:
    answer = hub.as_user(user, "POST", f"/user/{user}/assignments/fetch",
                         data={"course_id": course, "assignment_id": assignment})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def servers(dev_hub):
    dev_hub.start_servers(["alice", "carl"])
    return dev_hub


def test_each_course_has_its_groups_and_its_formgrader(dev_hub):
    users = {u["name"]: u for u in dev_hub.request("GET", "/hub/api/users").json()}
    assert users["bea"]["groups"] == [f"formgrade-{B}"] and users["carl"]["groups"] == [f"nbgrader-{B}"]
    assert users["instructor"]["groups"] == [f"formgrade-{A}"] and users["alice"]["groups"] == [f"nbgrader-{A}"]
    assert formgrader_status(dev_hub, "bea", B) == 200
    assert formgrader_status(dev_hub, "instructor", A) == 200


def test_an_instructor_of_one_course_cannot_grade_the_other(dev_hub):
    assert formgrader_status(dev_hub, "instructor", B) == 403
    assert formgrader_status(dev_hub, "bea", A) == 403


def test_a_student_is_refused_the_other_courses_formgrader(dev_hub):
    assert formgrader_status(dev_hub, "alice", B) == 403
    assert formgrader_status(dev_hub, "carl", A) == 403
    assert formgrader_status(dev_hub, "alice", A) == 403  # nor their own course's: it is the staff's


def test_each_student_sees_and_fetches_their_own_courses_assignments(servers):
    assert released(servers, "alice", A) == [A_ASSIGNMENT]
    assert released(servers, "carl", B) == [B_ASSIGNMENT]
    assert [a["status"] for a in fetch(servers, "carl", B, B_ASSIGNMENT)["value"]] == ["fetched"]
    listing = servers.as_user("carl", "GET", f"/user/carl/api/contents/{B_ASSIGNMENT}").json()
    assert any(item["name"].endswith(".ipynb") for item in listing["content"])


PROBE = """
import json, os
exchange = {exchange!r}
seen = {{"view": sorted(os.listdir(exchange))}}
for path in {paths!r}:
    try:
        os.listdir(path)
        seen[path] = "readable"
    except OSError as exc:
        seen[path] = type(exc).__name__
print(json.dumps(seen))
"""


def test_a_student_is_refused_the_other_courses_exchange(servers):
    """alice (testing-101) sees only her course in her exchange, nothing of course-b's assignments, cannot fetch
    one, and cannot reach course-b's exchange by its path either; the same for carl the other way round."""
    assert released(servers, "alice", B) == []
    assert fetch(servers, "alice", B, B_ASSIGNMENT)["value"] == []  # nbgrader's fetch answers with the list
    assert servers.as_user("alice", "GET", f"/user/alice/api/contents/{B_ASSIGNMENT}").status_code == 404
    assert released(servers, "carl", A) == []
    assert fetch(servers, "carl", A, A_ASSIGNMENT)["value"] == []
    assert servers.as_user("carl", "GET", f"/user/carl/api/contents/{A_ASSIGNMENT}").status_code == 404
    b_exchange = servers.state / "departments" / B / "exchange" / B
    a_exchange = servers.course / "exchange" / A
    paths = [str(b_exchange / "outbound"), str(b_exchange / "inbound"), str(a_exchange / "outbound")]
    code = PROBE.format(exchange=str(servers.state / "exchange"), paths=paths)
    alice = json.loads(servers.run_code("alice", code))
    assert alice["view"] == [A]
    assert alice[paths[0]] == alice[paths[1]] == "PermissionError"
    carl = json.loads(servers.run_code("carl", code))
    assert carl["view"] == [B]
    assert carl[paths[2]] == "PermissionError"
