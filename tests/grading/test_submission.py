import nbformat
import pytest

from qa_arena.grading.submission import SubmissionError, load_tests


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nbformat.write(nb, str(path))
    return path


def test_python_file(tmp_path):
    (tmp_path / "t.py").write_text("def test_a():\n    assert True\n")
    assert "def test_a" in load_tests(tmp_path / "t.py")


def test_notebook_cell_by_grade_id(tmp_path):
    cell = nbformat.v4.new_code_cell("%load_ext foo\ndef test_a():\n    assert 1\n")
    cell.metadata["nbgrader"] = {"grade_id": "durations-tests", "grade": True, "solution": True, "points": 10}
    path = _notebook(tmp_path / "a.ipynb", [nbformat.v4.new_code_cell("x = 1"), cell])
    source = load_tests(path)
    assert "def test_a" in source
    assert "# %load_ext foo" in source
    assert "x = 1" not in source


def test_notebook_cell_by_tag(tmp_path):
    cell = nbformat.v4.new_code_cell("def test_b():\n    pass\n")
    cell.metadata["tags"] = ["qa-arena-tests"]
    assert "test_b" in load_tests(_notebook(tmp_path / "b.ipynb", [cell]))


def test_notebook_without_tests_cell(tmp_path):
    path = _notebook(tmp_path / "c.ipynb", [nbformat.v4.new_code_cell("def test_c(): pass")])
    with pytest.raises(SubmissionError, match="no tests cell"):
        load_tests(path)


def test_corrupt_notebook(tmp_path):
    path = tmp_path / "d.ipynb"
    path.write_text('{"cells": [ {"cell_type": ')
    with pytest.raises(SubmissionError, match="not a readable notebook"):
        load_tests(path)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(SubmissionError, match="no such file"):
        load_tests(tmp_path / "nope.py")
    (tmp_path / "bin.py").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SubmissionError, match="not UTF-8"):
        load_tests(tmp_path / "bin.py")
