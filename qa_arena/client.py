"""The notebook side: `%load_ext qa_arena.client`, then `%qa_arena_check PROBLEM` in the check cell.

The check looks at the tests cell the student ran last. Without a check service configured
(`QA_ARENA_CHECK_URL`, see the grading-service issue) it can only check what is visible without the
hidden implementations: that the tests parse, which tests there are, and common slips.
"""

from __future__ import annotations

import ast
import os

from .submission import notebook_cell_tests


def static_check(source: str) -> list[str]:
    """Findings about a tests cell that need no implementation to run."""
    try:
        tree = ast.parse(notebook_cell_tests({"source": source}))
    except SyntaxError as exc:
        return [f"syntax error on line {exc.lineno}: {exc.msg}"]
    tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
    if not tests:
        return ["no test functions (name them test_...)"]
    findings = [f"{len(tests)} test function(s): {', '.join(t.name for t in tests)}"]
    findings += [f"{t.name} asserts nothing: it cannot catch a bug" for t in tests if not _checks_something(t)]
    return findings


def _checks_something(test: ast.FunctionDef) -> bool:
    for node in ast.walk(test):
        if isinstance(node, ast.Assert | ast.Raise):
            return True
        if isinstance(node, ast.Call) and "raises" in ast.unparse(node.func):
            return True
    return False


def _last_tests_cell(shell) -> str | None:
    for source in reversed(shell.history_manager.input_hist_raw):
        if "def test" in source and "%qa_arena_check" not in source:
            return source
    return None


def check(problem: str, source: str) -> str:
    lines = [f"Checking your tests for {problem}:"] + [f"  - {finding}" for finding in static_check(source)]
    if not os.environ.get("QA_ARENA_CHECK_URL"):
        lines.append("Instant grading against the hidden implementations is not configured for this course; "
                     "your submission is graded by the autograder.")  # fmt: skip
    return "\n".join(lines)


class HiddenImplementation(NotImplementedError):
    pass


def stub_module(name: str):
    """A stand-in for the module under test, whose code students do not get: importing any name from it
    works (so the tests cell runs), calling or instantiating it says where the real one runs."""
    import types

    def hidden(attribute: str):
        def refuse(*_args, **_kwargs):
            raise HiddenImplementation(
                f"{name}.{attribute} is hidden in the notebook: the check cell and the autograder run your tests "
                "against the real implementations"
            )

        refuse.__name__ = refuse.__qualname__ = attribute
        return refuse

    module = types.ModuleType(name, f"Stand-in for {name}: the implementations are hidden.")
    module.__getattr__ = lambda attribute: hidden(attribute) if not attribute.startswith("__") else None
    return module


def load_ipython_extension(ipython) -> None:
    import sys

    from IPython.core.magic import register_line_magic

    @register_line_magic
    def qa_arena_module(line: str) -> None:
        """`%qa_arena_module NAME`: make `import NAME` work in this notebook with a stand-in."""
        name = line.strip()
        if name and name not in sys.modules:
            sys.modules[name] = stub_module(name)

    @register_line_magic
    def qa_arena_check(line: str) -> None:
        source = _last_tests_cell(ipython)
        if source is None:
            print("Run your tests cell first, then this cell.")
            return
        print(check(line.strip() or "this problem", source))
