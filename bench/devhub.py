"""A throwaway dev JupyterHub for the benchmarks (bench/load_hub.py, bench/bench_checks.py), and process helpers.

DevHub starts `python -m qa_arena hub` on a free loopback port with a state directory of its own under
/tmp, an admin token (QA_ARENA_ADMIN_TOKEN) and the given demo students; waits until the hub, the check
service (/services/qa-arena/) and the demo course's formgrader (/services/testing-101/formgrader) answer;
and stops it and everything it started (by pid), then removes the state directory. Also the process helpers
and the headless figure (a row of plots saved as a PNG) both benchmarks use.

The scripts are run as `python bench/NAME.py`, so bench/ is sys.path[0] and they `import devhub`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
COURSE = "testing-101"  # the dev hub's demo course: its formgrader is /services/testing-101/formgrader
CHECK_SERVICE = "qa-arena"  # the check service's name on the hub: /services/qa-arena/


class BenchError(Exception):
    """Bad input, or a hub (or worker) that cannot be reached or started: the benchmarks exit 2."""


# -- processes ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_mentioning(marker: str) -> list[int]:
    """Processes whose command line, environment or working directory mention `marker` (the state dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            text = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
            if marker.encode() in text or os.readlink(entry / "cwd").startswith(marker):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def stop_process(process: subprocess.Popen, timeout_s: float) -> bool:
    """SIGTERM (as Ctrl-C; a warm shutdown for a worker), then SIGKILL; True if it had to be killed."""
    if process.poll() is not None:
        return False
    process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout_s)
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
        return True
    return False


def kill_all(pids: list[int]) -> list[int]:
    """SIGKILL each of `pids` (those gone already are skipped); the pids."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids


# -- HTTP -----------------------------------------------------------------------------------------
async def api(session: aiohttp.ClientSession, method: str, url: str, token: str, **kwargs):
    """(HTTP status, the body: parsed JSON, its text when it is not JSON, None when empty)."""
    headers = {"Authorization": f"token {token}"}
    async with session.request(method, url, headers=headers, **kwargs) as response:
        body = await response.text()
        try:
            return response.status, json.loads(body) if body else None
        except ValueError:
            return response.status, body


# -- the hub --------------------------------------------------------------------------------------
class DevHub:
    """A dev hub started for one run (`python -m qa_arena hub`), with one demo account per student.

    sandbox: QA_ARENA_SANDBOX; extra_env: more environment for the hub (after the rest); config: the text
    of a config file (written to STATE/qa_arena_config.py, given as QA_ARENA_CONFIG); new_session: start
    it in a session of its own (a Ctrl-C is then for the bench alone, which stops the hub itself).
    """

    def __init__(
        self,
        students: list[str],
        log: Path,
        *,
        prefix: str = "qa-arena-dev-hub-",
        sandbox: str = "local",
        extra_env: dict[str, str] | None = None,
        config: str | None = None,
        new_session: bool = False,
        start_timeout_s: float = 180,
        stop_timeout_s: float = 60,
    ):
        self.students = students
        self.log = log
        self.sandbox = sandbox
        self.extra_env = dict(extra_env or {})
        self.config = config
        self.new_session = new_session
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.state = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        self.state.chmod(0o711)  # users' servers (none here) would need to traverse it
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = secrets.token_hex(24)
        self.process: subprocess.Popen | None = None
        self._instructor_token = ""

    def environment(self) -> dict[str, str]:
        """Ours without any QA_ARENA_*, then the hub's own."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("QA_ARENA_")}
        env.update(
            QA_ARENA_HUB_STATE=str(self.state),
            QA_ARENA_ADMIN_TOKEN=self.admin_token,
            QA_ARENA_SANDBOX=self.sandbox,
            QA_ARENA_HUB_STUDENTS=",".join(self.students),
        )
        if self.config is not None:
            env["QA_ARENA_CONFIG"] = str(self.state / "qa_arena_config.py")
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        if self.config is not None:
            config = self.state / "qa_arena_config.py"
            config.write_text(self.config)
            config.chmod(0o644)
        env = self.environment()
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "qa_arena", "hub", "--port", str(self.port)],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=self.new_session,
            )

    def check_running(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise BenchError(f"the hub exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")

    def own_processes(self, needle: str) -> list[int]:
        """Processes of this hub's (they mention its state directory) whose command line holds `needle`."""
        return [p for p in processes_mentioning(str(self.state)) if needle in "\0".join(cmdline(p))]

    async def instructor_token(self, session: aiohttp.ClientSession) -> str:
        """A token of the course's instructor, made with the admin token ("" while the hub cannot make it)."""
        if not self._instructor_token:
            status, body = await api(
                session, "POST", f"{self.url}/hub/api/users/instructor/tokens", self.admin_token, json={"note": "bench"}
            )
            if status == 201:
                self._instructor_token = body["token"]
        return self._instructor_token

    async def answers(self, session: aiohttp.ClientSession, check_service: bool, formgrader: bool) -> bool:
        status, _ = await api(session, "GET", f"{self.url}/hub/api/", self.admin_token)
        if status != 200:
            return False
        if check_service:
            url = f"{self.url}/services/{CHECK_SERVICE}/api/health"
            status, _ = await api(session, "GET", url, self.admin_token)
            if status != 200:
                return False
        if formgrader:
            token = await self.instructor_token(session)
            if not token:
                return False
            url = f"{self.url}/services/{COURSE}/formgrader/api/status"
            status, _ = await api(session, "GET", url, token)
            if status != 200:
                return False
        return True

    async def wait_until_up(
        self, *, check_service: bool = True, formgrader: bool = True, ready: Callable[[], bool] = lambda: True
    ) -> float:
        """Until the hub's API answers, and the check service and the course's formgrader (those asked for),
        and `ready()` says so; the seconds it took."""
        started = time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while time.monotonic() - started < self.start_timeout_s:
                self.check_running()
                with contextlib.suppress(TimeoutError, aiohttp.ClientError):
                    if await self.answers(session, check_service, formgrader) and ready():
                        return time.monotonic() - started
                await asyncio.sleep(0.5)
        raise BenchError(f"the hub did not come up in {self.start_timeout_s:g} s:\n{self.log.read_text()[-3000:]}")

    def clean_up(self) -> None:
        """What else to remove once the hub's processes are gone, before the state directory (none here)."""

    def stop(self) -> list[int]:
        """The hub (SIGTERM as Ctrl-C would, SIGKILL after stop_timeout_s), then what is left of what it
        started, by pid; clean_up(); the state directory. The pids that had to be killed."""
        killed = []
        if self.process is not None and stop_process(self.process, self.stop_timeout_s):
            killed.append(self.process.pid)
        killed += kill_all(processes_mentioning(str(self.state)))
        self.clean_up()
        shutil.rmtree(self.state, ignore_errors=True)
        return killed


# -- plots ----------------------------------------------------------------------------------------
@contextlib.contextmanager
def saved_figure(path: Path, title: str, columns: int, size: tuple[float, float]):
    """A headless matplotlib figure (Agg) of `columns` plots side by side: yields their axes; on leaving,
    the figure is titled, laid out, written to `path` (a PNG, 100 dpi) and closed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, columns, figsize=size)
    try:
        yield axes
        fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
