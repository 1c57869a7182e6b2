"""Scores to the LMS as autograde records them, for the assignments linked with `--push-after-autograde`.

Runs last in nbgrader's autograde, once per notebook, when the gradebook holds that notebook's points and
late penalty; it posts the student's assignment score if it changed (qa_arena.lms.passback). The LMS being
away never fails an autograde: the post stays pending, and `qa-arena lms push` sends it later.
"""

from __future__ import annotations

from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor


class PushScores(NbGraderPreprocessor):
    """Post the student's score of this assignment to its LMS line item, when the assignment opted in."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        assignment, student = info.get("assignment"), info.get("student")
        if not assignment or not student:
            return nb, resources
        try:
            self._push(CourseDirectory(parent=self).root, assignment, student)
        except Exception as exc:  # the LMS or its database: never the autograde's failure
            self.log.warning("score of %s for %s not sent to the LMS now (qa-arena lms push later): %s",
                             student, assignment, exc)  # fmt: skip
        return nb, resources

    def _push(self, root: str, assignment: str, student: str) -> None:
        from sqlalchemy import select

        from qa_arena.course.settings import read_course
        from qa_arena.lms.models import LineItem
        from qa_arena.lms.passback import Passback
        from qa_arena.service.store import configured_store, sqlite_file

        with configured_store() as store:
            database = sqlite_file(store.db_url)
            if database is not None and not database.exists():
                return  # no QA Arena database here, so no LMS link: nothing to make
            course = read_course(root)
            with store.session() as session:
                opted = session.scalars(
                    select(LineItem.id).where(
                        LineItem.course_id == course.course_id,
                        LineItem.assignment == assignment,
                        LineItem.push_after_autograde.is_(True),
                    )
                ).first()
            if opted is None:
                return
            status = Passback(store, course, parent=self).push(assignment, students={student})
            (state,) = [s["state"] for s in status["students"] if s["student"] == student]
            self.log.info("score of %s for %s to the LMS: %s", student, assignment, state)
