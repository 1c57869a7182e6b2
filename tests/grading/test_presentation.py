"""What each run of a submission gets: rewrites seeded by the submission and the problem's secret."""

from __future__ import annotations

from qa_arena.grading.judge import Judge
from qa_arena.grading.presentation import REPEAT, present


def runs_of(problem, tests: str, key: bytes) -> dict[str, tuple]:
    plan = present(problem, {v: v.source for v in problem.variants}, tests, key)
    return {r.key: (r.source, r.seed, r.order) for r in (*plan.correct, *plan.mutants)}


def test_the_same_submission_is_presented_alike_another_one_differently(adder):
    first, again = runs_of(adder, "def test_a(): pass\n", b"k"), runs_of(adder, "def test_a(): pass\n", b"k")
    assert first == again
    other = runs_of(adder, "def test_b(): pass\n", b"k")
    other_key = runs_of(adder, "def test_a(): pass\n", b"other")
    for runs in (other, other_key):
        assert runs["golden"][0] != first["golden"][0] and runs["minus"][0] != first["minus"][0]


def test_runs_share_one_random_seed_but_the_golden_s_repeat(adder):
    runs = runs_of(adder, "def test_a(): pass\n", b"k")
    assert set(runs) == {"golden", REPEAT, "builtin_sum", "loop", "twin-1", "twin-2", "minus", "off_by_one", "zero"}
    assert runs[REPEAT][0] == runs["golden"][0] and runs[REPEAT][2] == "reverse"
    assert {seed for key, (_, seed, _) in runs.items() if key != REPEAT} == {runs["golden"][1]} != {runs[REPEAT][1]}
    assert len({runs[k][0] for k in ("golden", "twin-1", "twin-2")}) == 3  # twins: other rewrites of the golden


def test_the_rewrite_key_is_made_once_kept_private_and_reused(tmp_path, adder):
    path = tmp_path / "state" / "rewrite-secret"
    key = Judge(rewrite_secret_file=str(path)).problem_key(adder, "fingerprint")
    assert path.stat().st_mode & 0o777 == 0o600 and len(path.read_bytes()) == 64
    assert Judge(rewrite_secret_file=str(path)).problem_key(adder, "fingerprint") == key
    assert Judge(rewrite_secret_file=str(path)).problem_key(adder, "another version") != key
    assert Judge(rewrite_secret="from the environment").problem_key(adder, "fingerprint") != key
    assert list(path.parent.iterdir()) == [path]  # no partial file left behind
