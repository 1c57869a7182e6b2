"""Fixtures of the LMS tests: a store on SQLite, and a strict LTI 1.3 platform on loopback."""

from __future__ import annotations

import pytest

from qa_arena.lms.keys import ToolKeys
from qa_arena.service.store import SubmissionStore
from tests.support.lti_platform import LtiPlatform


@pytest.fixture
def store(tmp_path):
    store = SubmissionStore(db_url=f"sqlite:///{tmp_path / 'qa-arena.sqlite3'}")
    yield store
    store.dispose()


@pytest.fixture
def platform(store):
    """A platform that trusts the tool's keys (as an admin pastes the JWKS into the LMS)."""
    platform = LtiPlatform().start()
    platform.trust_tool(ToolKeys(store).jwks())
    yield platform
    platform.stop()
