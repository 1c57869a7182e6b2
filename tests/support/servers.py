"""A real PostgreSQL server on loopback for tests and local trials (like a CI services script), and the
network and Docker engine that failure drills break.

Each server is installed from Debian's packages when missing (as root, with `apt-get`; services
are kept from starting on install), started as a child process on a free port with its data in
a new temporary directory, and stopped (and its directory removed) by `stop()`, by the context
manager, or at interpreter exit. Nothing is left listening, and no system service is touched.

    with PostgresServer() as pg:
        os.environ["QA_ARENA_DB_URL"] = pg.url

For failure drills, `halt()` stops a server but keeps its data, port and settings, and `resume()` starts
it again as it was (`restart()` does both). `DockerDaemon` is a private Docker engine (its own data
root, socket and containerd namespace) that a drill may stop without touching the machine's engine.
`NetworkLink` puts clients in a network namespace of their own whose link a drill cuts (half-open connections).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import glob
import os
import re
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
    ready_timeout_s = 60.0

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.directory: Path | None = None
        self._command: list[str] = []
        self._user: str | None = None
        self._stop_at_exit = False

    @property
    def log_file(self) -> Path:
        assert self.directory is not None
        return self.directory / "server.log"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _spawn(self, command: list[str], user: str | None = None) -> None:
        self._command, self._user = command, user
        self._launch()

    def _launch(self) -> None:
        assert self.directory is not None
        with open(self.log_file, "ab") as out:  # a restart appends to the same log
            self.proc = subprocess.Popen(
                self._command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                user=self._user,
                start_new_session=True,  # a Ctrl-C in the terminal is for the tests, not the server
            )
        if not self._stop_at_exit:
            atexit.register(self.stop)
            self._stop_at_exit = True
        try:
            self._wait_ready(self.ready_timeout_s)
        except Exception:
            self.stop()
            raise

    def _wait_ready(self, timeout_s: float) -> None:
        assert self.proc is not None
        _wait_for_port(self.port, self.proc, timeout_s, self.log_file)

    def _end(self, how: int) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(how)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def halt(self, how: int | None = None) -> None:
        """Stop the server but keep its data, port and settings, for `resume` (an outage, a restart).

        how: the signal (default `signal_stop`, the server's clean shutdown)."""
        if self.directory is None or not self._command:
            raise RuntimeError(f"{type(self).__name__} was not started")
        self._end(self.signal_stop if how is None else how)

    def resume(self) -> None:
        """Start a halted server again, on the same port with the same data; returns once it answers."""
        if self.directory is None or not self._command:
            raise RuntimeError(f"{type(self).__name__} was not started")
        if not self.running:
            self._launch()

    def restart(self, downtime_s: float = 0.0, how: int | None = None) -> None:
        """halt, wait downtime_s, resume."""
        self.halt(how)
        time.sleep(downtime_s)
        self.resume()

    def stop(self) -> None:
        self._end(self.signal_stop)
        if self.directory is not None:
            self._clean_up()
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def _clean_up(self) -> None:
        """What the server leaves behind outside its process (its directory is removed afterwards)."""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        raise NotImplementedError


class NetworkLink:
    """A network namespace joined to this one by a veth pair: clients run in it (`command`) and reach servers
    here at `host_ip`. `silence_connections()` cuts the connections open now: their packets are dropped, with
    no error to either end, what a NAT or firewall that forgot them or a failover leaves a client with
    (half-open); new connections work. Root only; `close()` removes the namespace and the link."""

    _count = 0
    LOCK = Path(tempfile.gettempdir()) / "qa-arena-network-links.lock"  # test runs side by side pick apart

    def __init__(self) -> None:
        if os.geteuid() != 0:
            raise ServiceUnavailable("a network namespace needs root")
        ensure_packages("iproute2", "nftables")
        NetworkLink._count += 1
        tag = f"qa{os.getpid() % 100000}x{NetworkLink._count}"
        self.namespace, self._host_end, self._inner_end = tag, f"{tag}h", f"{tag}n"
        with open(self.LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._create()

    def _create(self) -> None:
        """The namespace and the link, on the first 10.231.X.0/30 no interface of this machine has."""
        taken = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, check=True).stdout
        free = [x for x in range(1, 255) if f"10.231.{x}." not in taken]
        if not free:
            raise ServiceUnavailable("no free 10.231.X.0/30 network for a NetworkLink")
        self.host_ip, self.inner_ip = f"10.231.{free[0]}.1", f"10.231.{free[0]}.2"
        steps = [
            ["ip", "netns", "add", self.namespace],
            ["ip", "link", "add", self._host_end, "type", "veth", "peer", "name", self._inner_end],
            ["ip", "link", "set", self._inner_end, "netns", self.namespace],
            ["ip", "addr", "add", f"{self.host_ip}/30", "dev", self._host_end],
            ["ip", "link", "set", self._host_end, "up"],
            *(self.command(step) for step in (
                ["ip", "addr", "add", f"{self.inner_ip}/30", "dev", self._inner_end],
                ["ip", "link", "set", self._inner_end, "up"],
                ["ip", "link", "set", "lo", "up"],
            )),
        ]  # fmt: skip
        try:
            for step in steps:
                _run_checked(step)
        except ServiceUnavailable:
            self.close()
            raise

    def command(self, argv: list[str]) -> list[str]:
        """argv, run inside the namespace."""
        return ["ip", "netns", "exec", self.namespace, *argv]

    def silence_connections(self) -> int:
        """Drop, from now on, every packet of the TCP connections open now from the namespace to host_ip (what a
        NAT that forgot them or a failover does); new connections work. How many were silenced."""
        listing = subprocess.run(
            self.command(["ss", "-Htn", "state", "established", "dst", self.host_ip]),
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        ports = sorted({int(m) for m in re.findall(rf"{re.escape(self.inner_ip)}:(\d+)", listing)})
        if ports:
            listed = "{ " + ", ".join(map(str, ports)) + " }"
            self._drop("qa_silence", f"tcp dport {listed}", f"tcp sport {listed}")
        return len(ports)

    def _drop(self, table: str, incoming: str, outgoing: str) -> None:
        """An nftables table in the namespace that drops the packets matching incoming / outgoing."""
        rules = (
            f"table inet {table} {{\n"
            f"  chain input {{\n    type filter hook input priority 0;\n    {incoming} drop;\n  }}\n"
            f"  chain output {{\n    type filter hook output priority 0;\n    {outgoing} drop;\n  }}\n}}\n"
        )
        _run_checked(self.command(["nft", "-f", "-"]), rules)

    def close(self) -> None:
        for step in (["ip", "link", "del", self._host_end], ["ip", "netns", "del", self.namespace]):
            subprocess.run(step, capture_output=True, check=False)


def _run_checked(argv: list[str], stdin: str | None = None) -> None:
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ServiceUnavailable(f"{' '.join(argv)}: {result.stderr.strip()[-300:]}")


class PostgresServer(_Server):
    """A throwaway PostgreSQL cluster on 127.0.0.1 (trust auth), run as `postgres` when we are root.

    `url` is a SQLAlchemy URL (psycopg 3) of the database `qa_arena`.
    """

    signal_stop = signal.SIGINT  # "fast" shutdown: ends sessions, no wait for clients
    prefix = "qa-arena-pg-"
    database = "qa_arena"

    def __init__(self, also_listen_on: str | None = None) -> None:
        """also_listen_on: one more address to serve (e.g. a NetworkLink's host_ip), trusted like 127.0.0.1."""
        super().__init__()
        self.also_listen_on = also_listen_on

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
        if self.also_listen_on:
            with open(data / "pg_hba.conf", "a") as hba:
                hba.write(f"host all all {self.also_listen_on}/30 trust\n")
        listen = ",".join(filter(None, ["127.0.0.1", self.also_listen_on]))
        options = ["-c", f"listen_addresses={listen}", "-c", f"unix_socket_directories={sockets}"]
        options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        self._spawn([str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port), *options], user=user)
        self.new_database(self.database)

    def _wait_ready(self, timeout_s: float) -> None:
        import psycopg

        super()._wait_ready(timeout_s)
        deadline = time.monotonic() + 30
        while True:  # the port opens a moment before the server accepts sessions (or while it recovers)
            try:
                with psycopg.connect(self.admin_dsn, connect_timeout=5):
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

    def url_at(self, host: str, database: str | None = None) -> str:
        """The URL of a database (default: `qa_arena`) through another of its addresses."""
        return f"postgresql+psycopg://postgres@{host}:{self.port}/{database or self.database}"


class DockerDaemon(_Server):
    """A private `dockerd` for drills that stop the Docker engine; the machine's engine is left alone.

    Everything it owns is named after a new temporary directory: data root, exec root, pidfile,
    config file (empty: the machine's /etc/docker/daemon.json is not read), unix socket, containerd
    namespaces and cgroup parent. No bridge, iptables rules or masquerading (judge containers have
    no network). `url` is its DOCKER_HOST; `load_image` copies an image from the machine's engine.
    `stop()` removes its containers, stops it and removes what it left behind (processes in its
    directory or cgroups, mounts, the directory), also after `halt()`. Root only. dockerd runs its
    own containerd, unless a system one listens on /run/containerd/containerd.sock (then it uses that
    one, in its own namespaces).
    """

    prefix = "qa-arena-dockerd-"
    shutdown_timeout_s = 2  # seconds dockerd gives containers to stop when it stops, before SIGKILL

    def __init__(self) -> None:
        super().__init__()
        self.name = ""
        self.socket_path: Path | None = None

    @classmethod
    def namespace_for(cls, directory: Path) -> str:
        """Its containerd namespace and cgroup parent: letters and digits joined by single separators, as
        containerd requires (mkdtemp's random part may hold "_", as in "qa-arena-dockerd-_s0_01cp")."""
        return cls.prefix + directory.name.removeprefix(cls.prefix).replace("_", "0")

    def start(self) -> None:
        if os.geteuid() != 0:
            raise ServiceUnavailable("a private dockerd needs root")
        binary, client = shutil.which("dockerd"), shutil.which("docker")
        if binary is None or client is None:
            raise ServiceUnavailable("dockerd or the docker client not found (Debian's docker.io)")
        self.directory = Path(tempfile.mkdtemp(prefix=self.prefix))  # short: socket paths are limited to 107 bytes
        self.name = self.namespace_for(self.directory)
        self.socket_path = self.directory / "docker.sock"
        config = self.directory / "daemon.json"
        config.write_text("{}\n")
        command = [binary, "--host", self.url, "--config-file", str(config), "--pidfile", str(self.directory / "pid")]
        command += ["--data-root", str(self.directory / "data"), "--exec-root", str(self.directory / "exec")]
        command += ["--bridge", "none", "--iptables=false", "--ip6tables=false", "--ip-masq=false"]
        command += ["--containerd-namespace", self.name, "--containerd-plugins-namespace", f"{self.name}-plugins"]
        command += ["--cgroup-parent", self.name, "--shutdown-timeout", str(self.shutdown_timeout_s)]
        self._spawn(command)

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def ping(self, timeout_s: float = 2.0) -> bool:
        """Whether the daemon answers its API (GET /_ping)."""
        if self.socket_path is None:
            return False
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(timeout_s)
                sock.connect(str(self.socket_path))
                sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
                return sock.recv(64).split(b"\r\n", 1)[0].split(b" ")[1:2] == [b"200"]
        except OSError:
            return False

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise ServiceUnavailable(f"dockerd exited with {self.proc.returncode}: {_tail(self.log_file)}")
            if self.ping():
                return
            time.sleep(0.1)
        raise ServiceUnavailable(f"dockerd did not answer on {self.url} within {timeout_s:g} s: {_tail(self.log_file)}")

    def docker(self, *args: str, timeout_s: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        """The docker client against this daemon."""
        env = {k: v for k, v in os.environ.items() if k != "DOCKER_CONTEXT"}
        env["DOCKER_HOST"] = self.url
        return subprocess.run(
            ["docker", *args], env=env, capture_output=True, text=True, timeout=timeout_s, check=check
        )

    def load_image(self, tag: str) -> None:
        """Copy an image from the machine's engine (the environment's DOCKER_HOST, or its default socket).

        ServiceUnavailable if that engine does not answer or lacks the image."""
        assert self.directory is not None
        env = {k: v for k, v in os.environ.items() if k != "DOCKER_CONTEXT"}
        if subprocess.run(["docker", "image", "inspect", tag], env=env, capture_output=True, check=False).returncode:
            raise ServiceUnavailable(f"the machine's Docker engine does not answer or has no image {tag}")
        errors = self.directory / "save.err"
        with open(errors, "wb") as err:
            save = subprocess.Popen(["docker", "save", tag], env=env, stdout=subprocess.PIPE, stderr=err)
        assert save.stdout is not None
        try:
            load = subprocess.run(
                ["docker", "load", "--quiet"], env={**env, "DOCKER_HOST": self.url}, stdin=save.stdout,
                capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
        finally:
            save.stdout.close()
            save.wait(timeout=60)
        if save.returncode != 0:
            raise ServiceUnavailable(f"docker save {tag} failed: {_tail(errors)}")
        if load.returncode != 0:
            raise ServiceUnavailable(f"docker load of {tag} into the private daemon failed: {load.stderr[-500:]}")

    def remove_containers(self) -> None:
        """Remove every container of this daemon (all of them are the test's)."""
        ids = self.docker("ps", "-aq", check=False).stdout.split()
        if ids:
            self.docker("rm", "-f", *ids, check=False)

    def stop(self) -> None:
        if self.running:
            with contextlib.suppress(Exception):
                self.remove_containers()
        super().stop()

    def _clean_up(self) -> None:
        """After dockerd ended: processes it left (containerd, shims, containers), mounts, cgroups."""
        assert self.directory is not None
        marker = str(self.directory).encode()
        for proc in Path("/proc").iterdir():  # containerd and its shims name our directory on their command line
            if proc.name.isdigit():
                with contextlib.suppress(OSError):
                    if marker in (proc / "cmdline").read_bytes():
                        os.kill(int(proc.name), signal.SIGKILL)
        groups = [p for p in Path("/sys/fs/cgroup").glob(f"*/{self.name}") if p.is_dir()]
        groups += [p for p in [Path("/sys/fs/cgroup", self.name)] if p.is_dir()]
        for top in groups:  # containers still running: killed, and their cgroups removed (deepest first)
            for group in [*sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)), top]:
                _empty_cgroup(group)
        mounts = []
        with contextlib.suppress(OSError):
            for line in Path("/proc/self/mountinfo").read_text().splitlines():
                point = line.split()[4].replace("\\040", " ")
                if point.startswith(str(self.directory) + "/"):
                    mounts.append(point)
        for point in sorted(mounts, key=len, reverse=True):
            subprocess.run(["umount", "-l", point], capture_output=True, check=False)


def _empty_cgroup(group: Path, timeout_s: float = 10) -> None:
    """SIGKILL the processes of one of our cgroups and remove it (its children must be gone already)."""
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(OSError, ValueError):
            for pid in (group / "cgroup.procs").read_text().split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.1)
