"""QA Arena as users get it: a wheel installed in a fresh venv far from the checkout, run by any user.

`installed_wheel` (a session fixture in conftest.py) builds the wheel from this checkout and installs it
into a new venv in a world-readable temporary directory, with an interpreter every user can run (this
one when it can, else the system's python3), so that tests can run it as `nobody` too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qa_arena.hub.runtime import SYSTEM_PYTHONS, usable_by_others

ROOT = Path(__file__).resolve().parents[1]
# An ordinary user, from a test that runs as root
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@dataclass(frozen=True)
class Install:
    venv: Path
    wheel: Path

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    @property
    def qa_arena(self) -> str:
        return str(self.venv / "bin" / "qa-arena")

    def env(self, home: Path, **extra: str) -> dict[str, str]:
        """A user's environment: this venv first on PATH, a home of its own, nothing of the checkout's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_ARENA_", "PYTHON", "VIRTUAL_ENV"))}
        env.update(HOME=str(home), PATH=f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", **extra)
        env.pop("XDG_CACHE_HOME", None)
        return env


def base_python() -> str:
    """An interpreter every user can execute: this one's base, else the system's python3."""
    base = os.path.realpath(sys.executable)
    if usable_by_others(base):
        return base
    for candidate in SYSTEM_PYTHONS:
        if os.path.exists(candidate) and usable_by_others(candidate):
            return candidate
    raise RuntimeError(f"no interpreter other users can run ({base} cannot be): install Debian's python3-venv")


def world_readable_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def build_and_install(python: str | None = None) -> Install:
    """`pip wheel` the checkout, then `pip install` that wheel (and its dependencies) into a fresh venv."""
    place = world_readable_dir("qa-arena-wheel-")
    wheels = place / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("qa_arena-*.whl")
    venv = place / "venv"
    subprocess.run([python or base_python(), "-m", "venv", str(venv)], check=True, capture_output=True)
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        shutil.rmtree(place, ignore_errors=True)
        raise RuntimeError(f"pip install {wheel.name} failed:\n{result.stderr[-3000:]}")
    for path in [place, *place.rglob("*")]:  # every user may run it (pip keeps the umask's modes)
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0))
    return Install(venv=venv, wheel=wheel)
