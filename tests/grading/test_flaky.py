"""Flaky tests are found, not scored: tests that depend on timing, randomness or order, on both backends."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.hostile

HONEST = """
import random, time
from adder import add

def test_ok():
    assert add(2, 3) == 5
"""


def kills(verdict) -> dict[str, list[str]]:
    return {v.id: [t.split("::")[-1] for t in v.killed_by] for v in verdict.variants if v.kind == "mutant"}


def test_coin_flips_never_kill_and_show_as_flaky(any_judge, adder):
    """Every run but the golden's repeat gets the same random seed: a coin flip cannot kill a mutant, and
    one that lands differently on the golden's two runs is flaky (16 coins: all alike with p = 2**-16)."""
    coins = "".join(f"\ndef test_coin_{i}():\n    assert random.getrandbits(1)\n" for i in range(16))
    verdict = any_judge.grade(adder, HONEST + coins, matrix=True)
    assert kills(verdict) == {"minus": ["test_ok"], "off_by_one": ["test_ok"], "zero": []}
    assert verdict.score == 30 + 70 * 3 / 4
    assert "flaky" in {t.failed_on for t in verdict.invalid_tests}
    assert {t.failed_on for t in verdict.invalid_tests} <= {"flaky", "golden"}


def test_a_test_that_depends_on_time_since_import_is_flaky(any_judge, adder):
    source = (
        HONEST
        + """
START = time.monotonic()

def test_fresh():  # first in the file: passes when it runs first
    assert time.monotonic() - START < 0.3

def test_slow():
    time.sleep(0.4)
"""
    )
    verdict = any_judge.grade(adder, source)
    assert [(t.name, t.failed_on) for t in verdict.invalid_tests] == [("test_submission.py::test_fresh", "flaky")]


def test_a_test_that_needs_another_to_run_first_is_flaky(any_judge, adder):
    source = (
        HONEST
        + """
STATE = []

def test_setup():
    STATE.append(add(1, 1))

def test_uses_setup():  # passes only after test_setup; a mutant run stopped early must not count it
    assert STATE == [2]
"""
    )
    verdict = any_judge.grade(adder, source, matrix=True)
    assert [(t.name, t.failed_on) for t in verdict.invalid_tests] == [("test_submission.py::test_uses_setup", "flaky")]
    assert kills(verdict) == {"minus": ["test_ok"], "off_by_one": ["test_ok"], "zero": []}
