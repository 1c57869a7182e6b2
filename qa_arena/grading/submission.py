"""Read a student's tests from a .py file or from the tests cell of a notebook."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode


TESTS_TAG = "qa-arena-tests"
MAX_TESTS_BYTES = 512 * 1024


class SubmissionError(ValueError):
    """Tests that cannot be read: the message says why, in one line."""


def find_tests_cell(nb: NotebookNode):
    """The tests cell: nbgrader grade_id ending in 'tests', or tagged qa-arena-tests."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {})
        grade_id = str(meta.get("nbgrader", {}).get("grade_id", ""))
        if grade_id.endswith("tests") or TESTS_TAG in meta.get("tags", []):
            return cell
    return None


_MAGIC = re.compile(r"^(\s*)([%!].*)$", re.MULTILINE)


def notebook_cell_tests(cell) -> str:
    """A tests cell's source as a pytest module: IPython magics and shell escapes become comments."""
    return _MAGIC.sub(r"\1# \2", str(cell.get("source", "")))


def notebook_tests(path: Path) -> str:
    import nbformat  # notebooks only: a second to import where jsonschema builds rfc3987-syntax's grammar

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises many kinds for a broken file
        raise SubmissionError(f"{path}: not a readable notebook ({type(exc).__name__}: {str(exc)[:120]})") from exc
    cell = find_tests_cell(nb)
    if cell is None:
        raise SubmissionError(
            f"{path}: no tests cell (a code cell with grade_id ending in 'tests' or tag '{TESTS_TAG}')"
        )
    return notebook_cell_tests(cell)


def load_tests(path: str | Path) -> str:
    """Return the student's tests as Python source, or raise SubmissionError."""
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"{path}: no such file")
    if path.stat().st_size > 64 * 1024 * 1024:
        raise SubmissionError(f"{path}: file too large")
    if path.suffix == ".ipynb":
        source = notebook_tests(path)
    else:
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise SubmissionError(f"{path}: not UTF-8 text") from exc
    if len(source.encode()) > MAX_TESTS_BYTES:
        raise SubmissionError(f"{path}: the tests are larger than {MAX_TESTS_BYTES // 1024} KiB")
    return source
