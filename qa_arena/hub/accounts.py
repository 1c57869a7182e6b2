"""The dev hub's demo accounts: instructors and students, with their passwords.

Passwords come from `$QA_ARENA_DEMO_PASSWORD` (the same one for every account: convenient for a demo,
but then anyone can log in as anyone), or are generated once per account and kept in
`STATE/hub/demo-accounts.json` (mode 0600), so that `qa-arena hub` can print them and a restarted hub
keeps them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from qa_arena.hub import settings

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Account:
    name: str
    role: str  # "instructor" | "student"
    password: str


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise ValueError(f"demo account name {name!r}: use lowercase letters, digits, '-' and '_' (at most 32)")
    return name


def demo_accounts(
    state: Path, instructors: list[str] | None = None, students: list[str] | None = None
) -> list[Account]:
    """The accounts, instructors first; generates and stores missing passwords unless $QA_ARENA_DEMO_PASSWORD.

    By default: QA_ARENA_HUB_INSTRUCTORS and QA_ARENA_HUB_STUDENTS, and the members of the courses in the
    hub's courses file (someone who teaches one course and takes another is listed as an instructor)."""
    if instructors is None or students is None:
        from qa_arena.hub.courses import courses_file, read_entries

        entries = read_entries(courses_file(state))
    if instructors is None:
        given = settings.names(settings.INSTRUCTORS, settings.DEFAULT_INSTRUCTORS)
        instructors = list(dict.fromkeys([*given, *(n for e in entries for n in e.instructors)]))
    if students is None:
        given = settings.names(settings.STUDENTS, settings.DEFAULT_STUDENTS)
        students = [n for n in dict.fromkeys([*given, *(n for e in entries for n in e.students)])
                    if n not in instructors]  # fmt: skip
    both = set(instructors) & set(students)
    if both:
        raise ValueError(f"{', '.join(sorted(both))}: both an instructor and a student")
    roles = {check_name(n): "instructor" for n in instructors} | {check_name(n): "student" for n in students}
    shared = settings.value(settings.DEMO_PASSWORD)
    if shared:
        return [Account(name, role, shared) for name, role in roles.items()]
    store = settings.private_dir(settings.hub_dir(state)) / "demo-accounts.json"
    stored = json.loads(store.read_text()) if store.is_file() else {}
    missing = [name for name in roles if not stored.get(name)]
    if missing:
        stored.update({name: secrets.token_urlsafe(9) for name in missing})
        fd = os.open(store.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(stored, out, indent=1)
        os.replace(store.with_suffix(".tmp"), store)
    return [Account(name, role, stored[name]) for name, role in roles.items()]
