"""The dev hub end to end: accounts, servers under their own uids, the nbgrader loop through the hub.

Everything goes through the running servers' HTTP APIs, as the browser would: the instructor drives
the course's formgrader service (`/services/testing-101/formgrader/api/...`: generate, release, collect,
autograde, feedback), the students their own servers (nbgrader's assignment list
`/user/<name>/assignments/{fetch,submit,fetch_feedback}`, and the contents API to write their tests
into the notebook). What a student's code can reach is checked from a kernel in that student's server.
"""

from __future__ import annotations

import json

import nbformat
import pytest
import requests
from nbgrader.api import Gradebook

from qa_arena.course.diagnose import statuses
from qa_arena.hub.accounts import demo_accounts
from tests.support.paths import PROBLEMS

pytestmark = [pytest.mark.hub, pytest.mark.slow]

COURSE = "testing-101"
ASSIGNMENT = "ps1-basics"
FORMGRADER = f"/services/{COURSE}/formgrader/api"
WEAK = "from durations import parse_duration\n\ndef test_45s():\n    assert parse_duration('45s') == 45\n"
SUBMISSIONS = {"alice": (PROBLEMS / "durations" / "reference_tests.py").read_text(), "bob": WEAK}


def formgrader(hub, method: str, path: str, **kwargs) -> dict:
    response = hub.as_user("instructor", method, FORMGRADER + path, **kwargs)
    assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text[:500]}"
    body = response.json()
    assert not isinstance(body, dict) or body.get("success", True), f"{path}: {body.get('log') or body}"
    return body


def assignment_action(hub, student: str, action: str) -> None:
    response = hub.as_user(
        student,
        "POST",
        f"/user/{student}/assignments/{action}",
        data={"course_id": COURSE, "assignment_id": ASSIGNMENT},
    )
    assert response.status_code == 200, response.text
    assert response.json()["success"], response.text


def write_tests(hub, student: str, notebook: str, tests: str) -> None:
    """Edit the tests cell as the student would in JupyterLab: read the notebook, change the cell, save."""
    url = f"/user/{student}/api/contents/{ASSIGNMENT}/{notebook}.ipynb"
    model = hub.as_user(student, "GET", url).json()
    nb = model["content"]
    cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == f"{notebook}-tests"]
    assert len(cells) == 1
    cells[0]["source"] = tests
    saved = hub.as_user(student, "PUT", url, json={"type": "notebook", "format": "json", "content": nb})
    assert saved.status_code == 200, saved.text


@pytest.fixture(scope="module")
def servers(dev_hub) -> float:
    return dev_hub.start_servers(list(SUBMISSIONS))


@pytest.fixture(scope="module")
def graded(dev_hub, servers):
    """The whole loop once: release, fetch, write tests, submit, collect, autograde, feedback."""
    hub = dev_hub
    for student in SUBMISSIONS:
        formgrader(
            hub,
            "PUT",
            f"/student/{student}",
            json={"first_name": student.title(), "last_name": "Demo", "email": None, "lms_user_id": None},
        )
    # the dev hub released the first assignment when it made the demo course: students see it at once
    for student, tests in SUBMISSIONS.items():
        listed = hub.as_user(student, "GET", f"/user/{student}/assignments", params={"course_id": COURSE}).json()
        assert [a["status"] for a in listed["value"] if a["assignment_id"] == ASSIGNMENT] == ["released"]
        assignment_action(hub, student, "fetch")
        write_tests(hub, student, "durations", tests)
        assignment_action(hub, student, "submit")
    formgrader(hub, "POST", f"/assignment/{ASSIGNMENT}/collect")
    for student in SUBMISSIONS:
        formgrader(hub, "POST", f"/submission/{ASSIGNMENT}/{student}/autograde")
    formgrader(hub, "POST", f"/assignment/{ASSIGNMENT}/generate_feedback")
    formgrader(hub, "POST", f"/assignment/{ASSIGNMENT}/release_feedback")
    for student in SUBMISSIONS:
        assignment_action(hub, student, "fetch_feedback")
    return hub


def test_a_new_hub_guides_its_first_users(dev_hub, servers):
    """The first assignment is out, the demo students have names, the formgrader is named for people."""
    released = dev_hub.as_user("bob", "GET", "/user/bob/assignments", params={"course_id": COURSE}).json()
    assert [a["status"] for a in released["value"] if a["assignment_id"] == ASSIGNMENT] == ["released"]
    students = {s["id"]: s for s in formgrader(dev_hub, "GET", "/students")}
    assert (students["bob"]["first_name"], students["bob"]["last_name"]) == ("Bob", "(demo student)")
    browser = logged_in(dev_hub, "instructor")  # the hub's Services menu, as the instructor sees it
    home = browser.get(f"{dev_hub.url}/hub/home", timeout=30)
    home.encoding = "utf-8"
    assert f">Formgrader — {COURSE}</a>" in home.text and ">My checks (QA Arena)</a>" in home.text


