"""Scores back to the LMS (AGS): the outbox of an assignment's score posts, and its status.

The gradebook is the authority: each graded student's points after the late penalty, out of the
assignment's maximum, `PendingManual` while a cell needs manual grading. A push posts what changed since
the last post that was sent (a re-grade, a manual grade); an unchanged grade is not posted again. Each post
is a row of `lms_outbox`: pending until the platform accepts it (sent), failed when it refuses (4xx but
429, with its message; `resend_failed` tries those again), still pending when it cannot be reached (the
next push sends it). Timestamps increase strictly per (line item, user), as AGS requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nbgrader.api import MissingEntry
from sqlalchemy import select
from traitlets.config import LoggingConfigurable

from qa_arena.course.settings import Course
from qa_arena.lms import FAILED, NOT_GRADED, PENDING, SENT, SKIPPED
from qa_arena.lms.client import LtiClient, PlatformError, PlatformUnavailable, Registration
from qa_arena.lms.gradebook import open_gradebook
from qa_arena.lms.keys import ToolKeys
from qa_arena.lms.models import LineItem, Platform, ScorePost
from qa_arena.service.models import utcnow
from qa_arena.service.store import SubmissionStore

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"


class PassbackError(ValueError):
    """The assignment cannot be pushed (not linked, not in the gradebook): what to do is in the message."""


@dataclass(frozen=True)
class Grade:
    """A student's grade for the assignment, from the gradebook; score None: nothing graded."""

    student: str
    lms_user_id: str | None
    score: float | None = None
    max_score: float | None = None
    needs_manual_grade: bool = False
    submitted_at: datetime | None = None

    @property
    def progress(self) -> str:
        return "PendingManual" if self.needs_manual_grade else "FullyGraded"


def _utc(moment: datetime | None) -> datetime | None:
    """nbgrader keeps naive UTC times."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def gradebook_grades(course: Course, assignment: str) -> list[Grade]:
    """Every student of the course's gradebook, with their grade for the assignment."""
    with open_gradebook(course) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise PassbackError(f"no assignment {assignment!r} in the gradebook of {course.root}") from None
        grades = []
        for student in gradebook.students:
            try:
                submission = gradebook.find_submission(assignment, student.id)
            except MissingEntry:
                grades.append(Grade(student.id, student.lms_user_id))
                continue
            score = max(0.0, float(submission.score) - float(submission.late_submission_penalty or 0.0))
            grades.append(
                Grade(
                    student.id,
                    student.lms_user_id,
                    round(score, 6),
                    float(submission.max_score),
                    bool(submission.needs_manual_grade),
                    _utc(submission.timestamp),
                )
            )
        return grades


def _same(post: ScorePost, grade: Grade) -> bool:
    return (post.lms_user_id, post.score_given, post.score_maximum, post.grading_progress) == (
        grade.lms_user_id,
        grade.score,
        grade.max_score,
        grade.progress,
    )


