"""A student's whole visit, in a real browser: log in, fetch, write tests, run the check, submit.

The instructor's side goes through the course's formgrader API, as in tests/hub (generate and release
first; collect at the end); everything the student does goes through the page: the hub's login form,
JupyterLab, nbgrader's assignment list (Nbgrader > Assignment List), the notebook's cells.
Screenshots of every step: artifacts/browser/test_a_student_fetches_tests_checks_and_submits/.
"""

from __future__ import annotations

import os
import time

import nbformat
import pytest

from qa_arena.hub.accounts import demo_accounts
from qa_arena.ratings.store import RatingStore
from qa_arena.service.store import SubmissionStore
from tests.hub.client import processes_of

pytest.importorskip("selenium", reason="selenium is in the test extra: pip install -e '.[test]'")

from tests.browser.lab import Lab, Screenshots  # needs selenium

pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.slow]

COURSE = "testing-101"
ASSIGNMENT = "ps1-basics"
NOTEBOOK = "durations"
FORMGRADER = f"/services/{COURSE}/formgrader/api"
STUDENT = "alice"
TESTS = """import pytest
from durations import parse_duration

def test_45_seconds():
    assert parse_duration("45s") == 45

def test_hours_and_minutes():
    assert parse_duration("1h30m") == 5400
"""


EDITED = """
def test_minutes_capped():
    with pytest.raises(ValueError):
        parse_duration("90m")
"""


def formgrader(hub, method: str, path: str, **kwargs):
    response = hub.as_user("instructor", method, FORMGRADER + path, **kwargs)
    assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text[:500]}"
    body = response.json()
    assert not isinstance(body, dict) or body.get("success", True), f"{path}: {body.get('log') or body}"
    return body


def stop_server(hub, user: str, timeout: float = 60) -> None:
    """Shut the user's kernels down, then the server, and wait until none of its processes is left
    (a kernel left running when the hub stops outlives its server for a moment: the hub fixture sees it)."""
    kernels = hub.as_user(user, "GET", f"/user/{user}/api/kernels")
    for kernel in kernels.json() if kernels.ok else []:
        hub.as_user(user, "DELETE", f"/user/{user}/api/kernels/{kernel['id']}")
    assert hub.request("DELETE", f"/hub/api/users/{user}/server").status_code in (202, 204, 400)
    home = str(hub.state / "homes" / user)

    def in_home(pid: int) -> bool:
        try:
            return os.readlink(f"/proc/{pid}/cwd").startswith(home)
        except OSError:  # gone meanwhile
            return False

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(in_home(pid) for pid in processes_of(hub.state)):
            return
        time.sleep(0.5)
    raise TimeoutError(f"{user}'s server and kernels still running {timeout} s after it was stopped")


@pytest.fixture
def released(dev_hub):
    """The dev hub has released the first assignment of its demo course, and the student is in its gradebook
    (the formgrader's API says so). Afterwards the student's server is stopped."""
    students = {s["id"]: s for s in formgrader(dev_hub, "GET", "/students")}
    assert students[STUDENT]["first_name"] == "Alice"
    yield dev_hub
    stop_server(dev_hub, STUDENT)


