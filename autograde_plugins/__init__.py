"""QA Arena's nbgrader integration: grade tests cells with the judge during `nbgrader autograde`.

Use it from an nbgrader_config.py::

    from autograde_plugins import configure
    configure(c, problem_paths=["/path/to/problems"])

which replaces nbgrader's Execute step (student code must never run in the grader's kernel) with
`JudgeTests`, placed after SaveAutoGrades so that the score it records is the one that stays.
"""

from __future__ import annotations

AUTOGRADE_PREPROCESSORS = [
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "autograde_plugins.judge_tests.JudgeTests",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


def configure(c, problem_paths: list[str]) -> None:
    """Wire the judge into nbgrader's autograde step of the config object `c`."""
    c.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
    c.JudgeTests.problem_paths = list(problem_paths)
    # A tests cell left empty holds no test: the judge then records FAILURE with score 0.
    c.ClearSolutions.code_stub = {"python": "# YOUR TESTS HERE"}
