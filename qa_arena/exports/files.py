"""Write outputs whole or not at all: a temporary sibling first, then `os.replace`.

A reader (a spreadsheet, the LMS importer, a web server) never sees a half-written export, and a
failed export leaves the previous one in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on error it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; an export is an ordinary file
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    """Yield a temporary directory beside `path`; on success its files move into `path`.

    A new `path` appears in one rename; into an existing one each file is moved with `os.replace`,
    so every file is either the old one or the complete new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        yield tmp
        if path.exists():
            for item in sorted(tmp.iterdir()):
                os.replace(item, path / item.name)
        else:
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it 0700
            os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
