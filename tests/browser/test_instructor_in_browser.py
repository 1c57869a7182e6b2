"""The instructor's loop, in a real browser: collect, autograde, generate and release feedback; the student
reads it.

A student (alice) fetches ps1-basics, types two tests into the durations notebook and submits, in her
JupyterLab. The instructor logs in through the hub's login form, opens the course's formgrader (the hub
service at /services/testing-101/formgrader/) and clicks what nbgrader's formgrader offers: Collect on the
assignments page, Autograde on alice's row of the submissions page, then Generate Feedback and Release
Feedback. The gradebook and the released feedback are checked on disk; then alice logs in again, clicks
"Fetch Feedback" in the assignment list, and her feedback page says how her tests were graded, without any
of the hidden implementations' code.
Screenshots of every step: artifacts/browser/test_an_instructor_grades_and_releases_feedback_in_the_browser/.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from nbgrader.api import Gradebook

from qa_arena.grading.problem import load_problem
from qa_arena.hub.accounts import demo_accounts
from qa_arena.hub.course import load_course
from tests.support.paths import PROBLEMS

pytest.importorskip("selenium", reason="selenium is in the test extra: pip install -e '.[test]'")

from tests.browser.lab import Formgrader, Lab, Screenshots  # needs selenium
from tests.browser.test_student_in_browser import formgrader, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.slow]

COURSE = "testing-101"
ASSIGNMENT = "ps1-basics"
NOTEBOOK = "durations"
STUDENT = "alice"
INSTRUCTOR = "instructor"
TESTS = """from durations import parse_duration

def test_45_seconds():
    assert parse_duration("45s") == 45

def test_hours_and_minutes():
    assert parse_duration("1h30m") == 5400
