"""Write an assignment notebook for a problem: specification, setup, the tests cell, a check cell.

Instructors regenerate notebooks from the problem bank instead of editing notebook JSON. The
tests cell holds the reference tests between nbgrader's solution markers, so the source version
scores full marks and the released version keeps only the imports and a stub.
"""

from __future__ import annotations

import ast
import hashlib

import nbformat

from qa_arena.grading.problem import Problem

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def tests_grade_id(problem: Problem) -> str:
    return f"{problem.slug}-tests"


def slug_from_grade_id(grade_id: str) -> str | None:
    return grade_id[: -len("-tests")] if grade_id.endswith("-tests") else None


def _cell_id(problem: Problem, role: str) -> str:
    return hashlib.sha256(f"{problem.slug}:{role}".encode()).hexdigest()[:16]  # stable: reproducible releases


def _nbgrader(grade_id: str, *, locked: bool, solution: bool = False, grade: bool = False, points: float = 0):
    meta = {"grade_id": grade_id, "locked": locked, "solution": solution, "grade": grade, "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def split_reference_tests(source: str) -> tuple[str, str]:
    """(import lines, the rest): the imports stay visible to students, the tests become the solution."""
    tree = ast.parse(source)
    lines = source.splitlines()
    last_import = 0
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            last_import = node.end_lineno or node.lineno
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):  # a docstring
            break
    head = "\n".join(
        line for line in lines[:last_import] if line.strip() and not line.lstrip().startswith(('"""', "'''"))
    )
    return head.strip(), "\n".join(lines[last_import:]).strip()


def problem_notebook(problem: Problem) -> nbformat.NotebookNode:
    """The source version of the assignment notebook for one problem."""
    function = f"`{problem.function}` " if problem.function else ""
    spec = (
        f"# {problem.title}\n\n*{problem.difficulty} · {problem.points:g} points · module `{problem.module}`*\n\n"
        f"{problem.description}\n\n---\n\n"
        f"Write **pytest** tests for {function}in the **tests cell** below. Your tests run against a correct "
        "implementation (they must all pass there) and against hidden buggy versions: you score for every bug "
        "your tests catch. Run the check cell to see how you are doing; submit with the Assignments tab."
    )
    imports, tests = split_reference_tests(problem.reference_tests.read_text()) if problem.reference_tests else ("", "")
    if not imports:
        imports = f"import pytest\nfrom {problem.module} import *"
    tests_source = f"{imports}\n\n{BEGIN}\n{tests or 'def test_example():' + chr(10) + '    pass'}\n{END}\n"
    setup = (
        f"# Setup: run this cell first. Your tests import the module under test, `{problem.module}`;\n"
        "# here it is a stand-in (its code is hidden): the check cell and the autograder use the real ones.\n"
        f"%load_ext qa_arena.client\n%qa_arena_module {problem.module}"
    )
    check = f"# Check your tests while you work (this does not submit anything).\n%qa_arena_check {problem.slug}"
    grade_id = tests_grade_id(problem)
    tests_meta = _nbgrader(grade_id, locked=False, solution=True, grade=True, points=problem.points)
    tests_meta["tags"] = ["qa-arena-tests"]
    cells = [
        nbformat.v4.new_markdown_cell(spec, metadata=_nbgrader(f"{problem.slug}-spec", locked=True)),
        nbformat.v4.new_code_cell(setup, metadata=_nbgrader(f"{problem.slug}-setup", locked=True)),
        nbformat.v4.new_code_cell(tests_source, metadata=tests_meta),
        nbformat.v4.new_code_cell(check, metadata=_nbgrader(f"{problem.slug}-check", locked=True)),
    ]
    for cell, role in zip(cells, ("spec", "setup", "tests", "check"), strict=True):
        cell.id = _cell_id(problem, role)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
        "qa_arena": {"problem": problem.slug},
    }
    return nb