def logged_in(dev_hub, user: str) -> requests.Session:
    """A browser-like session of a demo user, logged in through the hub's form."""
    browser = requests.Session()
    browser.get(f"{dev_hub.url}/hub/login", timeout=30)
    password = {a.name: a.password for a in demo_accounts(dev_hub.state)}[user]
    form = {"username": user, "password": password, "_xsrf": browser.cookies.get("_xsrf")}
    assert browser.post(f"{dev_hub.url}/hub/login", data=form, timeout=30).ok
    return browser


def test_the_formgraders_file_links_open_its_files(dev_hub):
    """nbgrader's formgrader links an assignment to /tree/source/<it> (and Preview to /tree/release/...) at
    the site's root; on the hub they reach the formgrader's own JupyterLab at that folder."""
    browser = logged_in(dev_hub, "instructor")
    page = f"{dev_hub.url}/services/{COURSE}/formgrader/manage_assignments"
    for folder in ("source", "release"):
        opened = browser.get(f"{dev_hub.url}/tree/{folder}/{ASSIGNMENT}", headers={"Referer": page}, timeout=60)
        assert opened.status_code == 200, (opened.status_code, opened.url)
        assert opened.url == f"{dev_hub.url}/services/{COURSE}/lab/tree/{folder}/{ASSIGNMENT}"
        listing = browser.get(f"{dev_hub.url}/services/{COURSE}/api/contents/{folder}/{ASSIGNMENT}", timeout=30)
        assert "durations.ipynb" in {item["name"] for item in listing.json()["content"]}
    # without a Referer (a link pasted into a new window), the hub's only formgrader is meant
    pasted = browser.get(f"{dev_hub.url}/notebooks/source/{ASSIGNMENT}/durations.ipynb", timeout=60)
    assert pasted.url == f"{dev_hub.url}/services/{COURSE}/lab/tree/source/{ASSIGNMENT}/durations.ipynb"
    assert pasted.status_code == 200


def test_demo_accounts_log_in_with_their_passwords(dev_hub):
    accounts = {a.name: a for a in demo_accounts(dev_hub.state)}
    assert {a.role for a in accounts.values()} == {"instructor", "student"}

    def login(user: str, password: str) -> requests.Response:
        session = requests.Session()
        session.get(f"{dev_hub.url}/hub/login")
        return session.post(
            f"{dev_hub.url}/hub/login",
            allow_redirects=False,
            data={"username": user, "password": password, "_xsrf": session.cookies.get("_xsrf")},
        )

    ok = login("alice", accounts["alice"].password)
    assert ok.status_code == 302 and "jupyterhub-session-id" in ok.cookies
    assert login("alice", accounts["bob"].password).status_code == 403
    assert login("alice", "").status_code == 403
    assert login("mallory", "anything").status_code == 403  # not an allowed user


def test_groups_and_the_formgrader_service(dev_hub):
    users = {u["name"]: u for u in dev_hub.request("GET", "/hub/api/users").json()}
    assert users["instructor"]["groups"] == [f"formgrade-{COURSE}"]
    assert users["alice"]["groups"] == users["bob"]["groups"] == [f"nbgrader-{COURSE}"]
    assert not any(u["admin"] for u in users.values())
    assert dev_hub.as_user("instructor", "GET", f"{FORMGRADER}/status").status_code == 200
    assert dev_hub.as_user("alice", "GET", f"{FORMGRADER}/status").status_code == 403
    service = dev_hub.request("GET", f"/hub/api/services/{COURSE}").json()
    assert "admin" not in service.get("roles", [])


IDENTITY = """
import json, os, pwd
no_new_privs = [l for l in open("/proc/self/status") if l.startswith("NoNewPrivs:")][0].split()[1]
print(json.dumps({"uid": os.getuid(), "name": pwd.getpwuid(os.getuid()).pw_name, "no_new_privs": no_new_privs,
                  "user": os.environ["JUPYTERHUB_USER"], "home": os.environ["HOME"], "cwd": os.getcwd()}))
"""


