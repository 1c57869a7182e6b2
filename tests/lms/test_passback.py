"""Grade passback end to end: a real nbgrader course graded by autograde, the `qa-arena lms` commands, and a
strict LTI platform on loopback that records every score it accepts.

Register the platform, sync its roster (students named by their email, as at launch), link the assignment
to a line item, push (the first score post answered 429), and compare what the platform holds with the
gradebook; then what a push does with an unchanged grade, a changed one, a platform that is down, and a
refusal.
"""

from __future__ import annotations

import json
import shutil

import pytest
from nbgrader.api import Gradebook

from qa_arena.course.runner import CourseRunner, write_tests
from qa_arena.course.setup import build_assignment, init_course
from qa_arena.grading.problem import load_problem
from qa_arena.lms.client import LtiClient
from tests.support.lti_platform import INSTRUCTOR, LtiPlatform, member
from tests.support.paths import ADDER

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

WEAK = "from adder import add\n\ndef test_small():\n    assert add(2, 3) == 5\n"
ROSTER = [
    member("sub-ada", "Ada@Example.edu", "Ada Lovelace"),
    member("sub-ben", "ben@example.edu", "Ben Okri"),
    member("sub-cy", "cy@example.edu", "Cy Twombly"),  # never submits: not graded
    member("sub-ivy", "ivy@example.edu", "Ivy Teacher", roles=(INSTRUCTOR,)),  # not a student
    member("sub-nox", None, "No Email"),  # no email: named by the LTI user id, as at launch
    member("sub-old", "old@example.edu", "Old Timer", status="Inactive"),
]


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    """A course whose roster came from the platform, with two graded submissions; the platform, linked."""
    root = tmp_path_factory.mktemp("lms") / "course"
    bank = root.parent / "bank"
    shutil.copytree(ADDER, bank / "adder")
    init_course(root, "testing-101", [bank])
    build_assignment(root, "ps1", [load_problem(bank / "adder")])
    platform = LtiPlatform().start()
    platform.add_context("ctx-1", ROSTER)
    env = {"QA_ARENA_DB_URL": f"sqlite:///{root.parent / 'qa-arena.sqlite3'}", "QA_ARENA_SANDBOX": "local"}
    yield {"root": root, "platform": platform, "env": env, "bank": bank}
    platform.stop()


def run(capsys, monkeypatch, env: dict, *argv: str) -> tuple[int, str, str]:
    from qa_arena.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    LtiClient._tokens.clear()  # each command is a process of its own
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(lms, capsys, monkeypatch):
    return lambda *argv: run(capsys, monkeypatch, lms["env"], *argv)


def gradebook_points(root, student: str, assignment: str = "ps1") -> tuple[float, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="testing-101") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return float(submission.score) - float(submission.late_submission_penalty or 0), float(submission.max_score)


