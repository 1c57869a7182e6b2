"""A rating's input checked before it is stored, with messages a student or a staff member can act on.

Checks that need the database (the submission exists, is the user's, is graded) are in ``store.py``;
these are the ones that do not. The database's own constraints (stars 1-5, source ai|fallback, one
rating per submission and user) back them up.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass

from qa_arena.ai.base import AI, FALLBACK, AIFeedback

STARS = range(1, 6)
MAX_COMMENT_CHARS = 2000
MAX_FEEDBACK_CHARS = 20_000  # well above what a provider shows (the AI's answer is capped at 8000)
MAX_USERNAME_CHARS = 200  # the columns' sizes
MAX_MODEL_CHARS = 200
MAX_REASON_CHARS = 500


class RatingError(ValueError):
    """A rating that cannot be stored; the message says why, in one line."""


@dataclass(frozen=True)
class RatingInput:
    """A rating that passed the checks, normalized (comment trimmed, None when blank)."""

    submission_id: uuid.UUID
    username: str
    stars: int
    comment: str | None
    feedback_text: str
    feedback_source: str
    feedback_model: str | None
    feedback_reason: str | None


def parse_submission_id(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise RatingError(f"not a submission id: {str(value)[:80]!r}") from None


def parse_stars(value: object) -> int:
    """A whole number from 1 to 5; digits in a string are accepted (forms and the command line send text)."""
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,3}\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value not in STARS:
        raise RatingError(f"stars must be a whole number from 1 to 5, got {str(value)[:20]!r}")
    return value


def clean_comment(comment: str | None, max_chars: int = MAX_COMMENT_CHARS) -> str | None:
    """The comment trimmed with newlines normalized; None when blank. No control characters but newline and tab
    (staff read comments in a terminal and in spreadsheets)."""
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise RatingError("the comment must be text")
    comment = comment.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not comment:
        return None
    if len(comment) > max_chars:
        raise RatingError(f"the comment is {len(comment)} characters long; at most {max_chars} are kept")
    bad = next((ch for ch in comment if ch not in "\n\t" and unicodedata.category(ch) == "Cc"), None)
    if bad is not None:
        raise RatingError(f"the comment contains a control character (U+{ord(bad):04X})")
    return comment


def _text(value: object, what: str, max_chars: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RatingError(f"{what} is missing")
    if len(value) > max_chars:
        raise RatingError(f"{what} is {len(value)} characters long; at most {max_chars}")
    return value


def check_feedback(feedback: AIFeedback) -> tuple[str, str, str | None, str | None]:
    """(text, source, model, reason): the model only for AI text, which needs it; a reason only for the fallback."""
    text = _text(feedback.text, "the feedback text", MAX_FEEDBACK_CHARS)
    source = feedback.source
    model = (feedback.model or "").strip() or None
    reason = (feedback.reason or "").strip() or None
    if source not in (AI, FALLBACK):
        raise RatingError(f"the feedback source must be {AI} or {FALLBACK}, got {str(source)[:40]!r}")
    if source == AI:
        if model is None:
            raise RatingError("AI feedback needs the model that wrote it")
        if reason is not None:
            raise RatingError("a reason is recorded only for fallback feedback (why the AI was not used)")
        _text(model, "the model", MAX_MODEL_CHARS)
    else:
        if model is not None:
            raise RatingError("fallback feedback has no model (it is written from the hints)")
        if reason is not None:
            _text(reason, "the fallback reason", MAX_REASON_CHARS)
    return text, source, model, reason


def check_rating(
    submission_id: uuid.UUID | str,
    username: str,
    stars: object,
    feedback: AIFeedback,
    comment: str | None = None,
    max_comment_chars: int = MAX_COMMENT_CHARS,
) -> RatingInput:
    """Everything about a rating that can be checked without the database."""
    sid = parse_submission_id(submission_id)
    user = _text(username, "the user", MAX_USERNAME_CHARS)
    text, source, model, reason = check_feedback(feedback)
    return RatingInput(
        sid, user, parse_stars(stars), clean_comment(comment, max_comment_chars), text, source, model, reason
    )
