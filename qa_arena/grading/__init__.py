"""The grading core: problems, submissions, the judge and its sandboxes, verdicts and the student's view.

It imports nothing else of qa_arena (checked by import-linter in CI: `lint-imports`); everything else of
QA Arena (the CLI, nbgrader, the service, the hub) depends on it, never the reverse.
"""
