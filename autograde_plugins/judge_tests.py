"""The autograde step that grades each tests cell with the judge and records the score.

For each tests cell (nbgrader grade_id ``<problem>-tests``; the grade_id itself is checked against
the gradebook by nbgrader's sanitize step, so the problem cannot be swapped by the student):

1. extract the tests and grade them with the judge (in the sandbox; nothing runs in this process), or,
   where this process cannot start sandboxes (the formgrader in the hub), through the grading queue;
2. retry an ERROR with exponential backoff (the queue's workers do so themselves), and never record an
   ERROR as a zero;
3. write points x score / 100 into the gradebook for the cell (after SaveAutoGrades);
4. add the student view as an output of the cell (nbgrader generate_feedback renders it);
5. keep the full verdict, status history and log for staff in a record beside the notebook.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Enum, Float, Int, List, Unicode, default

from autograde_plugins.records import GradingRecord, record_file
from qa_arena import environment
from qa_arena.course.notebooks import slug_from_grade_id
from qa_arena.grading.judge import Judge
from qa_arena.grading.problem import ProblemError, load_problem
from qa_arena.grading.student_view import render_student
from qa_arena.grading.submission import notebook_cell_tests
from qa_arena.grading.verdict import ERROR, FAILURE, Verdict


class JudgeTests(NbGraderPreprocessor):
    """Grade tests cells with the QA Arena judge (replaces nbgrader's Execute for these notebooks)."""

    problem_paths = List(
        Unicode(),
        config=True,
        help="Directories holding problem directories (one per slug). Default: $QA_ARENA_PROBLEMS (':'-separated).",
    )
    grade_via = Enum(
        ["judge", "queue"],
        config=True,
        help="'judge': grade here, in a sandbox of c.Judge.sandbox_class. 'queue': queue each cell for the "
        "grading workers and wait for their verdict (qa_arena.service.queued_judge; QA_ARENA_DB_URL names the "
        "workers' database, which is also their queue), for a formgrader that cannot start sandboxes. "
        "Default: 'judge' ($QA_ARENA_AUTOGRADE_VIA sets it).",
    )
    retries = Int(3, config=True, help="Extra attempts after an ERROR verdict (infrastructure trouble).")
    backoff_s = Float(1.0, config=True, help="First wait before a retry, in seconds; doubled each time.")
    records_dir = Unicode(
        config=True,
        help="Where staff records go (<records_dir>/<assignment>/<student>/<notebook>.qa-arena.json). "
        "Never inside autograded/: nbgrader copies everything there into the students' feedback. "
        "Default: 'records' in the course directory.",
    )
    ai_feedback = Bool(
        True,
        config=True,
        help="Add an explanation of what the tests miss to the feedback (qa_arena.ai.OpenAIFeedback: a chat "
        "model when $OPENAI_API_KEY is set, else the offline hints). It never changes the score.",
    )
    feedback_mime = Unicode("text/html", config=True, help="How the feedback output is stored (text/plain too).")

    course_root: Path | None = None  # set for each notebook graded
    assignment_id: str | None = None

    @default("grade_via")
    def _grade_via_default(self) -> str:
        return "judge"

    def _problem_dirs(self) -> list[Path]:
        paths = self.problem_paths or environment.paths("QA_ARENA_PROBLEMS")
        return [Path(p) for p in paths]

    def find_problem(self, slug: str):
        for base in self._problem_dirs():
            candidate = base / slug
            if (candidate / "problem.toml").is_file():
                return load_problem(candidate)
        where = ", ".join(map(str, self._problem_dirs())) or "none configured"
        raise ProblemError(
            f"problem {slug!r} is in none of the course's problem directories ({where}): add it with `qa-arena "
            f"course build --course-dir {self.course_root or 'COURSE_DIR'} --assignment "
            f"{self.assignment_id or 'ASSIGNMENT'} PROBLEM_DIR`, then autograde again"
        )

    @staticmethod
    def course_dir(resources: dict) -> Path:
        # autograded/<student>/<assignment>/ is what nbgrader is converting: the course root is three levels up
        return Path(resources.get("metadata", {}).get("path", ".")).resolve().parents[2]

    def records_root(self, resources: dict) -> Path:
        return Path(self.records_dir) if self.records_dir else self.course_dir(resources) / "records"

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id, self.student_id = info["notebook"], info["assignment"], info["student"]
        self.course_root = self.course_dir(resources)
        self.db_url = info["db_url"]
        self.record_file = record_file(self.records_root(resources), self.assignment_id, self.student_id,
                                       self.notebook_id)  # fmt: skip
        if self.grade_via == "queue":
            from qa_arena.service.queued_judge import QueuedJudge

            self.queued = QueuedJudge(parent=self)
            self.queued.service.bank.paths = [str(p) for p in self._problem_dirs()]
        else:
            self.judge = Judge(parent=self)
        with Gradebook(self.db_url) as gradebook:
            self.gradebook = gradebook
            expected = [c.name for c in gradebook.find_notebook(self.notebook_id, self.assignment_id).grade_cells
                        if slug_from_grade_id(c.name)]  # fmt: skip
            seen = set()
            for index, cell in enumerate(nb.cells):
                if (
                    cell.cell_type == "code"
                    and utils.is_grade(cell)
                    and slug_from_grade_id(cell.metadata.nbgrader.grade_id)
                ):
                    seen.add(cell.metadata.nbgrader.grade_id)
                    nb.cells[index] = self.grade_cell(cell)
            for grade_id in expected:
                if grade_id not in seen:  # deleted by the student: a recorded zero, and a note in the feedback
                    self.record_missing(nb, grade_id)
        return nb, resources

    def grade_cell(self, cell: NotebookNode) -> NotebookNode:
        grade_id = cell.metadata.nbgrader.grade_id
        record = GradingRecord(self.record_file, notebook=self.notebook_id, assignment=self.assignment_id,
                               student=self.student_id, grade_id=grade_id)  # fmt: skip
        record.set_status("RUNNING")
        try:
            problem = self.find_problem(slug_from_grade_id(grade_id))
        except ProblemError as exc:
            record.log(str(exc))
            record.set_status(ERROR, score=None, message=str(exc))
            self.store(grade_id, None, f"not graded: {exc}")
            return cell
        tests = notebook_cell_tests(cell)
        verdict = self.grade_with_retries(problem, tests, record)
        max_score = self.gradebook.find_grade_cell(grade_id, self.notebook_id, self.assignment_id).max_score
        points = None if verdict.score is None else round(max_score * verdict.score / 100, 4)
        self.store(grade_id, points, None if verdict.status != ERROR else "grading failed: autograde again")
        record.set_status(verdict.status, score=verdict.score, points=points, max_points=max_score,
                          verdict=verdict.to_dict())  # fmt: skip
        text = render_student(verdict, problem, tests)
        if self.ai_feedback and verdict.status != ERROR:
            from qa_arena.ai import OpenAIFeedback

            explained = OpenAIFeedback(parent=self).explain(problem, verdict, tests)
            text += f"\n{explained.label}\n{explained.text}\n"
            record.log(f"feedback text: {explained.source} {explained.reason}".strip())
        cell.outputs = [self.feedback_output(text)]
        return cell

    def grade_with_retries(self, problem, tests: str, record: GradingRecord) -> Verdict:
        if self.grade_via == "queue":  # the workers retried already
            verdict = self.queued.grade(problem, tests, self.student_id, self.assignment_id)
            record.log(f"graded by the queue: {verdict.status} {verdict.score} {verdict.message}".strip())
            return verdict
        wait = self.backoff_s
        for attempt in range(self.retries + 1):
            verdict = self.judge.grade(problem, tests)
            record.log(f"attempt {attempt + 1}: {verdict.status} {verdict.score} {verdict.message}".strip())
            if verdict.status != ERROR or attempt == self.retries:
                return verdict
            time.sleep(wait)
            wait *= 2
        raise AssertionError("unreachable")

    def store(self, grade_id: str, points: float | None, comment: str | None) -> None:
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id, self.student_id)
        grade.auto_score = points
        # nbgrader's rule (SaveAutoGrades, which ran before with its own guess at the auto score): a cell an
        # instructor graded by hand needs review after every autograde, and so does one with no auto score (an
        # ERROR is never a zero: staff see it needs attention). Only a judge's score on a cell nobody graded by
        # hand clears the flag, as nbgrader's would.
        grade.needs_manual_grade = grade.manual_score is not None or points is None
        self.gradebook.db.commit()
        if comment:
            self.log.warning("%s/%s/%s: %s", self.student_id, self.notebook_id, grade_id, comment)

    def record_missing(self, nb: NotebookNode, grade_id: str) -> None:
        record = GradingRecord(self.record_file, notebook=self.notebook_id, assignment=self.assignment_id,
                               student=self.student_id, grade_id=grade_id)  # fmt: skip
        message = "the tests cell was deleted or its metadata changed: nothing to grade"
        self.store(grade_id, 0.0, None)
        record.set_status(FAILURE, score=0.0, points=0.0, message=message)
        from nbformat.v4 import new_markdown_cell

        nb.cells.append(new_markdown_cell(f"**QA Arena:** {message} (score 0)."))

    def feedback_output(self, text: str) -> NotebookNode:
        from nbformat.v4 import new_output

        data = {"text/plain": text}
        if self.feedback_mime == "text/html":
            data["text/html"] = f'<pre class="qa-arena-feedback">{html.escape(text)}</pre>'
        return new_output("display_data", data=data, metadata={})
