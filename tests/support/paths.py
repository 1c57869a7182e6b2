"""Where the checkout, its problem bank and the tests' fixture problems are."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBLEMS = ROOT / "problems"
FIXTURES = ROOT / "tests" / "fixtures"
ADDER = FIXTURES / "problems" / "adder"
