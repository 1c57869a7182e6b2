"""Deep Linking: an instructor adding QA Arena in the LMS picks one of the course's released assignments, and
the tool answers with a signed LtiDeepLinkingResponse. The response holds a resource link, with a line item
of the assignment's maximum points, so the LMS makes the gradebook column that scores are pushed to.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from nbgrader.api import MissingEntry

from qa_arena.course.settings import Course
from qa_arena.lms.gradebook import open_gradebook
from qa_arena.lms.keys import ToolKeys
from qa_arena.lms.models import Platform

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@dataclass(frozen=True)
class Offer:
    assignment: str
    max_score: float


def released_assignments(course: Course) -> list[Offer]:
    """The course's assignments that students can fetch (release/<name>/), with their maximum points."""
    released = sorted(p.name for p in (course.root / "release").glob("*") if p.is_dir())
    offers = []
    with open_gradebook(course) as gradebook:
        for name in released:
            try:
                offers.append(Offer(name, float(gradebook.find_assignment(name).max_score)))
            except MissingEntry:
                continue  # released by hand, never generated: no points to offer
    return offers


def deep_linking_response(keys: ToolKeys, platform: Platform, settings: dict, offer: Offer, launch_url: str) -> str:
    """The signed response JWT (the tool is its issuer, the platform its audience)."""
    now = int(time.time())
    item = {
        "type": "ltiResourceLink",
        "title": offer.assignment,
        "url": launch_url,
        "custom": {"qa_arena_assignment": offer.assignment},
        "lineItem": {
            "scoreMaximum": offer.max_score,
            "label": offer.assignment,
            "resourceId": offer.assignment,
            "tag": "qa-arena",
        },
    }
    claims = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "iat": now,
        "exp": now + 600,
        "nonce": uuid.uuid4().hex,
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": platform.deployment_id,
        DL + "content_items": [item],
    }
    if settings.get("data") is not None:
        claims[DL + "data"] = settings["data"]  # the platform's own state, returned as it came
    return keys.sign(claims)
