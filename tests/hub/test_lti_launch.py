"""LTI 1.3 launch into a real JupyterHub: ltiauthenticator, configured by `configure_lti` from the registration
in the QA Arena database, with QA Arena's post-auth hook; the LMS is a strict platform on loopback.

The launch is driven over HTTP as a browser would: the LMS's login initiation (POST), the hub's redirect to
the LMS's authorization endpoint, the LMS's auto-posting form with the signed id_token, the hub's callback.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
import requests

from qa_arena.cli import main
from qa_arena.course.runner import CourseRunner
from qa_arena.course.setup import build_assignment, init_course
from qa_arena.grading.problem import load_problem
from qa_arena.lms.keys import ToolKeys
from qa_arena.service.store import SubmissionStore
from tests.hub.conftest import free_port, stop_hub
from tests.support.lti_platform import INSTRUCTOR, LEARNER, LtiPlatform
from tests.support.paths import PROBLEMS

pytestmark = [pytest.mark.hub, pytest.mark.slow]

CONFIG = """
from qa_arena.command import load_config
from qa_arena.hub.lti import configure_lti
from qa_arena.service.store import SubmissionStore

c = get_config()  # noqa: F821
c.JupyterHub.extra_handlers = configure_lti(c, SubmissionStore(config=load_config(None)))
c.JupyterHub.bind_url = "http://127.0.0.1:{port}/"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/cookie_secret"
c.JupyterHub.pid_file = "{state}/jupyterhub.pid"
c.ConfigurableHTTPProxy.pid_file = "{state}/proxy.pid"
c.JupyterHub.services = [{{"name": "admin", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "admin", "services": ["admin"]}}]
"""


@pytest.fixture(scope="module")
def lti_hub(proxy, tmp_path_factory):
    state = tmp_path_factory.mktemp("lti-hub")
    db_url = f"sqlite:///{state / 'qa-arena.sqlite3'}"
    platform = LtiPlatform().start()
    course_a = state / "course-a"
    init_course(course_a, "course-a", [PROBLEMS])
    build_assignment(course_a, "ps1", [load_problem(PROBLEMS / "leap_year")])
    CourseRunner(course_a).release("ps1")  # released: offered to deep linking, with its points
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QA_ARENA_DB_URL", db_url)
        assert main(["lms", "register", "--issuer", platform.issuer, "--client-id", "qa-arena-tool",
                     "--deployment-id", "deployment-1", "--auth-url", platform.auth_url,
                     "--token-url", platform.token_url, "--jwks-url", platform.jwks_url]) == 0  # fmt: skip
        assert main(["lms", "link-course", "--course-dir", str(course_a), "--context-id", "ctx-a"]) == 0
    port, token = free_port(), secrets.token_hex(16)
    config = state / "jupyterhub_config.py"
    config.write_text(CONFIG.format(port=port, hub_port=free_port(), api_port=free_port(), proxy=proxy,
                                    state=state, token=token))  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_ARENA_")}
    env["QA_ARENA_DB_URL"] = db_url
    log = state / "hub.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=state, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(f"{url}/hub/api", timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the hub did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.3)
    yield {"url": url, "token": token, "platform": platform, "db_url": db_url, "course_a": course_a, "log": log}
    stop_hub(process, state / "nothing")
    platform.stop()


def launch(hub: dict, params: dict, target: str = "/hub/home") -> tuple[requests.Session, requests.Response]:
    """The browser's part of a launch: login initiation, the LMS's authorization, the form post to the hub."""
    session = requests.Session()
    initiation = {**params, "target_link_uri": f"{hub['url']}{target}"}
    started = session.post(f"{hub['url']}/hub/lti13/oauth_login", data=initiation, allow_redirects=False)
    assert started.status_code == 302, started.text
    form = session.get(started.headers["Location"], allow_redirects=False)
    assert form.status_code == 200, form.text
    action = html.unescape(re.search(r'action="([^"]+)"', form.text).group(1))
    fields = {name: html.unescape(value) for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', form.text)}
    return session, session.post(action, data=fields, allow_redirects=False)


def hub_user(hub: dict, name: str) -> dict | None:
    answer = requests.get(f"{hub['url']}/hub/api/users/{quote(name)}", timeout=10,
                          headers={"Authorization": f"token {hub['token']}"})  # fmt: skip
    return answer.json() if answer.status_code == 200 else None


def test_a_student_launches_in_and_gets_the_course_group(lti_hub):
    platform = lti_hub["platform"]
    params = platform.prepare_launch("sub-ann", roles=[LEARNER], context="ctx-a", email="Ann@Example.edu",
                                     given_name="Ann", family_name="Lee")  # fmt: skip
    session, done = launch(lti_hub, params)
    assert done.status_code == 302, (done.status_code, done.text[:500], lti_hub["log"].read_text()[-3000:])
    user = hub_user(lti_hub, "ann@example.edu")
    assert user is not None and user["groups"] == ["nbgrader-course-a"]
    assert session.get(f"{lti_hub['url']}/hub/home", allow_redirects=False).status_code == 200  # logged in
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{lti_hub['course_a'] / 'gradebook.db'}", course_id="course-a") as gradebook:
        assert gradebook.find_student("ann@example.edu").lms_user_id == "sub-ann"  # the roster's key, at launch


def test_an_instructor_of_another_context_gets_no_course_group(lti_hub):
    platform = lti_hub["platform"]
    _, done = launch(lti_hub, platform.prepare_launch("sub-ivy", roles=[INSTRUCTOR], context="ctx-b",
                                                      email="ivy@example.edu"))  # fmt: skip
    assert done.status_code == 302
    assert hub_user(lti_hub, "ivy@example.edu")["groups"] == []  # ctx-b is linked to no course


def test_an_unregistered_deployment_is_refused(lti_hub):
    platform = lti_hub["platform"]
    _, done = launch(lti_hub, platform.prepare_launch("sub-eve", context="ctx-a", deployment="deployment-9",
                                                      email="eve@example.edu"))  # fmt: skip
    assert done.status_code == 403 and "not registered" in done.text
    assert hub_user(lti_hub, "eve@example.edu") is None


def test_the_tool_publishes_its_keys_on_the_hub(lti_hub):
    served = requests.get(f"{lti_hub['url']}/hub/lti13/jwks", timeout=10).json()
    store = SubmissionStore(db_url=lti_hub["db_url"])
    assert served == json.loads(json.dumps(ToolKeys(store).jwks())) and served["keys"][0]["kty"] == "RSA"
    store.dispose()


def test_deep_linking_offers_the_released_assignments_and_answers_a_signed_line_item(lti_hub):
    import jwt
    from nbgrader.api import Gradebook

    platform = lti_hub["platform"]
    settings = {"deep_link_return_url": f"{platform.issuer}/deep-link-return", "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["window"], "data": "opaque-123"}  # fmt: skip
    params = platform.prepare_launch(
        "sub-ivy", roles=[INSTRUCTOR], context="ctx-a", email="ivy@example.edu",
        **{"https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingRequest",
           "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": settings},
    )  # fmt: skip
    session, done = launch(lti_hub, params, target="/hub/lti13/deep-link")
    assert done.status_code == 302 and done.headers["Location"].endswith("/hub/lti13/deep-link"), done.text[:300]
    page = session.get(f"{lti_hub['url']}/hub/lti13/deep-link")
    assert page.status_code == 200 and 'value="ps1"' in page.text, page.text[:500]
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{lti_hub['url']}/hub/lti13/deep-link", data={"assignment": "ps1", "_xsrf": xsrf})
    assert answer.status_code == 200, answer.text[:500]
    assert f'action="{settings["deep_link_return_url"]}"' in answer.text
    token = re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1)

    store = SubmissionStore(db_url=lti_hub["db_url"])
    key = jwt.PyJWK(
        next(k for k in ToolKeys(store).jwks()["keys"] if k["kid"] == jwt.get_unverified_header(token)["kid"])
    )
    store.dispose()
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=platform.issuer)
    assert claims["iss"] == "qa-arena-tool" and claims["nonce"]
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == "deployment-1"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-123"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    with Gradebook(f"sqlite:///{lti_hub['course_a'] / 'gradebook.db'}", course_id="course-a") as gradebook:
        points = gradebook.find_assignment("ps1").max_score
    assert item["type"] == "ltiResourceLink" and item["lineItem"]["scoreMaximum"] == points > 0
    assert item["lineItem"]["resourceId"] == "ps1" and item["url"].endswith(
        "/hub/user-redirect/qa-arena/assignments/course-a/ps1"
    )


def test_a_student_cannot_deep_link(lti_hub):
    platform = lti_hub["platform"]
    params = platform.prepare_launch(
        "sub-sam", roles=[LEARNER], context="ctx-a", email="sam@example.edu",
        **{"https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingRequest",
           "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {"deep_link_return_url": "http://x"}},
    )  # fmt: skip
    session, done = launch(lti_hub, params, target="/hub/lti13/deep-link")
    assert done.status_code == 302
    assert session.get(f"{lti_hub['url']}/hub/lti13/deep-link").status_code == 403
