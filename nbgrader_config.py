"""nbgrader configuration of the QA Arena course in this repository.

The repository is itself a course directory: source/ holds the assignments generated from the
problem bank (`qa-arena course build --course-dir . --assignment NAME problems/...`), release/ what
`nbgrader generate_assignment` makes of them. Everything below can be overridden by environment
variables, so the same file serves development (SQLite, a local exchange) and production.
"""

import os

from autograde_plugins import configure

c = get_config()  # noqa: F821 - provided by nbgrader

root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "testing-101"
c.CourseDirectory.root = root
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "gradebook.db")
c.Exchange.root = os.path.join(root, "exchange")
c.ExchangeCollect.check_owner = False  # every student container runs as the same uid
c.LateSubmissionPlugin.penalty_method = "zero"
c.JudgeTests.records_dir = os.path.join(root, "records")  # staff only: full verdicts, statuses, logs
c.Judge.sandbox_class = "docker"

# The environment applies over the settings above (QA_ARENA_COURSE_ID, QA_ARENA_GRADEBOOK_URL,
# QA_ARENA_EXCHANGE, QA_ARENA_EXCHANGE_LAYOUT, QA_ARENA_LATE_PENALTY, QA_ARENA_PROBLEMS, QA_ARENA_SANDBOX...).
configure(c, problem_paths=[os.path.join(root, "problems")])
