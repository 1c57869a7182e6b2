"""Where the judge's files live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def judge_dir() -> Path:
    """The judge/ directory: the sandbox runner and the image's Dockerfile."""
    for candidate in (_PACKAGE.parent / "judge", _PACKAGE / "_judge"):
        if (candidate / "runner.py").is_file():
            return candidate
    raise FileNotFoundError("judge/runner.py not found: is QA Arena installed completely?")


def source_root() -> Path:
    """QA Arena's checkout (or its installed package): grader code that runs must not read."""
    checkout = _PACKAGE.parent
    return checkout if (checkout / "pyproject.toml").is_file() else _PACKAGE