class Passback(LoggingConfigurable):
    """Pushes one course's scores for an assignment and says where each student's stands."""

    def __init__(self, store: SubmissionStore, course: Course, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store, self.course = store, course

    def lineitem(self, session, assignment: str) -> LineItem:
        found = session.scalars(
            select(LineItem).where(LineItem.course_id == self.course.course_id, LineItem.assignment == assignment)
        ).one_or_none()
        if found is None:
            raise PassbackError(
                f"assignment {assignment!r} of course {self.course.course_id!r} is linked to no LMS line item: "
                f"qa-arena lms link --course-dir {self.course.root} {assignment} --lineitem URL"
            )
        return found

    @staticmethod
    def _last(session, lineitem_id: int, student: str) -> ScorePost | None:
        query = select(ScorePost).where(ScorePost.lineitem_id == lineitem_id, ScorePost.student == student)
        return session.scalars(query.order_by(ScorePost.id.desc()).limit(1)).one_or_none()

    def status(self, assignment: str) -> dict:
        """`lms status --json`: the line item and, per student of the gradebook, where their score stands."""
        grades = gradebook_grades(self.course, assignment)
        with self.store.session() as session:
            lineitem = self.lineitem(session, assignment)
            students = [self._student_status(session, lineitem, grade) for grade in grades]
            return {"assignment": assignment, "lineitem": lineitem.lineitem, "students": students}

    def _student_status(self, session, lineitem: LineItem, grade: Grade) -> dict:
        entry = {"student": grade.student, "lms_user_id": grade.lms_user_id, "score": grade.score,
                 "max_score": grade.max_score, "state": NOT_GRADED, "http_status": None, "error": None}  # fmt: skip
        if grade.score is None:
            return entry
        last = self._last(session, lineitem.id, grade.student)
        if last is None or not _same(last, grade):
            return {**entry, "state": PENDING}
        return {**entry, "state": last.state, "http_status": last.http_status, "error": last.error}

    def plan(
        self, assignment: str, resend_failed: bool = False, students: set[str] | None = None
    ) -> list[tuple[Grade, str]]:
        """What a push would do per graded student (of `students`, default all): post, skip (no LMS user id)
        or leave (sent, failed)."""
        grades = [g for g in gradebook_grades(self.course, assignment) if students is None or g.student in students]
        plan = []
        with self.store.session() as session:
            lineitem = self.lineitem(session, assignment)
            for grade in grades:
                if grade.score is None:
                    continue
                last = self._last(session, lineitem.id, grade.student)
                if not grade.lms_user_id:
                    plan.append((grade, SKIPPED))
                elif (
                    last is not None
                    and _same(last, grade)
                    and (last.state == SENT or (last.state == FAILED and not resend_failed))
                ):
                    plan.append((grade, "leave"))
                else:
                    plan.append((grade, "post"))
        return plan

    def push(
        self,
        assignment: str,
        resend_failed: bool = False,
        client: LtiClient | None = None,
        students: set[str] | None = None,
    ) -> dict:
        """Post what changed (for `students`, default all); the status afterwards."""
        plan = self.plan(assignment, resend_failed, students)
        with self.store.session() as session:
            lineitem = self.lineitem(session, assignment)
            platform = session.get(Platform, lineitem.platform_id)
            registration = Registration(platform.issuer, platform.client_id, platform.token_url)
            lineitem_url, lineitem_id = lineitem.lineitem, lineitem.id
        client = client or LtiClient(registration, ToolKeys(self.store), parent=self)
        for grade, action in plan:
            if action == SKIPPED:
                self._record_skip(lineitem_id, grade)
            elif action == "post":
                post_id = self._pending_post(lineitem_id, grade)
                self._send(client, registration, lineitem_url, post_id)
        return self.status(assignment)

    def _record_skip(self, lineitem_id: int, grade: Grade) -> None:
        why = "no LMS user id: sync the roster (qa-arena lms roster) or launch from the LMS once"
        with self.store.session() as session:
            last = self._last(session, lineitem_id, grade.student)
            if last is None or not (_same(last, grade) and last.state == SKIPPED):
                session.add(self._row(lineitem_id, grade, state=SKIPPED, error=why))

    def _row(self, lineitem_id: int, grade: Grade, **values) -> ScorePost:
        return ScorePost(lineitem_id=lineitem_id, student=grade.student, lms_user_id=grade.lms_user_id,
                         score_given=grade.score, score_maximum=grade.max_score, grading_progress=grade.progress,
                         submitted_at=grade.submitted_at, attempts=0, created_at=utcnow(), **values)  # fmt: skip

    def _pending_post(self, lineitem_id: int, grade: Grade) -> int:
        """The row to send: the last one when it holds this grade and was not sent, else a new one."""
        with self.store.session() as session:
            last = self._last(session, lineitem_id, grade.student)
            if last is not None and _same(last, grade) and last.state in (PENDING, FAILED):
                return last.id
            if last is not None and last.state == PENDING:  # a newer grade replaces it
                last.state, last.error = SKIPPED, "superseded by a newer grade before it was sent"
            post = self._row(lineitem_id, grade, state=PENDING)
            session.add(post)
            session.flush()
            return post.id

    def _timestamp(self, session, post: ScorePost) -> datetime:
        """Now, or just after the newest timestamp already used for this (line item, user)."""
        used = session.scalars(
            select(ScorePost.timestamp)
            .where(ScorePost.lineitem_id == post.lineitem_id, ScorePost.lms_user_id == post.lms_user_id)
            .where(ScorePost.timestamp.is_not(None))
            .order_by(ScorePost.timestamp.desc())
            .limit(1)
        ).one_or_none()
        now = utcnow()
        return now if used is None or used < now else used + timedelta(milliseconds=1)

    def _send(self, client: LtiClient, registration: Registration, lineitem_url: str, post_id: int) -> None:
        with self.store.session() as session:
            post = session.get(ScorePost, post_id)
            post.timestamp = self._timestamp(session, post)
            post.attempts += 1
            body = self.score_body(session, registration, post)
        try:
            response = client.post_score(lineitem_url, body)
            values = {"state": SENT, "http_status": response.status_code, "error": None, "sent_at": utcnow()}
        except PlatformUnavailable as exc:
            values = {"state": PENDING, "http_status": exc.status, "error": str(exc)}
        except PlatformError as exc:
            values = {"state": FAILED, "http_status": exc.status, "error": str(exc)}
        with self.store.session() as session:
            post = session.get(ScorePost, post_id)
            for key, value in values.items():
                setattr(post, key, value)
        if values["state"] != SENT:
            self.log.warning("score of %s not sent: %s", post.student, values["error"])

    def score_body(self, session, registration: Registration, post: ScorePost) -> dict:
        """The AGS score (application/vnd.ims.lis.v1.score+json); Canvas's submission extension on Canvas."""
        body = {
            "userId": post.lms_user_id,
            "scoreGiven": post.score_given,
            "scoreMaximum": post.score_maximum,
            "activityProgress": "Completed",
            "gradingProgress": post.grading_progress,
            "timestamp": post.timestamp.isoformat(timespec="milliseconds"),
        }
        if post.submitted_at is not None:
            body["submission"] = {"submittedAt": post.submitted_at.isoformat(timespec="milliseconds")}
        if "canvas" in registration.issuer:
            sent_before = session.scalars(
                select(ScorePost.id)
                .where(ScorePost.lineitem_id == post.lineitem_id, ScorePost.student == post.student)
                .where(ScorePost.state == SENT)
                .limit(1)
            ).first()
            extension = {"new_submission": sent_before is None}
            if post.submitted_at is not None:
                extension["submitted_at"] = post.submitted_at.isoformat(timespec="milliseconds")
            body[CANVAS_SUBMISSION] = extension
        return body