"""
COLLECT_TIMEOUT = 120
AUTOGRADE_TIMEOUT = 600  # the judge runs the tests against every hidden implementation (the hub's worker)
FEEDBACK_TIMEOUT = 300
# every line of the hidden implementations (the reference and the variants graded against) long enough to
# be recognised: none of them may reach a student
HIDDEN = [
    line.strip()
    for variant in load_problem(PROBLEMS / NOTEBOOK).variants
    for line in variant.path.read_text().splitlines()
    if len(line.strip()) > 25
]


@pytest.fixture
def hub(dev_hub):
    """The dev hub has released ps1-basics and alice is in the gradebook. Afterwards the servers the test
    started (alice's, the instructor's) are stopped."""
    students = {s["id"]: s for s in formgrader(dev_hub, "GET", "/students")}
    assert students[STUDENT]["first_name"] == "Alice"
    yield dev_hub
    for user in (STUDENT, INSTRUCTOR):
        stop_server(dev_hub, user)


def log_in(lab: Lab, hub, shot, step: str) -> None:
    password = {a.name: a.password for a in demo_accounts(hub.state)}[lab.user]
    lab.fill_login_form(password)
    shot(f"{step}-login-form")
    lab.submit_login()
    shot(f"{step}-jupyterlab")


def dialog_text(dialog, action: str) -> str:
    text = dialog.text
    assert dialog.get_attribute("id") == "success-modal", f"{action} failed in the formgrader:\n{text}"
    return text


def open_in_new_tab(lab: Lab, link) -> str:
    """Click a link that opens a new tab; switch to it; its URL once JupyterLab is up there."""
    before = set(lab.driver.window_handles)
    link.click()
    (tab,) = lab.wait(lambda d: list(set(d.window_handles) - before) or None, message="a new tab")
    lab.driver.switch_to.window(tab)
    lab.wait(lambda d: lab.find(".jp-DirListing"), message="JupyterLab's file browser in the new tab")
    return lab.driver.current_url


def close_tab(lab: Lab) -> None:
    lab.driver.close()
    lab.driver.switch_to.window(lab.driver.window_handles[0])


def test_an_instructor_grades_and_releases_feedback_in_the_browser(hub, driver, artifacts):
    shot = Screenshots(driver, artifacts)
    assert [line for line in HIDDEN if "_PART = re.compile" in line]  # the reference's lines are among them

    # -- alice submits, in her JupyterLab ---------------------------------------------------------------
    alice = Lab(driver, hub.url, STUDENT)
    log_in(alice, hub, shot, "alice")
    alice.open_assignment_list()
    alice.fetch(ASSIGNMENT)
    assert NOTEBOOK in alice.show_notebooks(ASSIGNMENT)
    alice.open_from_list(ASSIGNMENT, NOTEBOOK)
    tests = alice.cell_with("from durations import parse_duration")
    alice.type_into(tests, TESTS)
    alice.save()
    shot("alice-tests-written")
    alice.open_assignment_list()
    alice.submit(ASSIGNMENT)
    shot("alice-submitted")
    alice.log_out()

    # -- the instructor, in the formgrader ---------------------------------------------------------------
    instructor = Lab(driver, hub.url, INSTRUCTOR)
    log_in(instructor, hub, shot, "instructor")
    grader = Formgrader(instructor, f"{hub.url}/services/{COURSE}/formgrader")
    grader.open("manage_assignments", "name", ASSIGNMENT)
    assert grader.cell("name", ASSIGNMENT, "status") == "released"
    assert grader.cell("name", ASSIGNMENT, "num-submissions") == "0"
    shot("formgrader-assignments")

    # the assignment's name opens its source folder and "Preview" its released copy, each in a new tab: the
    # formgrader's own JupyterLab at that folder (nbgrader links them to the site's /tree/, a 404 on a hub)
    for column, folder in (("name", "source"), ("preview", "release")):
        (link,) = instructor.find(f":scope > td.{column} a", grader.wait_row("name", ASSIGNMENT))
        assert open_in_new_tab(instructor, link) == f"{hub.url}/services/{COURSE}/lab/tree/{folder}/{ASSIGNMENT}"
        files = instructor.wait(
            lambda d: [e.text for e in instructor.find(".jp-DirListing-itemText") if e.text.endswith(".ipynb")],
            message=f"the files of {folder}/{ASSIGNMENT} in the formgrader's JupyterLab",
        )
        assert "durations.ipynb" in files, files
        shot(f"formgrader-{folder}-folder")
        close_tab(instructor)

    text = dialog_text(grader.act("name", ASSIGNMENT, "collect", COLLECT_TIMEOUT), "Collect")
    assert f"Successfully collected submissions of '{ASSIGNMENT}'." in text and STUDENT in text, text
    shot("collected")
    grader.close_dialog()
    instructor.wait(
        lambda d: grader.cell("name", ASSIGNMENT, "num-submissions") == "1", message="one submission collected"
    )
    # the number of submissions links to the submissions page, where each one is autograded
    (link,) = instructor.find("td.num-submissions a", grader.wait_row("name", ASSIGNMENT))
    link.click()
    grader.wait_row("student-id", STUDENT)
    assert instructor.driver.current_url.endswith(f"/formgrader/manage_submissions/{ASSIGNMENT}")
    assert grader.cell("student-id", STUDENT, "status") == "needs autograding"
    shot("submissions-before-autograde")

    text = dialog_text(grader.act("student-id", STUDENT, "autograde", AUTOGRADE_TIMEOUT), "Autograde")
    assert f"Successfully autograded '{ASSIGNMENT}' for student '{STUDENT}'." in text, text
    shot("autograded")
    grader.close_dialog()
    instructor.wait(
        lambda d: grader.cell("student-id", STUDENT, "status") in ("graded", "needs manual grading"),
        message="alice's submission marked autograded",
    )
    shown = grader.cell("student-id", STUDENT, "score")
    assert re.fullmatch(r"[\d.]+ / [\d.]+", shown), shown
    shot("submissions-autograded")

    grader.open("manage_assignments", "name", ASSIGNMENT)
    text = dialog_text(grader.act("name", ASSIGNMENT, "generate-feedback", FEEDBACK_TIMEOUT), "Generate Feedback")
    assert f"Successfully generated feedback of '{ASSIGNMENT}'." in text, text
    shot("feedback-generated")
    grader.close_dialog()
    grader.wait_row("name", ASSIGNMENT)
    text = dialog_text(grader.act("name", ASSIGNMENT, "release-feedback", FEEDBACK_TIMEOUT), "Release Feedback")
    assert f"Successfully released feedback of '{ASSIGNMENT}'." in text, text
    shot("feedback-released")
    grader.close_dialog()
    instructor.log_out()

    # -- on disk: the gradebook has the tests cell's score; the feedback page is generated and released ----
    course = hub.course
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade(f"{NOTEBOOK}-tests", NOTEBOOK, ASSIGNMENT, STUDENT)
        tests_score, tests_max = grade.score, grade.max_score
        total = gradebook.find_submission(ASSIGNMENT, STUDENT).score
    assert tests_max == 10 and 0 < tests_score <= tests_max, (tests_score, tests_max)  # two valid tests kill some
    assert float(shown.split(" / ")[0]) == pytest.approx(total, abs=0.01), (shown, total)  # the page said so
    generated = course / "feedback" / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.html"
    assert generated.is_file(), f"no feedback generated at {generated}"
    released = load_course(course).exchange / COURSE / "feedback"
    pages = [p for p in released.rglob("*.html") if p.read_bytes() == generated.read_bytes()]
    assert pages, f"alice's {NOTEBOOK}.html is not among the released feedback in {released}"

    # -- alice fetches her feedback and reads it ----------------------------------------------------------
    alice = Lab(driver, hub.url, STUDENT)
    log_in(alice, hub, shot, "alice-again")
    listing = alice.open_assignment_list()
    assert "(feedback available to fetch)" in listing.text, listing.text
    alice.fetch_feedback(ASSIGNMENT)
    shot("feedback-fetched")
    alice.view_feedback(ASSIGNMENT)  # the file browser goes to the feedback's folder
    page_name = f"{NOTEBOOK}.html"
    alice.wait(
        lambda d: [e for e in alice.find(".jp-DirListing-itemText") if e.text == page_name and e.is_displayed()],
        message=f"{page_name} in the file browser",
    )
    shot("feedback-folder")

    folder = hub.as_user(STUDENT, "GET", f"/user/{STUDENT}/api/contents/{ASSIGNMENT}/feedback").json()
    (latest,) = [item["path"] for item in folder["content"]]  # ps1-basics/feedback/<submission's timestamp>
    driver.get(f"{hub.url}/user/{STUDENT}/files/{quote(latest)}/{NOTEBOOK}.html")

    def feedback_shown(_driver) -> str | None:
        text = driver.find_element("tag name", "body").text
        return text if "Your tests (graded by QA Arena)" in text else None

    page = alice.wait(feedback_shown, message="alice's feedback page")
    shot("feedback-page")
    score = re.search(r"Your tests \(graded by QA Arena\) \(Score: ([\d.]+) / ([\d.]+)\)", page)
    assert score, f"no score for the tests cell on the feedback page:\n{page[:2000]}"
    assert (float(score[1]), float(score[2])) == (pytest.approx(tests_score, abs=0.01), tests_max)
    assert "Coding free-response" not in page
    shown_anywhere = page + driver.page_source + generated.read_text()  # the text, the HTML, the file
    leaked = [line for line in HIDDEN if line in shown_anywhere]
    assert not leaked, f"the feedback page shows hidden code: {leaked}"
    assert len(shot.taken) == 20 and all(p.stat().st_size > 5_000 for p in shot.taken)
