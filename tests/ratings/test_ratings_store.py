"""RatingStore.add: what it refuses and why, replacement, and reading ratings back."""

from __future__ import annotations

import uuid

import pytest
from traitlets import TraitError

from qa_arena.ai.base import AIFeedback
from qa_arena.ratings.store import RatingStore
from qa_arena.ratings.validate import RatingError, clean_comment, parse_stars
from tests.ratings.helpers import add_submission

AI_TEXT = AIFeedback("Your tests never try a negative number.", "ai", model="gpt-4o-mini")
FALLBACK_TEXT = AIFeedback("Kinds of behaviour your tests do not pin down yet: ...", "fallback", reason="no API key")


@pytest.fixture
def graded(store):
    return add_submission(store, "alice", "adder", 72.5)


@pytest.mark.parametrize("stars", [1, 5, "3", " 4 "])
def test_stars_accepted(stars):
    assert parse_stars(stars) == int(stars)


@pytest.mark.parametrize("stars", [0, 6, -1, 4.5, 4.0, "4.5", "", "four", True, None, "5000000"])
def test_stars_refused_with_a_clear_message(stars):
    with pytest.raises(RatingError, match="stars must be a whole number from 1 to 5"):
        parse_stars(stars)


def test_comments_are_trimmed_normalized_and_capped():
    assert clean_comment(None) is None
    assert clean_comment("   \n ") is None
    assert clean_comment("  good\r\nhint\t!  ") == "good\nhint\t!"
    assert clean_comment("x" * 2000) == "x" * 2000
    assert clean_comment("👍🏽 emoji\u200d joiners are fine") == "👍🏽 emoji\u200d joiners are fine"
    with pytest.raises(RatingError, match="2001 characters long; at most 2000"):
        clean_comment("x" * 2001)
    with pytest.raises(RatingError, match=r"control character \(U\+001B\)"):
        clean_comment("red \x1b[31m alert")


def test_add_stores_the_text_and_its_source(ratings, graded):
    saved = ratings.add(graded.id, "alice", 4, AI_TEXT, comment="  helpful  ")
    row = saved.row
    assert not saved.replaced
    assert (row.submission_id, row.username, row.problem, row.stars, row.comment) == (
        graded.id, "alice", "adder", 4, "helpful",
    )  # fmt: skip
    assert (row.feedback_text, row.feedback_source, row.feedback_model, row.feedback_reason) == (
        AI_TEXT.text, "ai", "gpt-4o-mini", None,
    )  # fmt: skip
    assert (row.submission_status, row.submission_score) == ("SUCCESS", 72.5)
    assert row.rated_at.tzinfo is not None
    assert row.to_dict()["submission_id"] == str(graded.id)


def test_a_second_rating_replaces_the_first(ratings, graded):
    first = ratings.add(graded.id, "alice", 2, AI_TEXT, comment="meh").row
    second = ratings.add(str(graded.id), "alice", "5", FALLBACK_TEXT)
    assert second.replaced
    assert second.row.id == first.id  # the same row, updated
    assert (second.row.stars, second.row.comment) == (5, None)  # the comment went with the old rating
    assert (second.row.feedback_source, second.row.feedback_model, second.row.feedback_reason) == (
        "fallback", None, "no API key",
    )  # fmt: skip
    assert second.row.rated_at >= first.rated_at
    assert [r.stars for r in ratings.rows()] == [5]


def test_rows_filter_by_problem(ratings, store):
    a = add_submission(store, "alice", "adder", 50.0)
    b = add_submission(store, "bob", "durations", 30.0, status="FAILURE")
    c = add_submission(store, "carol", "adder", None, status="ERROR")  # the fallback says "not graded": rateable
    ratings.add(a.id, "alice", 3, AI_TEXT)
    ratings.add(b.id, "bob", 1, FALLBACK_TEXT)
    ratings.add(c.id, "carol", 2, AIFeedback("Your tests were not graded ...", "fallback", reason="not graded"))
    assert sorted(r.username for r in ratings.rows(problem="adder")) == ["alice", "carol"]
    assert [r.username for r in ratings.rows(problem="durations")] == ["bob"]
    assert ratings.rows(problem="nope") == []
    assert len(ratings.rows()) == 3


def test_only_the_owner_of_a_graded_submission_may_rate(ratings, store, graded):
    with pytest.raises(RatingError, match=f"no submission {graded.id} of user mallory"):
        ratings.add(graded.id, "mallory", 5, AI_TEXT)  # the same words as for an id that does not exist:
    missing = uuid.uuid4()
    with pytest.raises(RatingError, match=f"no submission {missing} of user alice"):
        ratings.add(missing, "alice", 5, AI_TEXT)  # nobody learns whether another's id exists
    pending = add_submission(store, "alice", "adder", None, status="PENDING")
    with pytest.raises(RatingError, match=r"not graded yet \(PENDING\): no feedback to rate"):
        ratings.add(pending.id, "alice", 5, AI_TEXT)
    with pytest.raises(RatingError, match="not a submission id: 'nope'"):
        ratings.add("nope", "alice", 5, AI_TEXT)
    assert ratings.rows() == []


@pytest.mark.parametrize(
    ("feedback", "message"),
    [
        (AIFeedback("text", "ai"), "AI feedback needs the model that wrote it"),
        (AIFeedback("text", "ai", reason="timeout", model="m"), "a reason is recorded only for fallback"),
        (AIFeedback("text", "fallback", model="m"), "fallback feedback has no model"),
        (AIFeedback("text", "human", model="m"), "the feedback source must be ai or fallback, got 'human'"),
        (AIFeedback("   ", "ai", model="m"), "the feedback text is missing"),
        (AIFeedback("x" * 20_001, "ai", model="m"), "the feedback text is 20001 characters long"),
        (AIFeedback("text", "fallback", reason="r" * 501), "the fallback reason is 501 characters long"),
    ],
)
def test_feedback_provenance_is_checked(ratings, graded, feedback, message):
    with pytest.raises(RatingError, match=message):
        ratings.add(graded.id, "alice", 3, feedback)


def test_comment_limit_is_a_trait(store, graded):
    strict = RatingStore(store, max_comment_chars=10)
    with pytest.raises(RatingError, match="at most 10"):
        strict.add(graded.id, "alice", 3, AI_TEXT, comment="eleven char")
    assert strict.add(graded.id, "alice", 3, AI_TEXT, comment="ten chars!").row.comment == "ten chars!"
    with pytest.raises(TraitError, match="at least 1"):
        RatingStore(store, max_comment_chars=0)
