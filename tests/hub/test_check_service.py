"""The check service on a real dev hub: students check tests from the API and from their kernel.

The hub runs the service (`/services/qa-arena/`) and a grading worker as managed services; users are
authenticated by the Hub (their API tokens, their server's token). Limits are small here (below).
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from qa_arena.ratings.store import RatingStore
from qa_arena.service.store import SubmissionStore
from tests.support.paths import PROBLEMS

pytestmark = [pytest.mark.hub, pytest.mark.service]

QA_ARENA_CONFIG = """
c.CheckLimits.daily_cap = 6
c.CheckLimits.min_interval_s = 2
c.CheckLimits.per_assignment = {"ps-closed": {"daily_cap": 0}}
c.CheckService.feedback_levels = {"clamp": "tests", "leap_year": "none"}
c.CheckService.max_tests_chars = 5000
c.CheckService.problems = {"durations", "clamp", "leap_year"}
"""
API = "/services/qa-arena/api"
WEAK_TESTS = """from durations import parse_duration

def test_hours():
    assert parse_duration("1h") == 3600
"""
GOLDEN = (PROBLEMS / "durations" / "golden.py").read_text()


def check(hub, user: str, problem: str = "durations", tests: str = WEAK_TESTS, **extra):
    return hub.as_user(user, "POST", f"{API}/checks", json={"problem": problem, "tests": tests, **extra})


def graded(hub, user: str, response) -> dict:
    assert response.status_code == 202, response.text
    answer = hub.as_user(user, "GET", f"{API}/checks/{response.json()['id']}", params={"wait": 30}).json()
    assert answer["status"] in ("SUCCESS", "FAILURE"), answer
    return answer


def error(response, status: int, type_: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"detail", "type"} and body["type"] == type_, body  # no traceback
    return body["detail"]


def store(hub) -> SubmissionStore:
    return SubmissionStore(db_url=f"sqlite:///{hub.state / 'service' / 'submissions.sqlite3'}")


def test_a_check_is_graded_and_shows_only_the_student_view(dev_hub):
    response = check(dev_hub, "alice", assignment="ps1-basics")
    assert response.headers["Location"] == f"{API}/checks/{response.json()['id']}"
    assert response.json()["status"] == "PENDING"
    answer = graded(dev_hub, "alice", response)
    assert (answer["status"], answer["feedback_level"], answer["assignment"]) == ("SUCCESS", "hints", "ps1-basics")
    assert 30 <= answer["score"] < 100 and answer["bugs_caught"] < answer["bugs_total"] == 9
    assert answer["hints"] and answer["feedback"]["source"] == "fallback"
    assert answer["feedback"]["label"] == "Feedback (offline hints: no API key)"
    text = json.dumps(answer)
    assert not any(line.strip() in text for line in GOLDEN.splitlines() if len(line.strip()) > 20)
    assert "variants" not in answer and "killed_by" not in text  # which mutant died is not said

    listed = dev_hub.as_user("alice", "GET", f"{API}/checks").json()
    assert listed[0]["id"] == answer["id"] and listed[0]["score"] == answer["score"]
    events = [json.loads(line) for line in dev_hub.log.read_text().splitlines() if line.startswith('{"time"')]
    mine = {e["event"] for e in events if e.get("id") == answer["id"]}
    assert mine == {"check_submitted", "check_graded"}
    assert any(e.get("path") == f"{API}/checks" and e.get("status") == 202 for e in events)  # request log


def test_limits_say_when_to_come_back_and_spare_staff(dev_hub):
    assert check(dev_hub, "bob").status_code == 202
    refused = check(dev_hub, "bob")
    assert "between two checks" in error(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 2
    for _ in range(5):  # the daily cap is 6
        time.sleep(2.1)
        assert check(dev_hub, "bob").status_code == 202
    time.sleep(2.1)
    assert "all 6 checks for today" in error(check(dev_hub, "bob"), 429, "rate_limited")
    assert check(dev_hub, "instructor", assignment="ps-closed").status_code == 202  # staff are exempt
    assert check(dev_hub, "instructor").status_code == 202  # from the interval too
    submissions = store(dev_hub)
    assert submissions.get(refused.json().get("id", "00000000-0000-0000-0000-000000000000")) is None
    submissions.dispose()


def test_closed_assignment_refuses_students(dev_hub):
    assert "off for this assignment" in error(check(dev_hub, "alice", assignment="ps-closed"), 429, "rate_limited")


def test_errors_are_json_with_the_right_status(dev_hub):
    hub = dev_hub
    no_token = requests.get(f"{hub.url}{API}/checks", timeout=30)
    assert "log in through the hub" in error(no_token, 401, "not_authenticated")
    assert "does not give access" in error(hub.request("GET", f"{API}/checks", token="not-a-token"), 403, "forbidden")
    bad_json = hub.as_user("alice", "POST", f"{API}/checks", data="{nope")
    assert error(bad_json, 400, "bad_request") == "the body is not JSON"
    assert '"tests"' in error(check(hub, "alice", tests=""), 400, "bad_request")
    assert "unknown problem" in error(check(hub, "alice", problem="no-such-problem"), 404, "not_found")
    assert "unknown problem" in error(check(hub, "alice", problem="roman"), 404, "not_found")  # in the bank, not open
    assert "longer than 5000" in error(check(hub, "alice", tests="#" * 5001), 413, "too_large")
    assert "no such endpoint" in error(hub.as_user("alice", "GET", f"{API}/nothing"), 404, "not_found")


def test_nobody_else_sees_a_check_and_stats_are_for_staff(dev_hub):
    time.sleep(2.1)
    answer = graded(dev_hub, "alice", check(dev_hub, "alice"))
    assert "no check" in error(dev_hub.as_user("bob", "GET", f"{API}/checks/{answer['id']}"), 404, "not_found")
    assert all(c["id"] != answer["id"] for c in dev_hub.as_user("bob", "GET", f"{API}/checks").json())
    assert "for staff" in error(dev_hub.as_user("alice", "GET", f"{API}/stats"), 403, "forbidden")
    stats = dev_hub.as_user("instructor", "GET", f"{API}/stats").json()
    (durations,) = [p for p in stats["problems"] if p["problem"] == "durations"]
    assert durations["checks"] >= 2 and durations["students"] >= 2 and durations["error_rate"] == 0
    assert durations["mutants"] and all(0 <= m["survival_rate"] <= 1 for m in durations["mutants"])
    assert stats["queue_latency_s"]["n"] >= 2 and stats["queue_latency_s"]["p95"] >= 0


def test_feedback_levels_per_problem(dev_hub):
    time.sleep(2.1)
    tests = "from numeric import clamp\n\ndef test_inside():\n    assert clamp(5, 0, 10) == 5\n\n"
    tests += "def test_too_low():\n    assert clamp(-5, 0, 10) == 0\n\ndef test_nothing():\n    assert True\n"
    detailed = graded(dev_hub, "alice", check(dev_hub, "alice", problem="clamp", tests=tests))
    assert detailed["feedback_level"] == "tests"
    caught = {t["name"].rsplit("::", 1)[-1]: t["caught_a_bug"] for t in detailed["tests"]}
    assert set(caught) == {"test_inside", "test_too_low", "test_nothing"}  # every valid test, by name
    assert caught["test_nothing"] is False and any(caught.values())
    time.sleep(2.1)
    tests = "from calendar_rules import is_leap_year\n\ndef test_2000():\n    assert is_leap_year(2000)\n"
    quiet = graded(dev_hub, "alice", check(dev_hub, "alice", problem="leap_year", tests=tests))
    assert quiet["feedback_level"] == "none" and quiet["valid_tests"] == 1
    assert not {"score", "bugs_caught", "hints", "feedback"} & set(quiet)


def test_a_student_rates_the_feedback_of_a_check(dev_hub):
    time.sleep(2.1)
    answer = graded(dev_hub, "alice", check(dev_hub, "alice"))
    url = f"{API}/checks/{answer['id']}/rating"
    assert "no check" in error(dev_hub.as_user("bob", "POST", url, json={"stars": 1}), 404, "not_found")
    assert "stars" in error(dev_hub.as_user("alice", "POST", url, json={"stars": 9}), 400, "bad_request")
    rated = dev_hub.as_user("alice", "POST", url, json={"stars": 4, "comment": "the order hint helped"})
    assert rated.status_code == 201 and rated.json() == {"id": answer["id"], "stars": 4, "replaced": False}
    submissions = store(dev_hub)
    (row,) = RatingStore(submissions).rows(username="alice")
    assert (row.stars, row.comment, row.feedback_source) == (4, "the order hint helped", "fallback")
    assert row.feedback_text == answer["feedback"]["text"]
    submissions.dispose()


def test_the_check_cell_in_a_students_kernel(dev_hub):
    """The kernel has only its server's token and $QA_ARENA_CHECK_URL, as the Hub set them."""
    dev_hub.start_servers(["alice"])
    time.sleep(2.1)
    code = f"""
import os
from qa_arena.client import check
print(os.environ["QA_ARENA_CHECK_URL"])
print(check("durations", {WEAK_TESTS!r}, "ps1-basics"))
print(check("durations", {WEAK_TESTS!r}, "ps1-basics"))
"""
    try:
        output = dev_hub.run_code("alice", code, timeout=120)
    finally:
        dev_hub.request("DELETE", "/hub/api/users/alice/server")
    assert "/services/qa-arena/" in output
    assert "1 test function(s): test_hours" in output
    assert "Your tests caught " in output and "Score: " in output and "Bugs your tests miss:" in output, output
    assert "SUCCESS" not in output and "test_submission.py" not in output and "offline hints" not in output
    # the second one came too soon (and alice's day is spent by now): the client says so in words
    assert "Could not check: not now: " in output, output
