"""nbgrader in a student's container: the course's exchange is mounted at /srv/nbgrader/exchange."""

import os

c = get_config()  # noqa: F821 - provided by nbgrader

c.Exchange.root = os.environ.get("QA_ARENA_EXCHANGE", "/srv/nbgrader/exchange")
# A student sees every course in the exchange unless the hub names one ($QA_ARENA_COURSE_ID).
if os.environ.get("QA_ARENA_COURSE_ID"):
    c.CourseDirectory.course_id = os.environ["QA_ARENA_COURSE_ID"]
