"""Docker sandbox: the runner in a locked-down container (production).

One container per submission: no network, read-only root, a small /tmp, every
capability dropped, no-new-privileges, an unprivileged user, pids/memory/CPU/file
limits, and a seccomp allow-list (see seccomp.py). It is removed afterwards, also
on error. The container gets no mounts, no environment from the host and no
Docker socket; variants reach it only through the runner's stdin, one run at a time.

A small pool of pre-started containers hides the container start-up (`pool_size`). Each container is
labelled with the process that started it (host, pid and the pid's start time); `reap_orphans` removes those
of this host whose process is gone (a worker killed with SIGKILL cannot drain its pool).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import select
import socket
import threading
import uuid

from traitlets import Bool, Float, Int, Unicode

from qa_arena.grading.judge_image import JUDGE_IMAGE, RUNNER_LABEL, runner_digest
from qa_arena.grading.sandbox.base import STDERR_CAP, Sandbox, SandboxError
from qa_arena.grading.sandbox.seccomp import profile_json

NAME_PREFIX = "qa-arena-judge-"
MANAGED_LABEL = "org.qa-arena.sandbox"
OWNER_LABEL = "org.qa-arena.owner"


def _start_time(pid: int) -> str:
    """The pid's start time in clock ticks since boot ("" when there is no such process): with the pid, it
    names a process for its lifetime (pids are reused, start times are not)."""
    try:
        stat = open(f"/proc/{pid}/stat").read()  # noqa: SIM115 - one read of a small proc file
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted from the state after the command's ")"


def process_owner(pid: int | None = None) -> str:
    """host:pid:start of a process (this one by default)."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def owner_is_gone(owner: str) -> bool:
    """Whether `owner` (process_owner's form) was a process of this host that no longer runs. Another host's
    owner is never gone here: its own workers reap its containers."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    return _start_time(int(parts[1])) != parts[2]


def duplex_socket(attached) -> socket.socket:
    """A socket to write the container's stdin and read its stdout through, from what `attach_socket` returned.

    The docker SDK documents that object only as "socket-like": over a Unix socket or plain TCP it is the
    read-only file object http.client reads the response from (socket.SocketIO), over TLS a socket and over
    ssh a paramiko channel, both with sendall and recv. A read-only one is turned into a socket of our own on
    a duplicate of its descriptor (its public fileno(); `os.dup`, `socket.socket(fileno=...)`), so nothing
    private of the SDK, of http.client or of socket.SocketIO is read; close it beside the SDK's object."""
    if callable(getattr(attached, "sendall", None)) and callable(getattr(attached, "recv", None)):
        return attached
    descriptor = os.dup(attached.fileno())
    try:
        return socket.socket(fileno=descriptor)
    except Exception:
        os.close(descriptor)
        raise


class _Container:
    """A started judge container with its attached stdin/stdout socket."""

    def __init__(self, client, config: dict) -> None:
        self.client = client
        self.socket = self.raw = None
        self.container = client.containers.create(**config)
        try:
            self.socket = client.api.attach_socket(
                self.container.id, params={"stdin": 1, "stdout": 1, "stderr": 0, "stream": 1}
            )
            self.raw = duplex_socket(self.socket)
            self.container.start()
        except Exception:
            self.remove()
            raise
        self.frames = bytearray()

    def write(self, data: bytes) -> None:
        self.raw.sendall(data)

    def read(self, timeout: float) -> bytes:
        """Next stdout payload, demultiplexed from Docker's 8-byte frame headers."""
        while True:
            if len(self.frames) >= 8:
                size = int.from_bytes(self.frames[4:8], "big")
                if len(self.frames) >= 8 + size:
                    stream, payload = self.frames[0], bytes(self.frames[8 : 8 + size])
                    del self.frames[: 8 + size]
                    if stream == 1:
                        return payload
                    continue
            ready, _, _ = select.select([self.raw], [], [], timeout)
            if not ready:
                raise TimeoutError
            chunk = self.raw.recv(1 << 16)
            if not chunk:
                return b""
            self.frames.extend(chunk)

    def idle(self) -> bool:
        """Whether a pooled container can still take work: its stream is open and silent.

        An idle runner says nothing after its ready line, so anything to read means trouble: mostly the
        end of the stream, when the container stopped or the engine went away (a daemon restart)."""
        try:
            readable, _, _ = select.select([self.raw], [], [], 0)
        except (OSError, ValueError):  # closed
            return False
        return not readable and not self.frames

    def close(self) -> None:
        """Close the attached stream: our socket, and the SDK's object (safe to call twice)."""
        for stream in (self.raw, self.socket):
            with contextlib.suppress(Exception):
                stream.close()

    def remove(self) -> None:
        self.close()
        with contextlib.suppress(Exception):
            self.container.remove(force=True)


