"""What a check shows at each feedback level: each level adds to the one before, none shows code."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from traitlets.config import Config

from qa_arena.checks.app import CheckService
from qa_arena.checks.views import LEVELS, check_view, final_verdict
from qa_arena.grading.problem import load_problem
from qa_arena.grading.verdict import Verdict
from qa_arena.service.models import CHECK, Submission
from tests.support.paths import ROOT

ADDER = load_problem(ROOT / "tests" / "fixtures" / "problems" / "adder")
TESTS = """from adder import add

def test_sum():
    assert add(2, 3) == 5

def test_zero():
    assert add(0, 0) == 0
"""
VERDICT = {
    "problem": "adder",
    "status": "SUCCESS",
    "score": 65.0,
    "kill_ratio": 0.5,
    "killed": 2,
    "total": 3,
    "tests": [
        {"name": "test_submission.py::test_sum", "valid": True},
        {"name": "test_submission.py::test_zero", "valid": True},
        {"name": "test_submission.py::test_bad", "valid": False},
    ],
    "invalid_tests": [
        {"name": "test_submission.py::test_bad", "failed_on": "golden", "reason": "MARKER-GOLDEN-5b1e quoted"}
    ],
    "variants": [
        {"id": "golden", "kind": "golden", "outcome": "failed", "killed_by": []},
        {"id": "minus", "kind": "mutant", "outcome": "failed", "killed_by": ["test_submission.py::test_sum"]},
        {"id": "off_by_one", "kind": "mutant", "outcome": "failed", "killed_by": ["test_submission.py::test_sum"]},
        {"id": "zero", "kind": "mutant", "outcome": "passed", "killed_by": []},
    ],
}


def submission(status: str = "SUCCESS", verdict: dict | None = VERDICT) -> Submission:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    return Submission(id=uuid.uuid4(), username="alice", problem="adder", source=TESTS, kind=CHECK, status=status,
                      verdict=verdict, queued_at=now, started_at=now, finished_at=now, assignment="ps1")  # fmt: skip


def test_each_level_adds_to_the_one_before():
    feedback = {"text": "think about zero", "source": "fallback", "label": "Feedback (offline hints)"}
    views = {level: check_view(submission(), ADDER, level, feedback) for level in LEVELS}
    assert set(views["none"]) < set(views["count"]) < set(views["hints"]) < set(views["tests"])
    none = views["none"]
    assert (none["status"], none["valid_tests"], none["assignment"]) == ("SUCCESS", 2, "ps1")
    assert "score" not in none and none["invalid_tests"][0]["name"] == "test_submission.py::test_bad"
    assert (views["count"]["score"], views["count"]["bugs_caught"], views["count"]["bugs_total"]) == (65.0, 2, 3)
    assert views["hints"]["hints"] == ["What happens when one of the numbers is zero?"]  # the survivor's hint
    assert views["hints"]["feedback"] == feedback
    assert views["tests"]["tests"] == [
        {"name": "test_submission.py::test_sum", "caught_a_bug": True},
        {"name": "test_submission.py::test_zero", "caught_a_bug": False},
    ]


@pytest.mark.parametrize("level", LEVELS)
def test_no_level_shows_implementation_code_or_which_mutant_died(level):
    text = json.dumps(check_view(submission(), ADDER, level, None))
    assert "MARKER-GOLDEN" not in text  # the invalid test's reason quoted the golden: withheld
    assert "fails on the reference implementation" in text
    assert not any(name in text for name in ("minus", "off_by_one", "killed_by", "variants"))


def test_before_grading_and_on_error_only_the_status():
    pending = check_view(submission("PENDING", None), ADDER, "tests", None)
    assert pending["status"] == "PENDING" and "score" not in pending and "message" not in pending
    error = {"problem": "adder", "status": "ERROR", "score": None, "message": "docker is away"}
    failed = check_view(submission("ERROR", error), ADDER, "tests", None)
    assert failed["message"].startswith("grading failed for a technical reason") and "score" not in failed


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Each Verdict.from_dict call, by the verdict's problem."""
    calls: list[str] = []
    original = Verdict.from_dict.__func__

    def counted(cls, data, problem=None):
        calls.append(data["problem"])
        return original(cls, data, problem)

    monkeypatch.setattr(Verdict, "from_dict", classmethod(counted))
    return calls


def test_a_given_verdict_is_not_parsed_again(parses):
    check = submission()
    verdict = final_verdict(check, ADDER)
    assert parses == ["adder"]
    assert check_view(check, ADDER, "tests", None, verdict) == check_view(check, ADDER, "tests", None)
    assert parses == ["adder", "adder"]  # only the call without a verdict parsed
    assert final_verdict(submission("PENDING", None), ADDER) is None and final_verdict(submission(), None) is None


def test_the_service_parses_a_checks_verdict_once_per_view(parses):
    from qa_arena.checks.handlers import BaseHandler

    config = Config()
    config.ProblemBank.paths = [str(ADDER.root.parent)]
    config.CheckService.feedback_provider = "qa_arena.ai.fallback.HintsFallback"
    config.CheckService.feedback_level = "tests"
    handler = SimpleNamespace(service=CheckService(config=config))
    view = asyncio.run(BaseHandler.view(handler, submission()))
    assert parses == ["adder"]
    assert view["feedback"]["source"] == "fallback" and view["tests"] and view["hints"]


def test_a_check_names_at_most_the_configured_number_of_invalid_tests():
    invalid = [{"name": f"test_submission.py::test_w{i}", "failed_on": "wheat", "reason": ""} for i in range(6)]
    verdict = {**VERDICT, "invalid_tests": invalid}
    capped = check_view(submission(verdict=verdict), ADDER, "hints")
    assert len(capped["invalid_tests"]) == 3 and capped["invalid_tests_total"] == 6  # the default
    service = CheckService(config=Config({"CheckService": {"invalid_tests_named": 1}}))
    one = check_view(submission(verdict=verdict), ADDER, "hints", invalid_named=service.invalid_tests_named)
    assert [t["name"] for t in one["invalid_tests"]] == ["test_submission.py::test_w0"]
