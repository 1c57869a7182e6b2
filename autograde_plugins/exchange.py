"""A per-user nbgrader exchange: each student's container sees only its own inbound and feedback.

In containers every student is the same uid (jovyan), so the shared exchange cannot keep students
apart: anyone could read a submission whose name they learn, or drop one named after another
student (nbgrader's owner check cannot tell uids apart). With this layout the hub mounts, per user,

    <exchange>/<course>/outbound               read-only  (released assignments, as usual)
    <exchange>/<course>/inbound/<user>/        as <course>/inbound   (their submissions only)
    <exchange>/<course>/feedback/<user>/       as <course>/feedback  (their feedback only, read-only)

so the student side is plain nbgrader. The instructor side needs these two classes, chosen in the
course's nbgrader_config.py when `$QA_ARENA_EXCHANGE_LAYOUT` is `per-user`: collecting trusts the
directory a submission is in, never the name written on it, and feedback goes to the student's
directory.
"""

from __future__ import annotations

import glob
import os
import re
from stat import S_IRGRP, S_IROTH, S_IRUSR, S_IWUSR, S_IXGRP, S_IXOTH, S_IXUSR

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback

from qa_arena import environment

LAYOUT_ENV = "QA_ARENA_EXCHANGE_LAYOUT"  # shared (nbgrader's own) | per-user


def configure_exchange(c, layout: str | None = None) -> None:
    """Choose the exchange classes for the layout (default: $QA_ARENA_EXCHANGE_LAYOUT, else shared)."""
    layout = layout or environment.value(LAYOUT_ENV, "shared")
    if layout == "per-user":
        c.ExchangeFactory.collect = "autograde_plugins.exchange.PerUserCollect"
        c.ExchangeFactory.release_feedback = "autograde_plugins.exchange.PerUserReleaseFeedback"
    elif layout != "shared":
        raise ValueError(f"${LAYOUT_ENV}={layout!r}: use shared or per-user")


class PerUserCollect(ExchangeCollect):
    """Collect from inbound/<user>/: the directory names the student; a submission naming another is skipped."""

    def init_src(self) -> None:
        super().init_src()  # checks the course, reads the due date; its records (inbound/ itself) are none
        student = self.coursedir.student_id or "*"
        records = []
        for path in glob.glob(os.path.join(self.inbound_path, student, f"*+{self.coursedir.assignment_id}+*")):
            owner = os.path.basename(os.path.dirname(path))
            record = self._path_to_record(path)
            if record["username"] != owner:
                self.log.warning("%s is in %s's inbound but names %s: not collected", path, owner, record["username"])
                continue
            records.append({**record, "filename": os.path.join(owner, record["filename"])})
        latest: dict[str, dict] = {}
        for record in self._sort_by_timestamp(records):  # newest first
            before = self.duedate is None or not self.before_duedate or record["timestamp"] <= self.duedate
            current = latest.get(record["username"])
            if current is None or (before and not current["before"]):
                latest[record["username"]] = {**record, "before": before}
        self.src_records = [{k: v for k, v in r.items() if k != "before"} for r in latest.values()]


class PerUserReleaseFeedback(ExchangeReleaseFeedback):
    """Release each student's feedback into feedback/<student>/, the directory only they see."""

    def copy_files(self) -> None:
        pattern = self.coursedir.format_path(
            self.coursedir.feedback_directory, "(?P<student_id>[^/]+)", self.coursedir.assignment_id, escape=True
        )
        shared = self.outbound_feedback_path
        for directory in sorted(glob.glob(self.src_path)):
            match = re.fullmatch(pattern, directory)
            if match is None:
                continue
            self.src_path = directory
            self.dest_path = os.path.join(shared, match["student_id"])
            self.ensure_directory(self.dest_path, S_IRUSR | S_IWUSR | S_IXUSR | S_IRGRP | S_IXGRP | S_IROTH | S_IXOTH)
            super().copy_files()
