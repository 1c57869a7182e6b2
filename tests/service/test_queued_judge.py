"""QueuedJudge: grading through the queue to a real `qa-arena worker`, for a process with no sandbox."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from qa_arena.grading.problem import load_problem, problem_fingerprint
from qa_arena.grading.verdict import Verdict
from qa_arena.service.models import Submission
from qa_arena.service.queued_judge import QueuedJudge, same_problem

from .conftest import REFERENCE_TESTS, SERVICE, embedded_settings, make_bank, traitlets_config

pytestmark = SERVICE

WEAK = "from adder import add\n\n\ndef test_one_and_one():\n    assert add(1, 1) == 2\n"


def queued_judge(settings: dict[str, object], **judge: object) -> QueuedJudge:
    return QueuedJudge(config=traitlets_config({**settings, **{f"QueuedJudge.{k}": v for k, v in judge.items()}}))


@pytest.fixture
def adder(embedded):
    return load_problem(embedded.settings["ProblemBank.paths"][0] + "/adder")


def test_the_workers_verdict_comes_back_as_the_judges(embedded, adder):
    judge = queued_judge(embedded.settings)
    strong = judge.grade(adder, REFERENCE_TESTS.read_text(), "ada", "ps1")
    weak = judge.grade(adder, WEAK, "ben", "ps1")

    assert (strong.status, strong.score, strong.killed, strong.total) == ("SUCCESS", 100.0, 3, 3)
    assert weak.status == "SUCCESS" and weak.killed < weak.total and 30.0 <= weak.score < 100.0
    assert weak.hints  # read against this side's problem: the student view can show them
    with judge.service.store.session() as session:
        rows = session.scalars(select(Submission).where(Submission.username == "ben")).all()
    assert [(r.kind, r.problem, r.assignment, r.status) for r in rows] == [("submit", "adder", "ps1", "SUCCESS")]


def test_a_worker_with_another_version_of_the_problem_gives_an_error(embedded, adder, tmp_path):
    """Scores for the wrong mutants are never recorded: here the workers' problem has one mutant more."""
    mine = tmp_path / "adder"
    shutil.copytree(adder.root, mine)
    toml = (mine / "problem.toml").read_text()
    first_mutant = toml.index("[[mutants]]")
    (mine / "problem.toml").write_text(toml[:first_mutant] + toml[toml.index("[[mutants]]", first_mutant + 1) :])
    (mine / "mutants" / "minus.py").unlink()  # the first [[mutants]] entry
    older = load_problem(mine)
    assert len(older.mutants) == len(adder.mutants) - 1

    verdict = queued_judge(embedded.settings).grade(older, REFERENCE_TESTS.read_text(), "cleo")
    assert (verdict.status, verdict.score) == ("ERROR", None)
    assert "another version of adder" in verdict.message


def test_a_worker_whose_mutant_code_differs_under_the_same_ids_gives_an_error(embedded, adder, tmp_path):
    """Same mutant ids and weights, another mutant's code: the workers graded another version, not this one."""
    mine = tmp_path / "adder"
    shutil.copytree(adder.root, mine)
    (mine / "mutants" / "off_by_one.py").write_text("def add(a, b):\n    return a + b + 2\n")
    edited = load_problem(mine)
    assert [(m.id, m.weight) for m in edited.mutants] == [(m.id, m.weight) for m in adder.mutants]

    verdict = queued_judge(embedded.settings).grade(edited, REFERENCE_TESTS.read_text(), "fay")
    assert (verdict.status, verdict.score) == ("ERROR", None)
    assert "the workers graded another version of adder" in verdict.message


def test_same_problem_compares_the_fingerprint_and_reads_verdicts_stored_before_it(adder):
    mutants = [{"id": m.id, "kind": "mutant", "outcome": "failed", "killed_by": ["t"]} for m in adder.mutants]
    stored = {"problem": "adder", "status": "SUCCESS", "score": 100.0, "killed": 3, "total": 3, "variants": mutants}
    old = Verdict.from_dict(stored, adder)  # written before verdicts carried problem_sha256
    assert old.problem_sha256 is None and same_problem(old, adder)  # checked by mutant ids, as then
    assert same_problem(Verdict.from_dict({**stored, "problem_sha256": problem_fingerprint(adder)}, adder), adder)
    assert not same_problem(Verdict.from_dict({**stored, "problem_sha256": "0" * 64}, adder), adder)


def test_no_worker_in_time_is_an_error_not_a_zero(tmp_path):
    settings = embedded_settings(tmp_path, make_bank(tmp_path / "bank"))  # no worker takes this queue
    problem = load_problem(tmp_path / "bank" / "adder")
    verdict = queued_judge(settings, timeout_s=1.0).grade(problem, WEAK, "dan")
    assert (verdict.status, verdict.score) == ("ERROR", None)
    assert "no verdict within 1 s" in verdict.message and "PENDING" in verdict.message


def test_a_database_that_is_away_is_an_error(tmp_path):
    settings = embedded_settings(tmp_path, make_bank(tmp_path / "bank"))
    settings["SubmissionStore.db_url"] = "postgresql+psycopg://qa@127.0.0.1:9/qa"  # nothing listens on the discard port
    problem = load_problem(tmp_path / "bank" / "adder")
    verdict = queued_judge(settings).grade(problem, WEAK, "eve")
    assert (verdict.status, verdict.score) == ("ERROR", None)
    assert "could not be queued" in verdict.message
