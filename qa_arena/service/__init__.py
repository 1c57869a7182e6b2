"""The grading service: submissions stored in a database, graded by Celery workers.

- ``models`` / ``store``: the submissions table (SQLite by default, PostgreSQL via $QA_ARENA_DB_URL),
  its Alembic migrations (``migrations/``) and its guarded state changes.
- ``problems``: the problem bank ($QA_ARENA_PROBLEMS, ``c.ProblemBank.paths``).
- ``queue`` / ``broker`` / ``tasks``: Celery settings, the embedded SQLite broker, the grading task.
- ``grading``: one job: claim, grade with the judge under a heartbeat, record or retry.
- ``worker`` / ``cli``: ``qa-arena worker`` (with the sweeper for lost jobs) and ``qa-arena submit``.
- ``testing``: real PostgreSQL and Redis servers on loopback, for the tests.
"""
