"""The QA Arena gradebook export as an nbgrader export plugin, for instructors who live in nbgrader::

    nbgrader export --exporter=autograde_plugins.export.QAArenaExportPlugin [--to FILE]
        [--assignment=ps1] [--QAArenaExportPlugin.format=canvas]

It writes the same table as `qa-arena export gradebook` (the verdicts come from the staff records,
the points from the gradebook nbgrader opened), by default to <course>/exports/gradebook.csv.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.plugins import ExportPlugin
from traitlets import Enum

from qa_arena.exports import ExportError
from qa_arena.exports.gradebook import FORMATS, GradebookExport, default_path, format_for
from qa_arena.exports.results import collect


class QAArenaExportPlugin(ExportPlugin):
    """One row per student with the judge's numbers per problem (see qa_arena.exports.gradebook)."""

    format = Enum(
        [*FORMATS, ""],
        "",
        config=True,
        help="csv, xlsx or canvas (Canvas's gradebook import). Default: xlsx when --to ends in .xlsx, else csv.",
    )

    def course_root(self) -> Path:
        coursedir = getattr(self.parent, "coursedir", None)
        return Path(coursedir.root if coursedir is not None else ".").resolve()

    def records_dir(self, root: Path) -> Path:
        configured = self.config.JudgeTests.get("records_dir")
        return Path(configured) if configured else root / "records"

    def export(self, gradebook: Gradebook) -> None:
        root = self.course_root()
        fmt = format_for(self.to, self.format or None)
        dest = Path(self.to) if self.to else default_path(root, fmt)
        try:
            results = collect(
                gradebook,
                self.records_dir(root),
                [str(a) for a in self.assignment] or None,
                [str(s) for s in self.student] or None,
            )
        except ExportError as exc:
            if not hasattr(self.parent, "fail"):
                raise
            self.parent.fail("qa-arena export: %s", exc)  # logs one line and exits 1, as nbgrader's errors do
            return
        GradebookExport(parent=self).write(results, dest, fmt)
