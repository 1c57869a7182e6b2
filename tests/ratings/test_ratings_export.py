"""The CSV export: a round trip through pandas, formula escaping, and an atomic write."""

from __future__ import annotations

import pandas as pd
import pytest

from qa_arena.ai.base import AIFeedback
from qa_arena.ratings.export import COLUMNS, RatingExport
from tests.ratings.helpers import add_submission


@pytest.fixture
def rated(store, ratings):
    """Three ratings with awkward text: commas, quotes, newlines, non-ASCII, no comment."""
    a = add_submission(store, "alice", "adder", 72.5)
    b = add_submission(store, "bob", "durations", 0.0, status="FAILURE")
    c = add_submission(store, "chloé", "adder", 100.0)
    ratings.add(a.id, "alice", 4, AIFeedback('Try "negative" numbers,\nand zero.', "ai", model="gpt-4o-mini"),
                comment='clear, but "long"\nsecond line')  # fmt: skip
    ratings.add(b.id, "bob", 1, AIFeedback("No test counts yet: ...", "fallback", reason="API error: 429"))
    ratings.add(c.id, "chloé", 5, AIFeedback("Your tests catch every known bug.", "fallback"), comment="très bien ✓")
    return ratings.rows()


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_csv_round_trip(rated, tmp_path):
    out = RatingExport().write(rated, tmp_path / "exports" / "ratings.csv")
    back = _read(out)
    assert list(back.columns) == list(COLUMNS)
    assert len(back) == 3
    for row, (_, line) in zip(rated, back.iterrows(), strict=True):
        expected = {k: "" if v is None else str(v) for k, v in row.to_dict().items()}
        assert line.to_dict() == expected
    typed = pd.read_csv(out)
    assert typed["stars"].tolist() == [4, 1, 5]
    assert typed["submission_score"].tolist() == [72.5, 0.0, 100.0]
    assert sorted(p.name for p in out.parent.iterdir()) == ["ratings.csv"]  # no temporary file left


def test_formulas_are_escaped_by_default(store, ratings, tmp_path):
    sub = add_submission(store, "eve", "adder", 10.0)
    ratings.add(sub.id, "eve", 1, AIFeedback("-1 for you", "ai", model="m"), comment='=HYPERLINK("http://x","y")')
    rows = ratings.rows()
    escaped = _read(RatingExport().write(rows, tmp_path / "a.csv")).iloc[0]
    assert escaped["comment"] == '\'=HYPERLINK("http://x","y")'
    assert escaped["feedback_text"] == "'-1 for you"
    raw = _read(RatingExport(escape_formulas=False).write(rows, tmp_path / "b.csv")).iloc[0]
    assert (raw["comment"], raw["feedback_text"]) == ('=HYPERLINK("http://x","y")', "-1 for you")


def test_an_empty_export_has_the_header(tmp_path):
    out = RatingExport().write([], tmp_path / "empty.csv")
    assert out.read_text().strip() == ",".join(COLUMNS)
