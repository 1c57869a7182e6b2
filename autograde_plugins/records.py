"""The staff record of a graded notebook: status history, verdict, log.

Students never see this file: it holds the full test x mutant matrix. Exports and the formgrader
read it. Status goes PENDING -> RUNNING -> SUCCESS | FAILURE | ERROR, each with a timestamp.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

SUFFIX = ".qa-arena.json"


def record_file(records_root: Path, assignment: str, student: str, notebook: str) -> Path:
    return records_root / assignment / student / f"{notebook}{SUFFIX}"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class GradingRecord:
    """One notebook's record; every change is written at once, atomically."""

    def __init__(self, path: Path, **identity) -> None:
        self.path = path
        self.data = {"status": "PENDING", "history": [{"status": "PENDING", "at": now()}], "log": [], **identity}

    def set_status(self, status: str, **fields) -> None:
        self.data["status"] = status
        self.data["history"].append({"status": status, "at": now()})
        self.data.update(fields)
        self.save()

    def log(self, message: str) -> None:
        self.data["log"].append(f"{now()} {message}")
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".record-")
        with os.fdopen(fd, "w") as f:
            json.dump(self.data, f, indent=2)
        os.replace(tmp, self.path)


def load_record(records_root: Path, assignment: str, student: str, notebook: str) -> dict | None:
    path = record_file(records_root, assignment, student, notebook)
    return json.loads(path.read_text()) if path.is_file() else None
