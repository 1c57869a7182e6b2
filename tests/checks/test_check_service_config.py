"""The check service's policy: staff, feedback levels, and the feedback provider per experiment group."""

from __future__ import annotations

import uuid

import pytest
from traitlets.config import Config

from qa_arena.checks.app import CheckService
from qa_arena.experiments.config import group_for
from qa_arena.service.models import CHECK, Submission
from tests.checks.test_check_views import ADDER, TESTS, VERDICT

HINTS = "qa_arena.ai.fallback.HintsFallback"
OPENAI = "qa_arena.ai.openai_provider.OpenAIFeedback"


def service(**traits) -> CheckService:
    config = Config()
    config.Experiments.experiments = {"hints-vs-ai": {"groups": ["control", "ai"]}}
    for name, value in traits.items():
        setattr(config.CheckService, name, value)
    return CheckService(config=config)


def test_each_experiment_group_gets_its_provider():
    checks = service(experiment="hints-vs-ai", experiment_providers={"control": HINTS, "ai": OPENAI})
    users = [f"student{i}" for i in range(40)]
    groups = {user: group_for("hints-vs-ai", user, checks.config) for user in users}
    assert set(groups.values()) == {"control", "ai"}  # 40 students: both groups are used
    for user in users:
        assert checks.provider_name(user, "adder") == (HINTS if groups[user] == "control" else OPENAI)
    assert service().provider_name("student1", "adder") == OPENAI  # no experiment: the configured provider


def test_the_control_group_reads_offline_hints():
    checks = service(experiment="hints-vs-ai", experiment_providers={"control": HINTS, "ai": HINTS})
    submission = Submission(id=uuid.uuid4(), username="student1", problem="adder", source=TESTS, kind=CHECK,
                            status="SUCCESS", verdict=VERDICT)  # fmt: skip
    feedback = checks.feedback(submission, ADDER)
    assert feedback["source"] == "fallback" and "zero" in feedback["text"]
    assert feedback["label"].startswith("Feedback (offline hints")


def test_staff_and_levels():
    checks = service(staff_users={"ta"}, feedback_levels={"ps1": "count", "adder": "none"})
    assert checks.is_staff({"name": "ta"}) and checks.is_staff({"name": "x", "admin": True})
    assert checks.is_staff({"name": "x", "scopes": ["custom:qa-arena:staff"]})
    assert not checks.is_staff({"name": "alice", "scopes": ["access:services!service=qa-arena"]})
    assert (checks.level_for("adder", "ps1"), checks.level_for("adder", None), checks.level_for("x", None)) == (
        "count", "none", "hints")  # fmt: skip
    with pytest.raises(ValueError, match="not one of none, count, hints, tests"):
        service(feedback_levels={"ps1": "everything"}).level_for("adder", "ps1")