class _Pool(queue.Queue):
    """Ready containers of one configuration, and how many are starting or awaited."""

    def __init__(self) -> None:
        super().__init__()
        self.starting = 0  # containers being started for this pool
        self.waiting = 0  # launches waiting for one of those


class DockerSandbox(Sandbox):
    """Runs judge/runner.py in a fresh, locked-down container of the judge image."""

    image = Unicode(JUDGE_IMAGE, config=True, help="The judge image (build it with `qa-arena image build`).")
    user = Unicode(
        "10001:10001",
        config=True,
        help="uid:gid in the container: unprivileged, and used by nothing else on the host "
        "(process limits count per uid across containers).",
    )
    name_prefix = Unicode(NAME_PREFIX, config=True, help="Name prefix of judge containers (cleanup looks for it).")
    cpu_limit = Float(2.0, config=True, help="CPUs the container may use (fractions allowed).")
    tmpfs_size = Unicode("16m", config=True, help="Size of the container's /tmp (runs get their own tmpfs anyway).")
    docker_timeout = Int(60, config=True, help="Seconds for one Docker API call.")
    pool_size = Int(
        0,
        config=True,
        help="Containers kept started and ready for the next submissions (0: start one per submission). "
        "Worth it in long-lived processes (grading workers, the check service).",
    )

    _pools: dict[tuple, _Pool] = {}
    _background: list[threading.Thread] = []  # container removals and pool refills under way
    _pools_lock = threading.Lock()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.box: _Container | None = None
        self.refills = True  # a container that is itself a refill does not start another

    def container_config(self) -> dict:
        """Settings of a judge container; the hardening is applied last and cannot be overridden."""
        from docker.types import Ulimit

        return {
            "image": self.image,
            "command": self.runner_args(),
            "name": self.name_prefix + uuid.uuid4().hex[:12],
            "labels": {MANAGED_LABEL: "true", OWNER_LABEL: process_owner()},
            "stdin_open": True,
            "tty": False,
            "detach": True,
            "environment": {},
            "hostname": "sandbox",
            "working_dir": "/",
            "network_mode": "none",
            "read_only": True,
            "tmpfs": {"/tmp": f"size={self.tmpfs_size},mode=1777"},
            "user": self.user,
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges", f"seccomp={profile_json()}"],
            "pids_limit": self.pids_limit,
            "mem_limit": self.memory_limit,
            "memswap_limit": self.memory_limit,
            "nano_cpus": int(self.cpu_limit * 1e9),
            "ulimits": [
                Ulimit(name="fsize", soft=self.file_size_limit, hard=self.file_size_limit),
                Ulimit(name="core", soft=0, hard=0),
            ],
            "ipc_mode": "private",
            "auto_remove": False,
        }

    def _client(self):
        import docker

        try:
            client = docker.from_env(timeout=self.docker_timeout)
            client.ping()
        except Exception as exc:
            raise SandboxError(f"no Docker engine answers: {exc}") from exc
        return client

    def _check_image(self, client) -> None:
        import docker

        try:
            labels = client.images.get(self.image).labels or {}
        except docker.errors.ImageNotFound as exc:
            raise SandboxError(f"judge image {self.image} not found: run `qa-arena image build`") from exc
        if labels.get(RUNNER_LABEL) != runner_digest():
            raise SandboxError(f"judge image {self.image} is out of date: run `qa-arena image build`")

    def _new_container(self, client) -> _Container:
        return _Container(client, self.container_config())

    def _pool(self) -> _Pool:
        key = (self.image, tuple(self.runner_args()), self.memory_limit, self.pids_limit, self.cpu_limit)
        with self._pools_lock:
            if not self._pools:
                atexit.register(DockerSandbox.drain_pools)
            return self._pools.setdefault(key, _Pool())

    def _reserve(self, pool: _Pool) -> int:
        """Count the containers the pool lacks as starting (so launches wait for them); return how many."""
        with self._pools_lock:
            if pool not in self._pools.values():  # drained
                return 0
            missing = max(0, self.pool_size - pool.qsize() - pool.starting)
            pool.starting += missing
            return missing

    def _refill(self, client, pool: _Pool | None = None, reserved: int | None = None) -> None:
        """Start the containers the pool lacks; each has said it is ready before it is pooled."""
        pool = pool or self._pool()
        remaining = self._reserve(pool) if reserved is None else reserved
        try:
            while remaining:
                starter = DockerSandbox(parent=self.parent, config=self.config)
                starter.refills = False
                starter.box = self._new_container(client)
                try:
                    starter.await_ready()
                except Exception:
                    starter.stop()
                    raise
                with self._pools_lock:
                    remaining -= 1
                    pool.starting -= 1
                    drained = pool not in self._pools.values()  # drain_pools ran while this one started
                    if not drained:
                        pool.put(starter.box)
                if drained:
                    starter.box.remove()
                    return
        finally:
            self._release(pool, remaining)

    def _release(self, pool: _Pool, count: int) -> None:
        """Give up `count` reserved containers: launches waiting for them go on without."""
        with self._pools_lock:
            pool.starting -= count
            for _ in range(min(count, pool.waiting)):
                pool.put(None)

    def _refill_in_background(self) -> None:
        pool = self._pool()  # now: a pool drained meanwhile is not refilled
        reserved = self._reserve(pool)  # now: a launch from here on waits for these instead of starting its own
        if not reserved:
            return

        def refill() -> None:
            try:
                client = self._client()
                self._check_image(client)
            except Exception as exc:
                self._release(pool, reserved)
                self.log.warning("could not refill the judge container pool: %s", exc)
                return
            try:
                self._refill(client, pool, reserved)
            except Exception as exc:
                self.log.warning("could not refill the judge container pool: %s", exc)

        thread = threading.Thread(target=refill, name="qa-arena-refill-pool")
        thread.start()
        with self._pools_lock:
            DockerSandbox._background = [t for t in DockerSandbox._background if t.is_alive()] + [thread]

    def _launch(self) -> dict | None:
        if self.pool_size > 0:
            self.box = self._take_pooled()
            if self.box is not None:
                return {"event": "ready", "pooled": True}
        client = self._client()
        self._check_image(client)
        self.box = self._new_container(client)
        return None

    def _take_pooled(self) -> _Container | None:
        """A ready container from the pool, if any, or one that is starting and not promised to another.

        Pooled containers that died meanwhile (an engine restart) are removed, not used."""
        pool = self._pool()
        while True:
            with self._pools_lock:
                wait = pool.empty() and pool.starting > pool.waiting
                pool.waiting += wait
            try:
                box = pool.get(timeout=self.start_timeout) if wait else pool.get_nowait()
            except queue.Empty:
                return None
            finally:
                with self._pools_lock:
                    pool.waiting -= wait
            if box is None:  # a refill that was awaited failed
                continue
            if box.idle():
                return box
            self.log.warning("a pooled judge container is gone (did the Docker engine restart?): not used")
            box.remove()

    def diagnostics(self) -> str:
        if self.box is None:
            return ""
        try:
            said = self.box.container.logs(stdout=False, stderr=True, tail=40)
        except Exception:  # the container or the engine is gone: nothing more to say
            return ""
        return said.decode(errors="replace")[-STDERR_CAP:]

    def _write(self, data: bytes) -> None:
        if self.box is None:
            raise OSError("no container")
        self.box.write(data)

    def _read(self, timeout: float) -> bytes:
        if self.box is None:
            return b""
        return self.box.read(timeout)

    remove_in_background = Bool(
        True,
        config=True,
        help="Remove the used container in a background thread, so the verdict does not wait for Docker. "
        "The thread is not a daemon: the process does not exit before the container is gone.",
    )

    def _terminate(self) -> None:
        box, self.box = self.box, None
        if box is None:
            return
        box.close()  # our end of the stream first; the container is removed next in any case
        if self.remove_in_background:
            thread = threading.Thread(target=box.remove, name="qa-arena-remove-container")
            thread.start()
            with self._pools_lock:
                DockerSandbox._background = [t for t in DockerSandbox._background if t.is_alive()] + [thread]
        else:
            box.remove()
        if self.pool_size > 0 and self.refills:  # top up now, while the verdict goes out, not during the next grading
            self._refill_in_background()

    @classmethod
    def drain_pools(cls) -> None:
        """Remove every pooled container and wait for removals and refills under way (at shutdown).

        A refill that finishes after this sees its pool gone and removes its container itself."""
        with cls._pools_lock:
            pools, cls._pools = list(cls._pools.values()), {}
            background, DockerSandbox._background = DockerSandbox._background, []
        for thread in background:
            thread.join()
        for pool in pools:
            while not pool.empty():
                if (box := pool.get_nowait()) is not None:
                    box.remove()
            for _ in range(pool.waiting):  # launches waiting for a refill go on without
                pool.put(None)

    @classmethod
    def reap_orphans(cls, client=None) -> list[str]:
        """Remove the judge containers of this host whose process is gone; the names of those this call removed
        (several workers of a host may reap at once)."""
        import docker

        client = client or docker.from_env(timeout=60)
        reaped = []
        labels = [f"{MANAGED_LABEL}=true", OWNER_LABEL]
        for container in client.containers.list(all=True, filters={"label": labels}, ignore_removed=True):
            if not owner_is_gone(container.labels.get(OWNER_LABEL, "")):
                continue
            try:
                container.remove(force=True)
            except docker.errors.NotFound:
                continue  # gone meanwhile
            except docker.errors.APIError as exc:
                if exc.status_code == 409:  # another worker of this host is removing it
                    continue
                raise
            reaped.append(container.name)
        return reaped