def test_a_student_fetches_tests_checks_and_submits(released, driver, artifacts):
    hub = released
    shot = Screenshots(driver, artifacts)
    lab = Lab(driver, hub.url, STUDENT)
    password = {a.name: a.password for a in demo_accounts(hub.state)}[STUDENT]

    # the hub's login form; logging in spawns alice's server and lands in JupyterLab
    lab.fill_login_form(password)
    shot("login-form")
    lab.submit_login()
    shot("jupyterlab")

    # fetch through nbgrader's assignment list
    listing = lab.open_assignment_list()
    assert COURSE in listing.text and ASSIGNMENT in listing.text
    shot("assignment-list-released")
    lab.fetch(ASSIGNMENT)
    assert lab.show_notebooks(ASSIGNMENT) == ["clamp", NOTEBOOK, "leap_year", "split_bill"]
    # nbgrader's Validate cannot grade tests (it said "passes all the tests" for any suite): each
    # notebook's row offers the check in its place
    assert lab.list_buttons(ASSIGNMENT, NOTEBOOK) == ["Check my tests"]
    shot("assignment-fetched")

    # the notebook: setup, tests and check cells, in that order
    lab.open_from_list(ASSIGNMENT, NOTEBOOK)
    setup = lab.cell_with("%load_ext qa_arena.client")
    tests = lab.cell_with("from durations import parse_duration")
    check = lab.cell_with(f"%qa_arena_check {NOTEBOOK}")
    assert "YOUR TESTS HERE" in lab.source(tests)
    shot("notebook-open")
    lab.type_into(tests, TESTS)
    shot("tests-written")

    assert lab.run(setup) == ""
    assert lab.run(tests) == ""  # the setup cell's stand-in makes `from durations import ...` work
    result = lab.run(check)
    lab.scroll_to(check)
    shot("check-result")
    assert f"Checking your tests for {NOTEBOOK}:" in result
    assert "2 test function(s): test_45_seconds, test_hours_and_minutes" in result
    assert "asserts nothing" not in result
    # graded by the hub's check service (its worker, against the hidden implementations), in words a student reads
    assert "Your tests caught " in result and "Score: " in result and "Bugs your tests miss" in result
    assert not [word for word in ("SUCCESS", "offline hints", "test_submission.py") if word in result], result
    assert "2 test function(s)" in driver.find_element("tag name", "body").text  # shown, not just in the DOM

    # the student edits the tests cell and, without running it, clicks "Check my tests": the edit is graded
    assert not [b for b in lab.find(".validate-button") if b.is_displayed()]  # Validate does not grade tests
    lab.type_into(tests, TESTS + EDITED)
    time.sleep(10)  # the check service asks for 10 s between two checks
    result = lab.check_with_button(check)
    checked_at = time.monotonic()
    lab.scroll_to(check)
    shot("check-of-the-edit")
    assert "3 test function(s): test_45_seconds, test_hours_and_minutes, test_minutes_capped" in result
    assert "Checked the tests cell" not in result  # what is on screen, not the saved file nor the cell run last
    assert "test_minutes_capped: fails on the reference implementation" in result  # explained in one line

    lab.save()
    # the answer's "Rate this feedback" link opens the check service's page at this check (the hub's OAuth
    # login, no password again): the check and its feedback, rated with one click
    (rate,) = [a for a in lab.find("a", check) if a.text == "Rate this feedback"]
    assert rate.get_attribute("href").startswith(f"{hub.url}/services/qa-arena/#check-")
    driver.get(rate.get_attribute("href"))
    lab.wait(lambda d: d.find_elements("css selector", "tr.check"), message="the checks page")
    row = driver.find_element("css selector", "tr.check")  # the latest check first
    assert "durations" in row.text and "Your tests caught " in row.text and "test_minutes_capped" in row.text
    assert "SUCCESS" not in row.text and "offline hints" not in row.text
    shot("checks-page")
    row.find_element("name", "comment").send_keys("clear enough")
    row.find_element("css selector", "button.star[value='4']").click()  # one click on the fourth star
    lab.wait(lambda d: d.find_elements("css selector", "tr.check .confirmation"), message="the rating confirmed")
    assert driver.find_element("css selector", "tr.check .confirmation").text == (
        "Thanks: your rating of 4 of 5 was saved."
    )
    shot("rated")
    submissions = SubmissionStore(db_url=f"sqlite:///{hub.state / 'service' / 'submissions.sqlite3'}")
    (rating,) = RatingStore(submissions).rows(username=STUDENT)
    assert (rating.stars, rating.comment, rating.feedback_source) == (4, "clear enough", "fallback")
    submissions.dispose()
    driver.get(f"{hub.url}/user/{STUDENT}/lab")  # back to JupyterLab
    lab.wait(lambda d: lab.find(".lm-MenuBar-itemLabel"), message="JupyterLab again")
    lab.dismiss_notifications()

    saved = hub.as_user(STUDENT, "GET", f"/user/{STUDENT}/api/contents/{ASSIGNMENT}/{NOTEBOOK}.ipynb").json()
    (cell,) = [c for c in saved["content"]["cells"] if "qa-arena-tests" in c["metadata"].get("tags", [])]
    assert cell["source"] == (TESTS + EDITED).rstrip("\n")

    # the assignment list's "Check my tests" opens the notebook and checks what it holds
    lab.open_assignment_list()
    time.sleep(max(0.0, 10.5 - (time.monotonic() - checked_at)))  # 10 s between two checks
    result = lab.check_from_list(ASSIGNMENT, NOTEBOOK, f"%qa_arena_check {NOTEBOOK}")
    assert "3 test function(s): test_45_seconds, test_hours_and_minutes, test_minutes_capped" in result

    # submit through the assignment list
    lab.open_assignment_list()
    lab.submit(ASSIGNMENT)
    shot("submitted")

    # the instructor collects: the typed tests are in the course's copy of alice's submission
    collected = formgrader(hub, "POST", f"/assignment/{ASSIGNMENT}/collect")
    assert STUDENT in collected["log"]
    submitted = hub.course / "submitted" / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(str(submitted), as_version=4)
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{NOTEBOOK}-tests"]
    assert cell.source == (TESTS + EDITED).rstrip("\n")
    assert len(shot.taken) == 11 and all(p.stat().st_size > 10_000 for p in shot.taken)
