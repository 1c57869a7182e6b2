"""QA Arena's nbgrader integration, all of it: what nbgrader loads by name.

- ``judge_tests.JudgeTests``: grades tests cells with the judge during `nbgrader autograde`;
- ``lms_push.PushScores``: posts scores to the LMS as autograde records them (assignments that opted in);
- ``exchange``: the per-user exchange layout (collect, release feedback);
- ``export.QAArenaExportPlugin``: `nbgrader export` of QA Arena's gradebook;
- ``records``: the staff records autograde writes beside the gradebook.

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
    "autograde_plugins.lms_push.PushScores",  # only for assignments linked with --push-after-autograde
]


def configure(c, problem_paths: list[str]) -> None:
    """Wire the judge into nbgrader's autograde step of the config object `c`, and its feedback page; then
    apply what the environment sets over the course's settings (qa_arena.environment: the course's id,
    gradebook, exchange and its layout, late penalty, sandbox, the workers' queue...). The problems: the
    course's `problem_paths`, then $QA_ARENA_PROBLEMS."""
    from autograde_plugins.exchange import configure_exchange
    from qa_arena import environment
    from qa_arena.course.feedback_page import feedback_templates, nbgrader_templates

    c.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
    c.merge(environment.environment_config(exclude=("QA_ARENA_PROBLEMS",)))
    c.JudgeTests.problem_paths = list(dict.fromkeys([*problem_paths, *environment.paths("QA_ARENA_PROBLEMS")]))
    configure_exchange(c)
    # generate_feedback (and the formgrader's): nbgrader's page, with the tests cell named for what it is
    derived = feedback_templates()
    if derived is not None:
        c.HTMLExporter.extra_template_basedirs = [str(derived), str(nbgrader_templates())]
    # The formgrader's dump of its whole configuration on the assignments page is a debugging aid, and this
    # configuration is not JSON (it warns on every page load): instructors see the course, not the config.
    c.FormgradeExtension.debug = False
    # A tests cell left empty holds no test: the judge then records FAILURE with score 0.
    c.ClearSolutions.code_stub = {"python": "# YOUR TESTS HERE"}
