"""Real PostgreSQL and Redis servers on loopback for tests and local trials (like a CI services script).

Each server is installed from Debian's packages when missing (as root, with `apt-get`; services
are kept from starting on install), started as a child process on a free port with its data in
a new temporary directory, and stopped (and its directory removed) by `stop()`, by the context
manager, or at interpreter exit. Nothing is left listening, and no system service is touched.

    with PostgresServer() as pg, RedisServer() as redis:
        os.environ["QA_ARENA_DB_URL"], os.environ["QA_ARENA_BROKER_URL"] = pg.url, redis.url
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

POLICY_RC = Path("/usr/sbin/policy-rc.d")


class ServiceUnavailable(RuntimeError):
    """The server cannot be installed or started here (the message says why)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _installed(package: str) -> bool:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False)
    return "install ok installed" in result.stdout


def ensure_packages(*packages: str) -> None:
    """apt-get install the Debian packages that are missing (root only), without starting their services."""
    missing = [p for p in packages if not _installed(p)]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ServiceUnavailable(f"missing Debian packages {', '.join(missing)} (install them as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    made_policy = False
    if not POLICY_RC.exists():  # the Debian way to keep postinst scripts from starting services
        POLICY_RC.write_text("#!/bin/sh\nexit 101\n")
        POLICY_RC.chmod(0o755)
        made_policy = True
    try:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, capture_output=True, timeout=600)
        result = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        if made_policy:
            POLICY_RC.unlink(missing_ok=True)
    if result.returncode != 0:
        raise ServiceUnavailable(f"apt-get install {' '.join(missing)} failed: {result.stderr.strip()[-500:]}")


def _wait_for_port(port: int, proc: subprocess.Popen, timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceUnavailable(f"server exited with {proc.returncode}: {_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise ServiceUnavailable(f"server did not listen on 127.0.0.1:{port} within {timeout_s:g} s: {_tail(log)}")


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-800:]
    except OSError:
        return ""


class _Server:
    """A server process we started: stopped with `signal_stop`, then SIGKILL after a grace period."""

    signal_stop = signal.SIGTERM
    prefix = "qa-arena-server-"

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.directory: Path | None = None

    def _spawn(self, command: list[str], user: str | None = None) -> None:
        assert self.directory is not None
        log = self.directory / "server.log"
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                user=user,
                start_new_session=True,  # a Ctrl-C in the terminal is for the tests, not the server
            )
        atexit.register(self.stop)
        try:
            _wait_for_port(self.port, self.proc, 60, log)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(self.signal_stop)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        raise NotImplementedError


class RedisServer(_Server):
    """redis-server without persistence on 127.0.0.1; `url` is redis://127.0.0.1:PORT/0."""

    prefix = "qa-arena-redis-"

    def start(self) -> None:
        ensure_packages("redis-server")
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.directory = Path(tempfile.mkdtemp(prefix=self.prefix))
        self.port = free_port()
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--daemonize", "no", "--dir", str(self.directory), "--protected-mode", "yes"]
        self._spawn(command)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class PostgresServer(_Server):
    """A throwaway PostgreSQL cluster on 127.0.0.1 (trust auth), run as `postgres` when we are root.

    `url` is a SQLAlchemy URL (psycopg 3) of the database `qa_arena`.
    """

    signal_stop = signal.SIGINT  # "fast" shutdown: ends sessions, no wait for clients
    prefix = "qa-arena-pg-"
    database = "qa_arena"

    @staticmethod
    def bin_dir() -> Path:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
        if not found:
            raise ServiceUnavailable("PostgreSQL's initdb not found under /usr/lib/postgresql/*/bin")
        return Path(found[-1]).parent

    def start(self) -> None:
        ensure_packages("postgresql")
        bin_dir = self.bin_dir()
        user = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
        self.directory = Path(tempfile.mkdtemp(prefix=self.prefix))
        data, sockets = self.directory / "data", self.directory / "sockets"
        sockets.mkdir()
        if user:
            for path in (self.directory, sockets):
                shutil.chown(path, user, user)
        init = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            user=user,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if init.returncode != 0:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
            raise ServiceUnavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
        self.port = free_port()
        options = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={sockets}"]
        options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        self._spawn([str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port), *options], user=user)
        self._create_database()

    def _create_database(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:  # the port opens a moment before the server accepts sessions
            try:
                self.new_database(self.database)
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def new_database(self, name: str) -> str:
        """Create an empty database (a fresh one per test keeps tests apart); its SQLAlchemy URL."""
        import psycopg

        if not name.isidentifier():
            raise ValueError(f"database name {name!r}: letters, digits and _ only")
        with psycopg.connect(self.admin_dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"