def test_each_server_runs_under_its_own_uid_as_jovyan(dev_hub, servers):
    seen = {user: json.loads(dev_hub.run_code(user, IDENTITY)) for user in SUBMISSIONS}
    for user, me in seen.items():
        assert me["name"] == "jovyan" and me["user"] == user  # so nbgrader names the student $JUPYTERHUB_USER
        assert me["uid"] != 0 and me["no_new_privs"] == "1"  # and setuid programs (su, sudo) cannot raise it
        assert me["home"] == me["cwd"] == str(dev_hub.state / "homes" / user)
    assert seen["alice"]["uid"] != seen["bob"]["uid"]
    # users' own servers have nbgrader's assignment list but not the formgrader (the course's service has it)
    assert dev_hub.as_user("alice", "GET", "/user/alice/assignments", params={"course_id": COURSE}).ok
    assert dev_hub.as_user("alice", "GET", "/user/alice/formgrader/api/status").status_code == 404


def test_autograding_fills_the_gradebook(graded):
    course = graded.course
    for student in SUBMISSIONS:  # nbgrader named each submission after $JUPYTERHUB_USER, not "jovyan"
        assert (course / "submitted" / student / ASSIGNMENT / "durations.ipynb").is_file()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        durations = {s: gradebook.find_submission_notebook("durations", ASSIGNMENT, s) for s in SUBMISSIONS}
        scores = {s: nb.score for s, nb in durations.items()}
        assert durations["alice"].max_score == 10
        totals = {s: gradebook.find_submission(ASSIGNMENT, s).score for s in SUBMISSIONS}
    assert scores["alice"] == 10  # the reference suite kills every mutant
    assert 0 < scores["bob"] < 5  # one weak test: valid, kills little
    assert totals["alice"] > totals["bob"]
    rows = statuses(course, f"sqlite:///{course / 'gradebook.db'}", ASSIGNMENT, course / "records")
    assert {(r["student"], r["status"]) for r in rows if r["notebook"] == "durations"} == {
        ("alice", "SUCCESS"),
        ("bob", "SUCCESS"),
    }
    listed = formgrader(graded, "GET", f"/submissions/{ASSIGNMENT}")
    assert {s["student"]: s["score"] for s in listed} == totals


def test_students_fetch_their_feedback(graded):
    folder = graded.as_user("alice", "GET", f"/user/alice/api/contents/{ASSIGNMENT}/feedback").json()
    (latest,) = [item["path"] for item in folder["content"]]
    page = graded.as_user("alice", "GET", f"/user/alice/api/contents/{latest}/durations.html").json()
    assert "durations" in page["content"] and "Score" in page["content"]
    assert ">Your tests (graded by QA Arena)<" in page["content"]  # the formgrader's feedback names the cell
    assert "Formgrader config is not serializable" not in graded.log.read_text()  # no noise in the hub's log


def test_a_student_cannot_read_another_students_files(graded):
    hub, state, course = graded, graded.state, graded.course
    alice_home = state / "homes" / "alice"
    alice_notebook = alice_home / ASSIGNMENT / "durations.ipynb"
    submitted = course / "submitted" / "alice" / ASSIGNMENT / "durations.ipynb"
    inbound = state / "exchange" / COURSE / "inbound"  # the course's exchange, as servers see it
    for path in (alice_notebook, submitted, course / "gradebook.db"):
        assert path.is_file()  # (as root) so a refusal below is about permissions, not a wrong path
    assert nbformat.read(str(alice_notebook), as_version=4)

    # through the hub: bob's token opens neither alice's server nor anything outside his own
    assert hub.as_user("bob", "GET", "/user/alice/api/contents").status_code == 403
    assert hub.as_user("bob", "GET", "/user/bob/api/contents/../alice").status_code == 404
    # from code in bob's server
    probe = f"""
import json, os
def attempt(action):
    try:
        action()
        return "allowed"
    except Exception as exc:
        return type(exc).__name__
print(json.dumps({{
    "alice's home": attempt(lambda: os.listdir({str(alice_home)!r})),
    "alice's notebook": attempt(lambda: open({str(alice_notebook)!r}).read()),
    "the inbound submissions": attempt(lambda: os.listdir({str(inbound)!r})),
    "the course directory": attempt(lambda: os.listdir({str(course)!r})),
    "alice's collected submission": attempt(lambda: open({str(submitted)!r}).read()),
    "the gradebook": attempt(lambda: open({str(course / "gradebook.db")!r}, "rb").read(16)),
    "the released assignment": attempt(lambda: os.listdir({str(state / "exchange" / COURSE / "outbound")!r})),
    "his own home": attempt(lambda: os.listdir(os.environ["HOME"])),
}}))
"""
    seen = json.loads(hub.run_code("bob", probe))
    assert seen.pop("the released assignment") == "allowed"
    assert seen.pop("his own home") == "allowed"
    assert seen == dict.fromkeys(seen, "PermissionError")
