"""The problem bank looks a slug up directory by directory, past the ones this process may not enter."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest

from qa_arena.grading.bank import ProblemBank, UnknownProblem
from tests.support.paths import PROBLEMS


def as_nobody(action) -> str:
    """What `action()` returns (or raises), run as `nobody` when we are root (root enters any directory)."""
    if os.geteuid() != 0:
        try:
            return str(action())
        except Exception as error:
            return f"{type(error).__name__}: {error}"
    nobody = pwd.getpwnam("nobody")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to nobody, act, report
        try:
            os.setgroups([])
            os.setresgid(nobody.pw_gid, nobody.pw_gid, nobody.pw_gid)
            os.setresuid(nobody.pw_uid, nobody.pw_uid, nobody.pw_uid)
            out = str(action())
        except BaseException as error:
            out = f"{type(error).__name__}: {error}"
        os.write(write, out.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        out = pipe.read()
    os.waitpid(pid, 0)
    return out


@pytest.fixture
def banks():
    """A course's problems/ inside a directory nobody may enter, and an open bank, both holding leap_year
    (under /tmp: pytest's own temporary directories are 0700)."""
    top = Path(tempfile.mkdtemp(prefix="qa-arena-banks-", dir="/tmp"))
    top.chmod(0o755)
    locked, open_bank = top / "course", top / "bank"
    for bank in (locked / "problems", open_bank):
        shutil.copytree(PROBLEMS / "leap_year", bank / "leap_year")
        for path in [bank, *bank.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    locked.chmod(0o700)
    yield locked / "problems", open_bank
    shutil.rmtree(top)


def test_a_directory_that_cannot_be_entered_is_passed_over(banks):
    locked, open_bank = banks
    bank = ProblemBank(paths=[str(locked), str(open_bank)])
    assert as_nobody(lambda: bank.find("leap_year")) == str(open_bank / "leap_year")


def test_when_no_directory_has_it_the_error_names_the_one_that_could_not_be_read(banks):
    locked, _ = banks
    bank = ProblemBank(paths=[str(locked)])
    answer = as_nobody(lambda: bank.find("leap_year"))
    assert answer.startswith("UnknownProblem: unknown problem 'leap_year'"), answer
    assert f"{locked}: permission denied to uid" in answer and "chmod -R a+rX" in answer
    with pytest.raises(UnknownProblem, match="not in"):
        ProblemBank(paths=[str(locked.parent / "nowhere")]).find("leap_year")
