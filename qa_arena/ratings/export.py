"""`qa-arena ratings export`: every rating as one CSV row, written whole or not at all (pandas).

Comments and feedback texts are written by students and models; a cell starting with ``=``, ``+``,
``-``, ``@`` (or a tab or carriage return) would be run as a formula when staff open the file in a
spreadsheet, so such cells get a leading apostrophe by default (``c.RatingExport.escape_formulas``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from traitlets import Bool
from traitlets.config import LoggingConfigurable

from qa_arena.exports.files import atomic_file
from qa_arena.ratings.store import RatingRow

COLUMNS = (
    "id",
    "submission_id",
    "username",
    "problem",
    "submission_status",
    "submission_score",
    "stars",
    "comment",
    "feedback_source",
    "feedback_model",
    "feedback_reason",
    "feedback_text",
    "rated_at",
)
TEXT_COLUMNS = ("username", "problem", "comment", "feedback_model", "feedback_reason", "feedback_text")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """'=1+1' -> "'=1+1": shown as text by spreadsheets; anything else unchanged."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


class RatingExport(LoggingConfigurable):
    """Ratings as a table: a DataFrame for analysis, or a CSV file for staff."""

    escape_formulas = Bool(
        True,
        config=True,
        help="Prefix an apostrophe to text cells that a spreadsheet would run as a formula (starting with "
        "= + - @, tab or CR). Turn off for a byte-exact export read only by programs.",
    )

    def frame(self, rows: Sequence[RatingRow]) -> pd.DataFrame:
        """One row per rating, oldest first; ids and times as ISO text (UTC)."""
        frame = pd.DataFrame([row.to_dict() for row in rows], columns=list(COLUMNS))
        frame["stars"] = frame["stars"].astype("Int64")
        frame["submission_score"] = frame["submission_score"].astype("float64")
        if self.escape_formulas:
            for column in TEXT_COLUMNS:
                frame[column] = frame[column].map(escape_formula)
        return frame

    def write(self, rows: Sequence[RatingRow], path: Path) -> Path:
        """Write the CSV atomically (a reader never sees half a file; a failure leaves the old file)."""
        frame = self.frame(rows)
        with atomic_file(Path(path)) as tmp:
            frame.to_csv(tmp, index=False)
        self.log.info("wrote %s (%d ratings)", path, len(frame))
        return Path(path)
