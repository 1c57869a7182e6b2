"""Which group a student is in: a pure function of the experiment's name and the student's id.

sha256 of the UTF-8 JSON array ``[experiment, user]``, read as a big-endian integer, modulo the number
of groups. No table to keep, the same answer on every host and run, and a student's group in one
experiment says nothing about their group in another. Groups are balanced only in expectation (a
binomial split). Changing the list of groups, or its order, reassigns students: do not change it
while an experiment runs.
"""

from __future__ import annotations

import hashlib
import json


def group_index(experiment: str, user: str, groups: int) -> int:
    """0 <= index < groups, stable for (experiment, user)."""
    if groups < 1:
        raise ValueError("an experiment needs at least one group")
    key = json.dumps([experiment, user], ensure_ascii=False).encode("utf-8")  # unambiguous: "a","bc" != "ab","c"
    return int.from_bytes(hashlib.sha256(key).digest(), "big") % groups
