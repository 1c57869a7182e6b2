"""Mutant generation: proposals, screening (planted equivalent and duplicate), determinism, accepting."""

import shutil
import tomllib

import pytest

from qa_arena.grading.problem import ProblemError, load_problem
from qa_arena.mutation.generate import Candidate, accept, generate, propose, screen
from tests.support.paths import ADDER, PROBLEMS

STRATEGY = '\n[generate]\nstrategy = "st.tuples(st.integers(-50, 50), st.integers(-50, 50))"\n'


@pytest.fixture
def adder_with_strategy(tmp_path):
    root = tmp_path / "adder"
    shutil.copytree(ADDER, root)
    (root / "problem.toml").write_text((root / "problem.toml").read_text() + STRATEGY)
    return root


def planted(name, body):
    return Candidate(name, "planted", "planted", 3, "", f"def add(a, b):\n    {body}\n", "hint")


def test_screening_drops_planted_equivalent_and_duplicate(adder_with_strategy, local_judge):
    problem = load_problem(adder_with_strategy)
    candidates = [
        planted("equivalent", "return b + a"),
        planted("duplicate", "return a - b + 0"),  # behaves exactly like mutants/minus.py
        planted("subtle", "return a + b if a < 40 else a + b + 1"),  # no reference test catches it
        planted("subtle_twin", "return a + b + (a >= 40)"),  # the same behaviour as 'subtle'
    ]
    screening = screen(problem, candidates, local_judge, seed=0)
    assert screening == "reference tests and generated inputs"
    status = {c.name: c.status for c in candidates}
    assert status == {"equivalent": "likely equivalent", "duplicate": "duplicate of minus",
                      "subtle": "proposed", "subtle_twin": "duplicate of subtle"}  # fmt: skip
    assert candidates[2].killed_by == []  # the generated inputs, not the reference tests, told it apart


def test_without_a_strategy_only_reference_tests_screen(problem_copy, local_judge):
    problem = load_problem(problem_copy)  # adder's golden has no annotations and no [generate] strategy
    candidates = [planted("equivalent", "return b + a"), planted("subtle", "return a + b if a < 40 else 0")]
    assert screen(problem, candidates, local_judge, seed=0) == "reference tests only (no input strategy)"
    assert [c.status for c in candidates] == ["likely equivalent", "likely equivalent"]


def test_generation_is_deterministic_for_a_seed(tmp_path, local_judge):
    runs = []
    for copy in ("a", "b"):
        root = tmp_path / copy
        shutil.copytree(PROBLEMS / "durations", root)
        generate(load_problem(root), local_judge, max_candidates=5, seed=7)
        files = sorted(p.name for p in (root / "candidates").iterdir())
        runs.append((files, (root / "candidates" / "candidates.toml").read_text().replace(str(root), "ROOT")))
    assert runs[0] == runs[1]
    index = tomllib.loads(runs[0][1])
    assert len(index["candidates"]) == 5
    assert any(d["status"] == "likely equivalent" for d in index["dropped"])
    assert any(d["status"].startswith("duplicate of ") for d in index["dropped"])


def test_proposals_compile_and_differ_from_the_golden():
    problem = load_problem(PROBLEMS / "durations")
    candidates = propose(problem)
    assert len(candidates) > 20
    assert len({c.source for c in candidates}) == len(candidates)
    for candidate in candidates:
        compile(candidate.source, candidate.name, "exec")
        assert candidate.source != problem.golden.source and "->" in candidate.change


def test_accept_moves_candidates_into_the_problem(adder_with_strategy, local_judge):
    candidates, _ = generate(load_problem(adder_with_strategy), local_judge, max_candidates=5, seed=0)
    kept = [c.name for c in candidates if c.status == "kept"]
    assert kept
    accept(adder_with_strategy, kept[:1])
    problem = load_problem(adder_with_strategy)
    accepted = next(m for m in problem.mutants if m.id == kept[0])
    assert accepted.hint and accepted.weight == 1.0
    assert not (adder_with_strategy / "candidates" / f"{kept[0]}.py").exists()
    verdict = local_judge.grade(problem, problem.reference_tests.read_text(), matrix=True)
    assert next(v for v in verdict.variants if v.id == kept[0]).killed_by  # graded like any other mutant
    with pytest.raises(ProblemError, match="not kept candidates"):
        accept(adder_with_strategy, ["nope"])
