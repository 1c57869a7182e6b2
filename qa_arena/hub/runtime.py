"""An interpreter the dev hub's users can run: their servers run under uids of their own.

This interpreter may not be executable by them: on these machines the venv's Python is pyenv's under
/root, which other users cannot traverse. Then a small venv is made from the system's python3 (it
must be the same minor version) in STATE/runtime, which reads this environment's packages through a
`.pth` file and shares its `etc/` and `share/` (Jupyter's config and data), so servers and kernels see
the same packages and extensions. Console scripts (`jupyter`, `nbgrader`, `qa-arena`...) get wrappers
in its bin/ for the users' terminals.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from importlib.metadata import entry_points
from pathlib import Path

SCRIPTS = ("jupyter", "jupyter-lab", "jupyter-server", "nbgrader", "qa-arena", "pytest", "ipython")
SYSTEM_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")


class RuntimeSetupError(RuntimeError):
    pass


def usable_by_others(path: str) -> bool:
    """Whether a user other than the owner can execute `path` (every directory on the way traversable)."""
    real = Path(os.path.realpath(path))
    for parent in [*reversed(real.parents)]:
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(real).st_mode & stat.S_IXOTH)


def _version(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import sys; print('{}.{}'.format(*sys.version_info[:2]))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def shared_python(runtime_dir: Path) -> str:
    """An interpreter with this environment's packages that every uid can execute (built once, if needed)."""
    site_packages = sysconfig.get_paths()["purelib"]
    if usable_by_others(sys.executable) and usable_by_others(site_packages):
        return sys.executable
    wanted = "{}.{}".format(*sys.version_info[:2])
    candidates = [p for p in SYSTEM_PYTHONS if os.path.exists(p) and usable_by_others(p)]
    base = next((p for p in candidates if _version(p) == wanted), None)
    if base is None:
        raise RuntimeSetupError(
            f"{sys.executable} cannot be run by other users, and no system python{wanted} can "
            f"(looked at {', '.join(SYSTEM_PYTHONS)}): install Debian's python3 and python3-venv"
        )
    if not usable_by_others(site_packages):
        raise RuntimeSetupError(f"{site_packages} cannot be read by other users")
    python = runtime_dir / "bin" / "python"
    stamp = runtime_dir / "qa-arena-runtime.txt"
    source = f"{base}\n{site_packages}\n{sys.prefix}\n"
    if python.exists() and stamp.is_file() and stamp.read_text() == source:
        return str(python)
    if runtime_dir.exists():
        shutil.rmtree(runtime_dir)
    subprocess.run([base, "-m", "venv", "--without-pip", str(runtime_dir)], check=True, capture_output=True)
    lib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (lib / "qa_arena_runtime.pth").write_text(f"import site; site.addsitedir({site_packages!r})\n")
    for shared in ("etc", "share"):
        if (Path(sys.prefix) / shared).is_dir():
            (runtime_dir / shared).symlink_to(Path(sys.prefix) / shared)
    _write_scripts(runtime_dir / "bin", str(python))
    for path in [runtime_dir, *runtime_dir.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))
    stamp.write_text(source)
    return str(python)


def _write_scripts(bin_dir: Path, python: str) -> None:
    for ep in entry_points(group="console_scripts"):
        if ep.name not in SCRIPTS or (bin_dir / ep.name).exists():
            continue
        module, _, attr = ep.value.partition(":")
        script = bin_dir / ep.name
        script.write_text(
            f"#!{python}\nimport sys\nfrom {module} import {attr.split('.')[0]}\n"
            f"sys.argv[0] = {ep.name!r}\nsys.exit({attr}())\n"
        )
        script.chmod(0o755)
