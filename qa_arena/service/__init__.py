"""The grading service: submissions stored in a database, which is also the queue the workers take them from.

- ``models`` / ``store``: the submissions table (SQLite by default, PostgreSQL via $QA_ARENA_DB_URL),
  its Alembic migrations (``migrations/``), its guarded state changes and the claim of the next job.
- ``queue``: how a worker waits for jobs (LISTEN/NOTIFY on PostgreSQL, a poll on SQLite).
- ``grading``: one job: grade with the judge under a heartbeat, record or retry.
- ``worker`` / ``cli``: ``qa-arena worker`` (job processes under a supervisor) and ``qa-arena submit``.
- ``service``: the parts made from one config; ``queued_judge``: grading through the workers.
"""
