"""The score a post carries: AGS's fields, and Canvas's submission extension (new_submission only at first)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from qa_arena.course.settings import Course
from qa_arena.lms import SENT
from qa_arena.lms.client import Registration
from qa_arena.lms.models import LineItem, Platform, ScorePost
from qa_arena.lms.passback import CANVAS_SUBMISSION, Passback

COURSE = Course(Path("/srv/course"), "testing-101", Path("/x"), "sqlite://", Path("/r"))


def test_canvas_gets_new_submission_on_the_first_post_only(store):
    canvas = Registration(
        "https://canvas.instructure.com", "10000000000001", "https://canvas.example/login/oauth2/token"
    )
    submitted = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with store.session() as session:
        platform = Platform(issuer=canvas.issuer, client_id=canvas.client_id, deployment_id="1:abc",
                            auth_url="https://a", token_url=canvas.token_url, jwks_url="https://j")  # fmt: skip
        session.add(platform)
        session.flush()
        item = LineItem(course_id="testing-101", assignment="ps1", lineitem="https://c/li/1", platform_id=platform.id)
        session.add(item)
        session.flush()
        post = ScorePost(lineitem_id=item.id, student="ada", lms_user_id="sub-ada", score_given=7.5,
                         score_maximum=10.0, grading_progress="FullyGraded", submitted_at=submitted,
                         timestamp=datetime(2026, 12, 2, tzinfo=UTC), state="pending", attempts=0)  # fmt: skip
        session.add(post)
        session.flush()
        passback = Passback(store, COURSE)
        first = passback.score_body(session, canvas, post)
        assert first == {
            "userId": "sub-ada", "scoreGiven": 7.5, "scoreMaximum": 10.0, "activityProgress": "Completed",
            "gradingProgress": "FullyGraded", "timestamp": "2026-12-02T00:00:00.000+00:00",
            "submission": {"submittedAt": "2026-12-01T09:30:00.000+00:00"},
            CANVAS_SUBMISSION: {"new_submission": True, "submitted_at": "2026-12-01T09:30:00.000+00:00"},
        }  # fmt: skip
        post.state = SENT
        session.flush()
        assert passback.score_body(session, canvas, post)[CANVAS_SUBMISSION]["new_submission"] is False
        moodle = Registration("https://moodle.example", "abc", "https://moodle.example/mod/lti/token.php")
        assert CANVAS_SUBMISSION not in passback.score_body(session, moodle, post)