def test_the_whole_loop(lms, cli):
    root, platform = lms["root"], lms["platform"]
    course = ["--course-dir", str(root)]
    code, out, _ = cli("lms", "register", "--issuer", platform.issuer, "--client-id", "qa-arena-tool",
                       "--deployment-id", "deployment-1", "--auth-url", platform.auth_url,
                       "--token-url", platform.token_url, "--jwks-url", platform.jwks_url)  # fmt: skip
    assert code == 0, out
    code, out, _ = cli("lms", "jwks")
    platform.trust_tool(json.loads(out))  # the admin gives the LMS the tool's keys

    code, out, _ = cli("lms", "roster", *course, "--memberships-url", platform.memberships_url("ctx-1"), "--json")
    assert code == 0, out
    roster = json.loads(out)
    assert (roster["added"], roster["kept"], roster["flagged"]) == (4, 0, 1)
    assert sorted(roster["added_students"]) == ["ada@example.edu", "ben@example.edu", "cy@example.edu", "sub-nox"]
    assert [(m["sub"], m["reason"]) for m in roster["flagged_members"]] == [("sub-old", "Inactive in the LMS")]
    code, out, _ = cli("lms", "roster", *course, "--memberships-url", platform.memberships_url("ctx-1"))
    assert out.startswith("0 added, 4 kept, 1 flagged")  # idempotent
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="testing-101") as gradebook:
        assert {s.id: s.lms_user_id for s in gradebook.students} == {
            "ada@example.edu": "sub-ada", "ben@example.edu": "sub-ben", "cy@example.edu": "sub-cy",
            "sub-nox": "sub-nox",
        }  # fmt: skip

    runner = CourseRunner(root)
    runner.release("ps1")
    reference = (lms["bank"] / "adder" / "reference_tests.py").read_text()
    for student, tests in (("ada@example.edu", reference), ("ben@example.edu", WEAK)):
        write_tests(runner.fetch(student, "ps1") / "adder.ipynb", tests)
        runner.submit(student, "ps1")
    runner.collect_and_autograde("ps1")

    lineitem = platform.add_lineitem("li-ps1", 10.0)
    code, out, err = cli("lms", "link", *course, "ps1", "--lineitem", lineitem + "?type_id=1")
    assert code == 0, out + err
    code, out, _ = cli("lms", "push", *course, "ps1", "--dry-run", "--json")
    assert code == 0 and {p["student"]: p["action"] for p in json.loads(out)} == {
        "ada@example.edu": "post", "ben@example.edu": "post"}  # fmt: skip
    assert platform.state.scores == []  # a dry run posts nothing

    platform.fail_next("/lineitems/li-ps1/scores", 429, retry_after="1")
    code, out, err = cli("lms", "push", *course, "ps1", "--json")
    assert code == 0, out + err
    assert (429, "injected 429") in platform.state.refused  # the first post was told to wait, then went
    received = platform.scores_for("li-ps1")
    assert set(received) == {"sub-ada", "sub-ben"} and len(platform.state.scores) == 2  # each once
    for sub, student in (("sub-ada", "ada@example.edu"), ("sub-ben", "ben@example.edu")):
        points, maximum = gradebook_points(root, student)
        score = received[sub]
        assert (score["scoreGiven"], score["scoreMaximum"]) == (points, maximum)
        assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
        assert "submittedAt" in score["submission"]
    assert received["sub-ada"]["scoreGiven"] > received["sub-ben"]["scoreGiven"]
    assert {claims["aud"] for claims in platform.state.assertions} == {platform.token_url}

    code, out, _ = cli("lms", "status", *course, "ps1", "--json")
    status = json.loads(out)
    assert status["assignment"] == "ps1" and status["lineitem"].endswith("li-ps1?type_id=1")
    by = {s["student"]: s for s in status["students"]}
    assert set(by["ada@example.edu"]) == {"student", "lms_user_id", "score", "max_score", "state", "http_status",
                                          "error"}  # fmt: skip
    assert (by["ada@example.edu"]["state"], by["ada@example.edu"]["http_status"]) == ("sent", 200)
    assert by["cy@example.edu"]["state"] == "not-graded" and by["cy@example.edu"]["score"] is None

    # Unchanged: nothing posted again.
    code, _, _ = cli("lms", "push", *course, "ps1")
    assert code == 0 and len(platform.state.scores) == 2

    # A manual grade changes Ben's points: posted again, with a newer timestamp.
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="testing-101") as gradebook:
        grade = gradebook.find_submission("ps1", "ben@example.edu").notebooks[0].grades[0]
        grade.manual_score = grade.max_score
        gradebook.db.commit()
    platform.down()
    code, out, _ = cli("lms", "push", *course, "ps1", "--json")
    assert code == 1  # the platform is down: Ben's new score stays pending
    by = {s["student"]: s for s in json.loads(out)["students"]}
    assert by["ben@example.edu"]["state"] == "pending" and by["ada@example.edu"]["state"] == "sent"
    platform.up()
    code, _, _ = cli("lms", "push", *course, "ps1")
    assert code == 0
    bens = [s for s in platform.state.scores if s["userId"] == "sub-ben"]
    assert len(bens) == 2 and bens[1]["timestamp"] > bens[0]["timestamp"]
    assert bens[1]["scoreGiven"] == gradebook_points(root, "ben@example.edu")[0] > bens[0]["scoreGiven"]

    # A refusal is failed with the platform's message, left alone, and sent again when asked.
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="testing-101") as gradebook:
        grade = gradebook.find_submission("ps1", "ada@example.edu").notebooks[0].grades[0]
        grade.manual_score = 0.5
        gradebook.db.commit()
    platform.fail_next("/lineitems/li-ps1/scores", 400)
    code, out, _ = cli("lms", "push", *course, "ps1", "--json")
    ada = next(s for s in json.loads(out)["students"] if s["student"] == "ada@example.edu")
    assert code == 1 and (ada["state"], ada["http_status"]) == ("failed", 400) and "injected 400" in ada["error"]
    code, _, _ = cli("lms", "push", *course, "ps1")
    assert code == 1 and len([s for s in platform.state.scores if s["userId"] == "sub-ada"]) == 1  # left alone
    code, _, _ = cli("lms", "push", *course, "ps1", "--resend-failed")
    assert code == 0 and platform.scores_for("li-ps1")["sub-ada"]["scoreGiven"] == gradebook_points(
        root, "ada@example.edu")[0]  # fmt: skip

    # A cell flagged for manual grading: PendingManual until someone grades it.
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="testing-101") as gradebook:
        gradebook.find_submission("ps1", "ben@example.edu").notebooks[0].grades[0].needs_manual_grade = True
        gradebook.db.commit()
    code, _, _ = cli("lms", "push", *course, "ps1")
    assert code == 0 and platform.scores_for("li-ps1")["sub-ben"]["gradingProgress"] == "PendingManual"


def test_an_assignment_linked_with_push_after_autograde_is_posted_as_it_is_graded(lms, cli):
    root, platform = lms["root"], lms["platform"]
    build_assignment(root, "ps2", [load_problem(lms["bank"] / "adder")])
    runner = CourseRunner(root)
    runner.release("ps2")
    lineitem = platform.add_lineitem("li-ps2", 10.0)
    code, out, err = cli("lms", "link", "--course-dir", str(root), "ps2", "--lineitem", lineitem,
                         "--push-after-autograde")  # fmt: skip
    assert code == 0 and "pushed after each autograde" in out, out + err
    reference = (lms["bank"] / "adder" / "reference_tests.py").read_text()
    write_tests(runner.fetch("ben@example.edu", "ps2") / "adder.ipynb", reference)
    runner.submit("ben@example.edu", "ps2")
    runner.collect_and_autograde("ps2")  # no push command: autograde posted it
    received = platform.scores_for("li-ps2")
    assert list(received) == ["sub-ben"]
    assert received["sub-ben"]["scoreGiven"] == gradebook_points(root, "ben@example.edu", "ps2")[0] > 0


def test_bad_input_is_exit_2_with_what_to_do(lms, cli, tmp_path):
    code, _, err = cli("lms", "push", "--course-dir", str(tmp_path), "ps1")
    assert code == 2 and "not a course directory" in err
    code, _, err = cli("lms", "register", "--issuer", "nope", "--client-id", "x", "--deployment-id", "d",
                       "--auth-url", "http://a", "--token-url", "http://t", "--jwks-url", "http://j")  # fmt: skip
    assert code == 2 and "--issuer 'nope': not an http(s) URL" in err
    code, _, err = cli("lms", "status", "--course-dir", str(lms["root"]), "nothing-here", "--json")
    assert code == 2 and "nothing-here" in err
