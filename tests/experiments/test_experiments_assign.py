"""Group assignment: sha256 of [experiment, user] mod the number of groups, the same in every process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from scipy import stats

from qa_arena.experiments.assign import group_index

ROOT = Path(__file__).resolve().parents[2]
IDS = [f"student{i:03d}" for i in range(1000)]


def test_the_documented_formula():
    for user in ("alice", "bob", "chloé", "", "a,b"):
        digest = hashlib.sha256(json.dumps(["hints-vs-ai", user], ensure_ascii=False).encode()).hexdigest()
        assert group_index("hints-vs-ai", user, 3) == int(digest, 16) % 3


def test_frozen_values():
    """Changing the function would reassign every running experiment's students: these must never change."""
    assert [group_index("hints-vs-ai", f"student{i:03d}", 2) for i in range(16)] == [
        1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0,
    ]  # fmt: skip
    assert [group_index("three-way", f"student{i:03d}", 3) for i in range(12)] == [0, 0, 2, 0, 2, 1, 1, 0, 2, 1, 1, 2]


def test_stable_across_processes_and_hash_seeds():
    code = (
        "from qa_arena.experiments.assign import group_index\n"
        "print(''.join(str(group_index('hints-vs-ai', f'student{i:03d}', 3)) for i in range(200)))"
    )
    here = "".join(str(group_index("hints-vs-ai", f"student{i:03d}", 3)) for i in range(200))
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == here


@pytest.mark.parametrize("groups", [2, 3, 4])
def test_roughly_balanced_over_1000_ids(groups):
    counts = Counter(group_index("hints-vs-ai", user, groups) for user in IDS)
    assert sorted(counts) == list(range(groups))
    expected = len(IDS) / groups
    assert all(abs(n - expected) < 0.15 * expected for n in counts.values()), counts
    assert stats.chisquare(list(counts.values())).pvalue > 0.01, counts  # no sign of a biased split


def test_experiments_split_students_independently():
    first = [group_index("exp-a", user, 2) for user in IDS]
    second = [group_index("exp-b", user, 2) for user in IDS]
    agreement = sum(a == b for a, b in zip(first, second, strict=True)) / len(IDS)
    assert 0.45 < agreement < 0.55  # not the same split under another name


def test_names_cannot_run_together():
    """["a", "bc"] and ["ab", "c"] hash differently: the key is a JSON array, not a concatenation."""
    assert group_index("a", "bc", 2**64) != group_index("ab", "c", 2**64)  # a huge modulus: the hashes differ
