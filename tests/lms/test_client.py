"""The tool's requests to an LMS, against a strict platform on loopback: tokens, scores, memberships, failures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from qa_arena.lms.client import LtiClient, PlatformError, PlatformUnavailable, Registration, scores_url
from qa_arena.lms.keys import ToolKeys
from qa_arena.service.store import SubmissionStore
from tests.support.lti_platform import member


def client_for(platform, store, **traits) -> LtiClient:
    LtiClient._tokens.clear()
    registration = Registration(platform.issuer, platform.state.client_id, platform.token_url)
    return LtiClient(registration, ToolKeys(store), backoff_s=0.05, **traits)


def score(user: str, given: float = 3.0) -> dict:
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    return {"userId": user, "scoreGiven": given, "scoreMaximum": 4.0, "activityProgress": "Completed",
            "gradingProgress": "FullyGraded", "timestamp": now}  # fmt: skip


def test_scores_go_after_the_line_items_path_and_before_its_query():
    assert scores_url("https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3") == (
        "https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3"
    )
    assert scores_url("https://canvas.example/api/lti/courses/1/line_items/5/") == (
        "https://canvas.example/api/lti/courses/1/line_items/5/scores"
    )


def test_a_token_is_asked_once_with_a_valid_assertion_and_reused(platform, store):
    url = platform.add_lineitem("ps1", 4.0)
    client = client_for(platform, store)
    client.post_score(url, score("u1"))
    client.post_score(url, score("u2"))
    assert platform.state.token_requests == 1 and len(platform.scores_for("ps1")) == 2
    (claims,) = platform.state.assertions
    assert claims["iss"] == claims["sub"] == "qa-arena-tool" and claims["aud"] == platform.token_url
    assert claims["exp"] > claims["iat"] and len(claims["jti"]) >= 16


def test_a_429_with_retry_after_is_waited_for_then_the_score_goes(platform, store):
    url = platform.add_lineitem("ps1", 4.0)
    platform.fail_next("/lineitems/ps1/scores", 429, retry_after="1")
    started = datetime.now(UTC)
    client_for(platform, store).post_score(url, score("u1"))
    assert (datetime.now(UTC) - started).total_seconds() >= 1.0  # Retry-After honoured
    assert (429, "injected 429") in platform.state.refused and "u1" in platform.scores_for("ps1")


def test_a_refusal_is_raised_with_the_platforms_message_and_not_retried(platform, store):
    url = platform.add_lineitem("ps1", 4.0)
    bad = {**score("u1"), "timestamp": "yesterday"}
    with pytest.raises(PlatformError) as refused:
        client_for(platform, store).post_score(url, bad)
    assert not isinstance(refused.value, PlatformUnavailable)
    assert refused.value.status == 400 and "bad score" in str(refused.value)
    assert [status for status, _ in platform.state.refused] == [400]


def test_a_platform_that_stays_down_is_unavailable_after_the_tries(platform, store):
    url = platform.add_lineitem("ps1", 4.0)
    client = client_for(platform, store, max_attempts=2)
    client.token(("https://purl.imsglobal.org/spec/lti-ags/scope/score",))
    platform.down()
    with pytest.raises(PlatformUnavailable) as away:
        client.post_score(url, score("u1"))
    assert "after 2 tries" in str(away.value)


def test_an_assertion_is_not_accepted_twice_nor_from_another_key(platform, store, tmp_path):
    client = client_for(platform, store)

    form = {"grant_type": "client_credentials", "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": client.assertion()}  # fmt: skip
    assert requests.post(platform.token_url, data=form, timeout=5).status_code == 200
    assert requests.post(platform.token_url, data=form, timeout=5).status_code == 400  # the jti, replayed
    stranger = SubmissionStore(db_url=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with pytest.raises(PlatformError) as refused:
        client_for(platform, stranger).token(("https://purl.imsglobal.org/spec/lti-ags/scope/score",))
    assert refused.value.status == 401
    stranger.dispose()


def test_memberships_are_read_page_after_page(platform, store):
    people = [member(f"sub-{i}", f"s{i}@example.edu", f"Student {i}") for i in range(5)]
    platform.add_context("c1", people)
    assert list(client_for(platform, store).memberships(platform.memberships_url("c1"))) == people  # 3 pages of 2
