"""The bank's problem cache: a problem is read once, and again as soon as an instructor changes its directory."""

from __future__ import annotations

import os
import shutil
import threading

import pytest

import qa_arena.grading.problem
from qa_arena.grading.bank import ProblemBank, UnknownProblem
from qa_arena.grading.problem import ProblemCache, ProblemError, problem_stamp
from tests.support.paths import ADDER


@pytest.fixture
def loads(monkeypatch) -> list:
    """Each load_problem call the cache makes, by directory."""
    calls = []
    original = qa_arena.grading.problem.load_problem

    def counted(path):
        calls.append(path)
        return original(path)

    monkeypatch.setattr(qa_arena.grading.problem, "load_problem", counted)
    return calls


@pytest.fixture
def bank_dir(tmp_path):
    shutil.copytree(ADDER, tmp_path / "bank" / "adder")
    return tmp_path / "bank"


@pytest.fixture
def bank(bank_dir) -> ProblemBank:
    return ProblemBank(paths=[str(bank_dir)])


def touch(path, text: str | None = None) -> None:
    """Rewrite path (same text unless given) with an mtime a second later: an edit, whatever the clock's resolution."""
    before = path.stat().st_mtime_ns
    path.write_text(path.read_text() if text is None else text)
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_a_second_resolve_does_not_read_the_problem_again(bank, loads):
    first = bank.resolve("adder")
    assert bank.resolve("adder") is first
    assert len(loads) == 1


def test_an_edited_mutant_is_seen_on_the_next_resolve(bank, bank_dir, loads):
    bank.resolve("adder")
    touch(bank_dir / "adder" / "mutants" / "zero.py", "def add(a, b:\n")  # checked again: it no longer compiles
    with pytest.raises(ProblemError, match=r"zero\.py: does not compile"):
        bank.resolve("adder")
    touch(bank_dir / "adder" / "mutants" / "zero.py", "def add(a, b):\n    return 0\n")
    again = bank.resolve("adder")
    assert len(loads) == 3
    assert next(m for m in again.mutants if m.id == "zero").source == "def add(a, b):\n    return 0\n"


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: touch(d / "problem.toml", (d / "problem.toml").read_text().replace("Add two integers", "Edited")),
        lambda d: (d / "mutants" / "extra.py").write_text("def add(a, b):\n    return b\n"),
        lambda d: (d / "wheats" / "loop.py").unlink(),
        lambda d: touch(d / "golden.py"),
        lambda d: touch(d / "reference_tests.py"),
    ],
    ids=["toml", "new-mutant", "removed-wheat", "golden", "reference-tests"],
)
def test_any_change_to_the_directory_reloads_it(bank, bank_dir, loads, edit):
    before = bank.resolve("adder")
    edit(bank_dir / "adder")
    after = bank.resolve("adder")
    assert len(loads) == 2
    assert after is not before and after == qa_arena.grading.problem.load_problem(bank_dir / "adder")  # as read afresh


def test_a_deleted_problem_gives_the_same_error_as_before(bank, bank_dir, tmp_path):
    bank.resolve("adder")
    shutil.rmtree(bank_dir / "adder")
    with pytest.raises(UnknownProblem) as cached:
        bank.resolve("adder")
    with pytest.raises(UnknownProblem) as fresh:
        ProblemBank(paths=[str(bank_dir)]).resolve("adder")
    assert str(cached.value) == str(fresh.value) == f"unknown problem 'adder': not in {bank_dir}"


def test_a_problem_broken_since_gives_its_error_then_recovers(bank, bank_dir):
    bank.resolve("adder")
    golden = bank_dir / "adder" / "golden.py"
    text = golden.read_text()
    golden.unlink()
    for _ in range(2):  # nothing cached from the failure
        with pytest.raises(ProblemError, match=r"missing golden\.py"):
            bank.resolve("adder")
    golden.write_text(text)
    assert bank.resolve("adder").golden.source == text


def test_a_copy_in_an_earlier_directory_wins_at_once(bank_dir, tmp_path):
    bank = ProblemBank(paths=[str(tmp_path / "first"), str(bank_dir)])
    assert bank.resolve("adder").root == bank_dir / "adder"
    shutil.copytree(ADDER, tmp_path / "first" / "adder")
    assert bank.resolve("adder").root == tmp_path / "first" / "adder"


def test_a_slug_mismatch_is_refused_every_time(bank, bank_dir):
    toml = bank_dir / "adder" / "problem.toml"
    touch(toml, toml.read_text().replace('slug = "adder"', 'slug = "other"'))
    for _ in range(2):
        with pytest.raises(ProblemError, match=r"problem\.toml says slug 'other', not 'adder'"):
            bank.resolve("adder")


def test_threads_share_one_cache(bank, loads):
    results, errors = [], []

    def resolve_many():
        try:
            results.extend(bank.resolve("adder") for _ in range(50))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=resolve_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 400
    assert len({id(problem) for problem in results}) == len(loads) <= len(threads)  # at most one load each at first


def test_the_stamp_ignores_caches_but_not_hidden_files(problem_copy):
    stamp = problem_stamp(problem_copy)
    (problem_copy / "__pycache__").mkdir()
    (problem_copy / "__pycache__" / "golden.cpython-311.pyc").write_bytes(b"\0")
    (problem_copy / ".ipynb_checkpoints").mkdir()
    (problem_copy / ".ipynb_checkpoints" / "golden-checkpoint.py").write_text("")
    assert problem_stamp(problem_copy) == stamp
    (problem_copy / "mutants" / ".hidden.py").write_text("def add(a, b):\n    return a\n")  # load_problem reads it
    assert problem_stamp(problem_copy) != stamp
    assert problem_stamp(problem_copy / "missing") is None


def test_the_cache_reports_a_missing_directory_like_load_problem(tmp_path):
    with pytest.raises(ProblemError, match="not a problem directory"):
        ProblemCache().load(tmp_path / "missing")
