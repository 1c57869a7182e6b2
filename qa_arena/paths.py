"""Where the judge's files live, in a checkout and in an installed wheel."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def judge_dir() -> Path:
    """The judge/ directory: the sandbox runner and the image's Dockerfile."""
    for candidate in (_PACKAGE.parent / "judge", _PACKAGE / "_judge"):
        if (candidate / "runner.py").is_file():
            return candidate
    raise FileNotFoundError("judge/runner.py not found: is QA Arena installed completely?")


def user_cache_dir() -> Path:
    """Where QA Arena keeps per-user state it can rebuild: $XDG_CACHE_HOME/qa-arena, else ~/.cache/qa-arena."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qa-arena"
