"""A student's first try at testing parse_duration: a few good tests, one wrong expectation."""

import pytest
from durations import parse_duration


def test_seconds():
    assert parse_duration("45s") == 45


def test_hours_and_minutes():
    assert parse_duration("1h30m") == 5400


def test_empty_is_rejected():
    with pytest.raises(ValueError):
        parse_duration("")


def test_minutes_overflow():
    # Wrong: the specification does not cap minutes, so "90m" is 5400 seconds.
    with pytest.raises(ValueError):
        parse_duration("90m")
