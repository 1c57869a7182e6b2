"""nbgrader configuration of the QA Arena course in this repository.

The repository is itself a course directory: source/ holds the assignments generated from the
problem bank (`qa-arena course build --course-dir . --assignment NAME problems/...`), release/ what
`nbgrader generate_assignment` makes of them. Everything below can be overridden by environment
variables, so the same file serves development (SQLite, a local exchange) and production.
"""

import os

from autograde_plugins import configure
from qa_arena.course.exchange import configure_exchange

c = get_config()  # noqa: F821 - provided by nbgrader

root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = os.environ.get("QA_ARENA_COURSE_ID", "testing-101")
c.CourseDirectory.root = root
# SQLite by default; PostgreSQL in production, e.g. QA_ARENA_GRADEBOOK_URL=postgresql+psycopg://qa@db/gradebook
c.CourseDirectory.db_url = os.environ.get("QA_ARENA_GRADEBOOK_URL", "sqlite:///" + os.path.join(root, "gradebook.db"))
c.Exchange.root = os.environ.get("QA_ARENA_EXCHANGE", os.path.join(root, "exchange"))
c.ExchangeCollect.check_owner = False  # every student container runs as the same uid
configure_exchange(c)  # $QA_ARENA_EXCHANGE_LAYOUT: shared (default) or per-user (qa_arena/course/exchange.py)
c.LateSubmissionPlugin.penalty_method = os.environ.get("QA_ARENA_LATE_PENALTY", "zero")

configure(c, problem_paths=os.environ.get("QA_ARENA_PROBLEMS", os.path.join(root, "problems")).split(":"))
c.JudgeTests.records_dir = os.path.join(root, "records")  # staff only: full verdicts, statuses, logs
c.Judge.sandbox_class = os.environ.get("QA_ARENA_SANDBOX", "docker")
