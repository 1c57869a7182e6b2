"""Drive a course with the real nbgrader command line, as instructors and students would.

Used by `qa-arena demo` and the end-to-end tests. Students are simulated the way JupyterHub
containers run them: user `jovyan` with `JUPYTERHUB_USER` naming the student, each in a home of
their own, talking to the course's exchange.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import nbformat

from qa_arena.course.settings import read_course


class NbgraderError(RuntimeError):
    pass


class CourseRunner:
    def __init__(self, course_dir: Path, course_id: str | None = None, log: Callable[[str], None] | None = None):
        self.course_dir = Path(course_dir).resolve()
        self._course_id = course_id
        self.exchange = self.course_dir / "exchange"
        self.log = log or (lambda _message: None)
        self.bin = Path(sys.executable).parent  # nbgrader and alembic live beside this interpreter

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env.update(extra)
        return env

    def nbgrader(self, *args: str, cwd: Path | None = None, env: dict | None = None, check: bool = True):
        command = [str(self.bin / "nbgrader"), *args]
        self.log("nbgrader " + " ".join(args))
        result = subprocess.run(command, cwd=cwd or self.course_dir, env=env or self.env(), capture_output=True,
                                text=True, timeout=900)  # fmt: skip
        if check and result.returncode != 0:
            raise NbgraderError(f"nbgrader {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
        return result

    # -- instructor --------------------------------------------------------
    def add_students(self, students: list[str], names: dict[str, tuple[str, str]] | None = None) -> None:
        """One `nbgrader db student import` for all of them (a command each would start nbgrader each time),
        with their first and last names where `names` gives them (the formgrader shows them)."""
        if not students:
            return
        names = names or {}
        with tempfile.TemporaryDirectory(prefix="qa-arena-students-") as tmp:
            roster = Path(tmp) / "students.csv"
            with roster.open("w", newline="") as out:
                rows = [[student, *names.get(student, ("", ""))] for student in students]
                csv.writer(out).writerows([["id", "first_name", "last_name"], *rows])
            self.nbgrader("db", "student", "import", str(roster))

    def release(self, assignment: str) -> None:
        self.nbgrader("generate_assignment", assignment, "--force")
        self.nbgrader("release_assignment", assignment, "--force")

    def collect_and_autograde(self, assignment: str) -> subprocess.CompletedProcess:
        self.nbgrader("collect", assignment)
        return self.autograde(assignment)

    def autograde(self, assignment: str) -> subprocess.CompletedProcess:
        """nbgrader autograde, with unprocessable notebooks set aside first and every failure recorded."""
        from qa_arena.course.diagnose import diagnose, quarantine

        config = self.config()
        quarantine(self.course_dir, config["db_url"], assignment, config["records_dir"])
        result = self.nbgrader("autograde", assignment, "--force", check=False)
        diagnose(self.course_dir, config["db_url"], assignment, config["records_dir"])
        return result

    def feedback(self, assignment: str) -> None:
        self.nbgrader("generate_feedback", assignment, "--force")
        self.nbgrader("release_feedback", assignment)

    @property
    def course_id(self) -> str:
        """The id given, else the one the course's nbgrader_config.py sets."""
        if self._course_id is None:
            self._course_id = read_course(self.course_dir).gradebook_course_id
        return self._course_id

    def config(self) -> dict:
        """The settings of the course's nbgrader_config.py that QA Arena's commands need."""
        course = read_course(self.course_dir)
        return {"db_url": course.db_url, "records_dir": course.records_dir}

    # -- students ----------------------------------------------------------
    def student_home(self, student: str) -> Path:
        home = self.course_dir / ".students" / student
        home.mkdir(parents=True, exist_ok=True)
        return home

    def student_env(self, student: str) -> dict[str, str]:
        home = self.student_home(student)
        return self.env(USER="jovyan", LOGNAME="jovyan", JUPYTERHUB_USER=student, HOME=str(home))

    def as_student(self, student: str, *args: str) -> subprocess.CompletedProcess:
        """Run nbgrader as a student's container would: nbgrader names the student from $JUPYTERHUB_USER
        when the OS user is `jovyan`, so the command sees a passwd file (in its own mount namespace
        only) in which our uid is called jovyan."""
        passwd = self.course_dir / ".students" / "passwd"
        if not passwd.exists():
            passwd.parent.mkdir(parents=True, exist_ok=True)
            uid, gid = os.getuid(), os.getgid()
            passwd.write_text(f"jovyan:x:{uid}:{gid}:Student:/home/jovyan:/bin/sh\n" + Path("/etc/passwd").read_text())
        namespace = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--user", "--map-root-user", "--mount"]
        wrapper = [*namespace, "sh", "-c", 'mount --bind "$0" /etc/passwd && exec "$@"', str(passwd)]
        command = [*wrapper, str(self.bin / "nbgrader"), *args, "--course", self.course_id,
                   f"--Exchange.root={self.exchange}"]  # fmt: skip
        self.log(f"{student}: nbgrader " + " ".join(args))
        result = subprocess.run(command, cwd=self.student_home(student), env=self.student_env(student),
                                capture_output=True, text=True, timeout=300)  # fmt: skip
        if result.returncode != 0:
            raise NbgraderError(f"{student}: nbgrader {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result

    def fetch(self, student: str, assignment: str) -> Path:
        self.as_student(student, "fetch_assignment", assignment)
        return self.student_home(student) / assignment

    def submit(self, student: str, assignment: str) -> None:
        self.as_student(student, "submit", assignment)

    def fetch_feedback(self, student: str, assignment: str) -> Path:
        """Fetch released feedback; return the folder of the latest submission's feedback."""
        self.as_student(student, "fetch_feedback", assignment)
        return max((self.student_home(student) / assignment / "feedback").iterdir())  # named by timestamp


def write_tests(notebook: Path, tests: str) -> None:
    """Fill a fetched notebook's tests cell, as a student would in the editor."""
    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if str(cell.metadata.get("nbgrader", {}).get("grade_id", "")).endswith("-tests"):
            cell.source = tests
    nbformat.write(nb, str(notebook))
