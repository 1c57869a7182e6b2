"""Local sandbox: the runner as a process tree on this machine (development, CI without Docker).

Not a security boundary. As root, runs drop to an unprivileged uid inside fresh
PID/mount/network namespaces and the whole tree sits in its own pids and memory
cgroups, so a fork bomb or a memory bomb stays contained. As any other user, the
runner starts in a user namespace of its own (the kernel must allow unprivileged
user namespaces) and runs nest theirs in it; without root there are no cgroups and
no uid switch: rlimits bound processes and memory. Use the docker backend for
students you do not trust.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata as metadata
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from packaging.requirements import Requirement
from traitlets import Int, List, Unicode, default

from qa_arena.grading.paths import user_cache_dir
from qa_arena.grading.sandbox.base import STDERR_CAP, Sandbox, SandboxError

CGROUP_ROOT = Path("/sys/fs/cgroup")
SYSTEM_PYTHON = "/usr/bin/python3"
# The runner as PID 1 of a namespace of its own: when it ends, every run ends with it.
OUTER_NAMESPACE = ["--pid", "--fork", "--kill-child"]
USERNS_REFUSED = (
    "the local sandbox needs unprivileged user namespaces, which this machine refuses ({reason}): "
    "enable them (sysctl user.max_user_namespaces=15000; on Debian also kernel.unprivileged_userns_clone=1, "
    "on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0), or grade with the docker backend (--backend docker)"
)


@functools.cache
def user_namespace_refusal() -> str | None:
    """Why this user cannot make the runner's namespaces (None: it can), tried once per process."""
    if not shutil.which("unshare"):
        return "the unshare command is missing: install util-linux"
    try:
        probe = subprocess.run(
            ["unshare", "--user", "--map-current-user", *OUTER_NAMESPACE, "true"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if probe.returncode == 0:
        return None
    return probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"unshare exited {probe.returncode}"


def outermost(paths: list[str]) -> list[str]:
    """The paths that lie in none of the others (a bind inside a read-only bind could not be made)."""
    unique = list(dict.fromkeys(os.path.normpath(p) for p in paths))
    return [p for p in unique if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in unique)]


def others_can_read(path: str) -> bool:
    """Whether a user other than the owner can read `path` itself (its ancestors aside: runs see it
    through a bind mount in a root of their own)."""
    try:
        return bool(os.stat(path).st_mode & stat.S_IROTH)
    except OSError:
        return False


def runtime_distributions(root: str = "pytest") -> list[metadata.Distribution]:
    """pytest and everything it needs at run time, from this environment."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        dist = metadata.distribution(name)
        seen[key] = dist
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return list(seen.values())


def build_runtime(cache: Path, runner: Path) -> Path:
    """A world-readable directory with the runner and pytest, for an interpreter run by another uid."""
    dists = runtime_distributions()
    modules = sorted(runner.parent.glob("runner*.py"))  # runner.py and the modules it imports
    digest = hashlib.sha256(b"".join(path.name.encode() + b"\0" + path.read_bytes() for path in modules))
    for dist in dists:
        digest.update(f"{dist.metadata['Name']}=={dist.version};".encode())
    target = cache / f"runtime-{digest.hexdigest()[:16]}"
    if (target / "runner.py").is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    cache.chmod(0o755)
    staging = Path(tempfile.mkdtemp(dir=cache, prefix=".staging-"))
    for dist in dists:
        for file in dist.files or []:
            if file.suffix in (".pyc",) or ".dist-info" in str(file) or str(file).startswith(".."):
                continue
            source = Path(str(file.locate()))
            if source.is_file():
                dest = staging / file
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)
    for path in modules:
        shutil.copyfile(path, staging / path.name)
    for path in [staging, *staging.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    try:
        staging.rename(target)
    except OSError:  # another process built it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


class LocalSandbox(Sandbox):
    """Runs judge/runner.py in a subprocess tree on this machine."""

    python = Unicode(
        config=True,
        help="Interpreter for the runner. Default: this one; as root, /usr/bin/python3 when `run_user` could "
        "not read this one's standard library (runs drop to `run_user`; it must be the same minor version).",
    )
    run_user = Unicode("nobody", config=True, help="When started as root: the user runs execute as.")
    cache_dir = Unicode(
        config=True,
        help="The runtime (runner + pytest, world-readable when root) and the empty mount points of runs.",
    )
    system_paths = List(
        Unicode(),
        ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc"],
        config=True,
        help="Host paths runs can read (read-only), besides the runner and its interpreter: runs see a "
        "minimal root made of these, so the problem bank and everything else on the host stays out of sight.",
    )

    cgroup_prefix = Unicode("qa-arena-", config=True, help="Name prefix of the cgroups made for each sandbox.")
    kill_grace = Int(2, config=True, help="Seconds a stopped runner gets before SIGKILL.")

    @default("python")
    def _python_default(self) -> str:
        stdlib = os.path.dirname(os.__file__)
        if os.geteuid() == 0 and not others_can_read(stdlib) and os.path.exists(SYSTEM_PYTHON):
            return SYSTEM_PYTHON
        return sys.executable

    @default("cache_dir")
    def _cache_default(self) -> str:
        if os.geteuid() == 0:
            return "/var/cache/qa-arena"
        return str(user_cache_dir())

    def _empty_dir(self, name: str) -> str:
        path = os.path.join(self.cache_dir, name)
        os.makedirs(path, mode=0o755, exist_ok=True)
        if os.listdir(path):
            raise SandboxError(f"{path} must be an empty directory")
        return path

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.proc: subprocess.Popen | None = None
        self.stderr = None  # the runner's stderr, in an unnamed file: read when it dies
        self.cgroups: list[Path] = []

    def _make_cgroups(self) -> list[str]:
        name = f"{self.cgroup_prefix}{uuid.uuid4().hex[:12]}"
        limits = {"pids": {"pids.max": self.pids_limit}, "memory": {"memory.limit_in_bytes": self.memory_limit}}
        procs = []
        for controller, values in limits.items():
            base = CGROUP_ROOT / controller
            if not base.is_dir():
                continue
            group = base / name
            try:
                group.mkdir()
                for key, value in values.items():
                    (group / key).write_text(str(value))
            except OSError as exc:
                self.log.warning("cgroup %s unavailable: %s", controller, exc)
                with contextlib.suppress(OSError):
                    group.rmdir()
                continue
            self.cgroups.append(group)
            procs.append(str(group / "cgroup.procs"))
        return procs

    def _launch(self) -> None:
        root = os.geteuid() == 0
        if not root and (refusal := user_namespace_refusal()):
            raise SandboxError(USERNS_REFUSED.format(reason=refusal))
        runner = self.runner_source()
        binds = list(self.system_paths)
        args = [
            *self.runner_args(),
            f"--sandbox-dir={self._empty_dir('sandbox')}",
            f"--root-dir={self._empty_dir('root')}",
        ]
        # runs read pytest and the runner from a copy that holds nothing else (a venv or a checkout
        # holds the problem bank), world-readable for when they drop to run_user
        runtime = build_runtime(Path(self.cache_dir), runner)
        runner = runtime / "runner.py"
        binds.append(str(runtime))
        if root:
            import pwd

            user = pwd.getpwnam(self.run_user)
            args += [f"--uid={user.pw_uid}", f"--gid={user.pw_gid}"]
            args += [f"--cgroup={procs}" for procs in self._make_cgroups()]
        binds += self.interpreter_paths()
        args += [f"--bind={path}" for path in outermost(binds)]
        command = [self.python, "-B", "-E", "-s", str(runner), *args]
        if shutil.which("unshare"):
            command = ["unshare", *([] if root else ["--user", "--map-current-user"]), *OUTER_NAMESPACE, *command]
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - open while the runner lives, closed in _terminate
        try:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                env=env,
                cwd="/",
                start_new_session=True,
            )
        except OSError as exc:
            raise SandboxError(f"cannot start the local runner with {self.python}: {exc}") from exc
        os.set_blocking(self.proc.stdout.fileno(), False)

    def interpreter_paths(self) -> list[str]:
        """What runs need of the runner's interpreter: the executable and its installation (the stdlib)."""
        executable = os.path.realpath(shutil.which(self.python) or self.python)
        return [executable, os.path.dirname(os.path.dirname(executable))]

    def diagnostics(self) -> str:
        if self.stderr is None:
            return ""
        try:
            self.stderr.seek(max(0, os.fstat(self.stderr.fileno()).st_size - STDERR_CAP))
            return self.stderr.read(STDERR_CAP).decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def _write(self, data: bytes) -> None:
        assert self.proc and self.proc.stdin
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def _read(self, timeout: float) -> bytes:
        assert self.proc and self.proc.stdout
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError
        try:
            return os.read(self.proc.stdout.fileno(), 1 << 16)
        except BlockingIOError:
            return self._read(timeout)

    def _terminate(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(OSError, ValueError):
                proc.stdin.close()
            try:
                proc.wait(self.kill_grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.stdout.close()
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None
        for group in self.cgroups:
            for _ in range(50):
                pids = (group / "cgroup.procs").read_text().split() if group.exists() else []
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError, ValueError):
                        os.kill(int(pid), signal.SIGKILL)
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    import time

                    time.sleep(0.02)
        self.cgroups = []
