"""A student opens a QA Arena assignment from their LMS, in a real browser: the LMS's course page (a strict LTI
1.3 platform on loopback), its link opened in a new tab, the OIDC login through the hub (ltiauthenticator,
QA Arena's post-auth hook), the student's server spawned, the assignment fetched from the course's exchange,
and its notebook open in JupyterLab. The dev hub serves two courses; the LMS course is linked to the second."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from qa_arena.course.runner import CourseRunner
from qa_arena.course.setup import build_assignment, init_course
from qa_arena.grading.problem import load_problem
from tests.browser.lab import SPAWN_TIMEOUT, Lab, Screenshots
from tests.browser.test_student_in_browser import stop_server
from tests.hub.conftest import hub_env
from tests.support.lti_platform import LtiPlatform
from tests.support.paths import PROBLEMS

pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.slow]

COURSE, ASSIGNMENT, NOTEBOOK, CONTEXT = "course-b", "ps-b", "leap_year", "ctx-b"
STUDENT_EMAIL = "dana@example.edu"  # the username at launch (the default rule: the email claim)
PLATFORM = LtiPlatform()


def qa_arena(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "qa_arena", *args], env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr


def before_hub_starts(state: Path) -> dict[str, str]:
    """The LMS is registered and its course linked to course-b (released ps-b); the hub logs in with LTI."""
    PLATFORM.start()
    env = {**hub_env(state), "QA_ARENA_DB_URL": f"sqlite:///{state / 'qa-arena.sqlite3'}"}
    course = state / "departments" / COURSE
    init_course(course, COURSE, [PROBLEMS])
    build_assignment(course, ASSIGNMENT, [load_problem(PROBLEMS / NOTEBOOK)])
    CourseRunner(course).release(ASSIGNMENT)
    course.chmod(0o700)
    qa_arena(env, "hub", "courses", "add", str(course))
    qa_arena(env, "lms", "register", "--issuer", PLATFORM.issuer, "--client-id", PLATFORM.state.client_id,
             "--deployment-id", PLATFORM.deployment_id, "--auth-url", PLATFORM.auth_url,
             "--token-url", PLATFORM.token_url, "--jwks-url", PLATFORM.jwks_url)  # fmt: skip
    qa_arena(env, "lms", "link-course", "--course-dir", str(course), "--context-id", CONTEXT)
    return {"QA_ARENA_HUB_AUTHENTICATOR": "lti13", "QA_ARENA_DB_URL": env["QA_ARENA_DB_URL"]}


@pytest.fixture(scope="module", autouse=True)
def platform_stops():
    yield
    PLATFORM.stop()


def test_a_student_opens_the_assignment_from_the_lms(dev_hub, driver, artifacts):
    shot = Screenshots(driver, artifacts)
    initiation = PLATFORM.prepare_launch("lms-user-4711", context=CONTEXT, email=STUDENT_EMAIL, name="Dana Doe")
    target = f"{dev_hub.url}/hub/user-redirect/qa-arena/assignments/{COURSE}/{ASSIGNMENT}"
    page = PLATFORM.launch_page(CONTEXT, f"Open {ASSIGNMENT} in QA Arena", f"{dev_hub.url}/hub/lti13/oauth_login",
                                target, initiation)  # fmt: skip
    driver.get(page)
    shot("lms-course-page")
    lms_tab = driver.current_window_handle
    driver.find_element(By.ID, "launch").click()
    lab = Lab(driver, dev_hub.url, STUDENT_EMAIL)
    lab.wait(lambda d: len(d.window_handles) == 2, message="the tool's new tab")
    driver.switch_to.window(next(h for h in driver.window_handles if h != lms_tab))
    try:
        lab.wait(
            lambda d: f"/lab/tree/{ASSIGNMENT}/{NOTEBOOK}.ipynb" in d.current_url,
            SPAWN_TIMEOUT,
            "the assignment's notebook after the launch",
        )
        setup = lab.cell_with("%load_ext qa_arena.client", timeout=SPAWN_TIMEOUT)
        shot("assignment-open")
        assert f"/user/{STUDENT_EMAIL}/" in driver.current_url
        assert "%qa_arena_module calendar_rules" in lab.source(setup)  # the leap_year problem's notebook
        user = dev_hub.request("GET", f"/hub/api/users/{STUDENT_EMAIL}").json()
        assert user["groups"] == [f"nbgrader-{COURSE}"]  # the launch's course, with the LMS's role
        fetched = dev_hub.as_user(STUDENT_EMAIL, "GET", f"/user/{STUDENT_EMAIL}/api/contents/{ASSIGNMENT}")
        assert fetched.status_code == 200, fetched.text  # fetched into the student's home
    finally:
        stop_server(dev_hub, STUDENT_EMAIL)


def test_an_assignment_the_student_cannot_get_says_so(dev_hub):
    """The landing page of an assignment that is not released to the user: 404 with a sentence, no fetch."""
    student = "carl-not-in-b"
    dev_hub.request("POST", f"/hub/api/users/{student}")
    dev_hub.start_servers([student])
    try:
        answer = dev_hub.as_user(student, "GET", f"/user/{student}/qa-arena/assignments/{COURSE}/{ASSIGNMENT}",
                                 allow_redirects=False)  # fmt: skip
        assert answer.status_code == 404
        assert f"{ASSIGNMENT} of {COURSE} is not available to you" in answer.text
    finally:
        stop_server(dev_hub, student)
