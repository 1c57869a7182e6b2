"""Where QA Arena's own files live, in a checkout and in an installed wheel.

A wheel carries what a checkout has beside the package: the judge's runner and Dockerfile
(`qa_arena/_judge`), the bundled problems (`qa_arena/_problems`).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # qa_arena/


def _shipped(name: str, marker: str) -> Path:
    """`qa_arena/_<name>` in a wheel, else `<name>/` of the checkout, whichever holds `marker`."""
    for candidate in (_PACKAGE / f"_{name}", _PACKAGE.parent / name):
        if (candidate / marker).exists():
            return candidate
    raise FileNotFoundError(f"{name}/{marker} not found beside {_PACKAGE}: is QA Arena installed completely?")


def judge_dir() -> Path:
    """The judge/ directory: the sandbox runner and the image's Dockerfile."""
    return _shipped("judge", "runner.py")


def runner_files() -> list[Path]:
    """The sandbox runner: runner.py, its entry point, and the runner_*.py modules beside it."""
    return sorted(judge_dir().glob("runner*.py"))


def bundled_problems_dir() -> Path:
    """The problems that come with QA Arena (the demo's, the repository course's)."""
    return _shipped("problems", "durations/problem.toml")


def user_cache_dir() -> Path:
    """Where QA Arena keeps per-user state it can rebuild: $XDG_CACHE_HOME/qa-arena, else ~/.cache/qa-arena."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qa-arena"
