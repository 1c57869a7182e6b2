"""A course's settings, read in one place: its nbgrader_config.py (which reads $QA_ARENA_COURSE_ID, ...).

The hub (groups, exchange, problems), the exports (gradebook, records) and the course tools all read a
course through `read_course`, into one `Course`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"
DEFAULT_COURSE_ID = "testing-101"  # `qa-arena course init`'s; not "qa-arena": the check service's name on the hub
NBGRADER_DEFAULT_COURSE_ID = "default_course"  # what nbgrader's gradebook calls a course that sets no id
NBGRADER_DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"


class CourseError(ValueError):
    """The directory is not a course, or its nbgrader_config.py cannot be read."""


@dataclass(frozen=True)
class Course:
    root: Path
    course_id: str  # "" when its config sets none
    exchange: Path
    db_url: str
    records_dir: Path
    problem_paths: tuple[Path, ...] = ()  # where its config has the judge look for problems

    @property
    def gradebook_course_id(self) -> str:
        return self.course_id or NBGRADER_DEFAULT_COURSE_ID

    @property
    def instructors_group(self) -> str:
        return f"formgrade-{self.course_id}"

    @property
    def students_group(self) -> str:
        return f"nbgrader-{self.course_id}"


def read_course(root: str | Path) -> Course:
    """The settings of ROOT/nbgrader_config.py that QA Arena needs; CourseError if there is none or it fails."""
    root = Path(root).resolve()
    if not (root / CONFIG_FILE).is_file():
        raise CourseError(f"{root} is not a course directory (no {CONFIG_FILE}): see `qa-arena course init`")
    try:
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    except Exception as exc:  # the instructor's file: any error in it is reported in one line
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise CourseError(f"cannot read {root / CONFIG_FILE}: {detail}") from exc
    records = Path(config.JudgeTests.get("records_dir") or root / "records")
    return Course(
        root=root,
        course_id=config.CourseDirectory.get("course_id") or "",
        exchange=Path(config.Exchange.get("root") or NBGRADER_DEFAULT_EXCHANGE),
        db_url=config.CourseDirectory.get("db_url") or f"sqlite:///{root / 'gradebook.db'}",
        records_dir=records if records.is_absolute() else root / records,
        problem_paths=tuple(Path(p) for p in config.JudgeTests.get("problem_paths", [])),
    )
