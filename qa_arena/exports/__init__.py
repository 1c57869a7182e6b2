"""Staff exports of a course: the gradebook (CSV, XLSX, Canvas), mutant statistics and an HTML report.

Everything here only reads: the nbgrader gradebook (opened read-only) and the judge's staff records.
Bad input (no such course or assignment, a missing, locked or empty gradebook) raises `ExportError`,
which the command line reports in one line (exit 2); outputs are written whole or not at all.
"""

from __future__ import annotations

GRADEBOOK_FORMATS = ("csv", "xlsx", "canvas")  # here, not in .gradebook: the CLI must not import pandas to parse


class ExportError(Exception):
    """The export cannot be made from what the course holds; the message says why, in one line."""
