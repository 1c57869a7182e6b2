"""The docker backend: the container's hardening, the image check, the pool."""

import io
import socket
import threading
import time
import types
import uuid

import pytest
from traitlets.config import Config

from qa_arena.grading.judge import Judge
from qa_arena.grading.sandbox import SandboxError
from qa_arena.grading.sandbox.docker import DockerSandbox, _Container
from qa_arena.grading.sandbox.seccomp import ALLOWED, profile


def test_container_is_locked_down():
    config = DockerSandbox().container_config()
    assert config["network_mode"] == "none"
    assert config["read_only"] is True
    assert config["cap_drop"] == ["ALL"]
    assert "no-new-privileges" in config["security_opt"]
    assert any(opt.startswith("seccomp=") for opt in config["security_opt"])
    assert not config["user"].startswith(("0:", "root"))
    assert config["environment"] == {}
    assert "volumes" not in config and "mounts" not in config
    assert config["pids_limit"] > 0 and config["mem_limit"] == config["memswap_limit"]
    assert config["name"].startswith("qa-arena-judge-")


def test_seccomp_allows_namespaces_but_not_kernel_escape_hatches():
    assert {"unshare", "mount", "umount2", "clone"} <= set(ALLOWED)
    for dangerous in ("ptrace", "bpf", "perf_event_open", "keyctl", "add_key", "init_module", "kexec_load",
                      "userfaultfd", "io_uring_setup", "open_by_handle_at", "setns", "pivot_root"):  # fmt: skip
        assert dangerous not in ALLOWED
    assert profile()["defaultAction"] == "SCMP_ACT_ERRNO"


class _Engine:
    """The docker SDK's client as _Container uses it, with one container whose attach_socket answers `attached`."""

    id = "c0ffee"

    def __init__(self, attached) -> None:
        self.started = self.removed = False
        self.containers = types.SimpleNamespace(create=lambda **config: self)
        self.api = types.SimpleNamespace(attach_socket=lambda container_id, params: attached)

    def start(self) -> None:
        self.started = True

    def remove(self, force: bool = False) -> None:
        self.removed = True


def _frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


@pytest.mark.parametrize("shape", ["read-only file object (Unix socket, plain TCP)", "socket (TLS, ssh)"])
def test_the_attached_stream_is_used_through_public_interfaces_only(shape):
    """What attach_socket returns is documented only as socket-like: over a Unix socket the SDK hands the
    read-only raw file object of the HTTP response, over TLS a socket. Neither is read for private attributes."""
    engine_end, runner = socket.socketpair()
    attached = io.FileIO(engine_end.detach(), "rb") if shape.startswith("read-only") else engine_end
    engine = _Engine(attached)
    box = _Container(engine, {})
    assert engine.started

    box.write(b'{"op": "run"}\n')
    assert runner.recv(100) == b'{"op": "run"}\n'
    runner.sendall(_frame(2, b"stderr is not read") + _frame(1, b'{"event": "ready"}\n'))
    assert box.read(5) == b'{"event": "ready"}\n'
    assert box.idle()
    with pytest.raises(TimeoutError):
        box.read(0.05)

    box.remove()
    assert engine.removed
    runner.settimeout(5)
    assert runner.recv(1) == b""  # every descriptor of the stream is closed: nothing leaks
    runner.close()


@pytest.mark.docker
def test_missing_image_is_an_infrastructure_error(judge_image, adder):
    config = Config()
    config.Judge.sandbox_class = "docker"
    config.DockerSandbox.image = "qa-arena/judge:does-not-exist"
    verdict = Judge(config=config).grade(adder, "def test_a():\n    pass\n")
    assert (verdict.status, verdict.score) == ("ERROR", None)
    assert "qa-arena image build" in verdict.message
    with pytest.raises(SandboxError, match="not found"):
        DockerSandbox(image="qa-arena/judge:does-not-exist").start()


@pytest.mark.docker
def test_pool_serves_prestarted_containers(judge_image, adder):
    import docker

    config = Config()
    config.Judge.sandbox_class = "docker"
    config.DockerSandbox.pool_size = 1
    prefix = f"qa-arena-test-pool-{uuid.uuid4().hex[:6]}-"  # only this test's containers are counted
    config.DockerSandbox.name_prefix = prefix
    judge = Judge(config=config)
    try:
        first = judge.grade(adder, "from adder import add\n\ndef test_a():\n    assert add(2, 3) == 5\n")
        pool = next(iter(DockerSandbox._pools.values()))
        for _ in range(200):
            if pool.qsize() == 1:
                break
            time.sleep(0.05)
        assert pool.qsize() == 1
        sandbox = judge.make_sandbox()
        assert sandbox.start().get("pooled") is True
        sandbox.stop()
        second = judge.grade(adder, "from adder import add\n\ndef test_a():\n    assert add(2, 3) == 5\n")
        assert first.to_dict()["variants"] and first.killed == second.killed == 2
    finally:
        DockerSandbox.drain_pools()
    names = [c.name for c in docker.from_env().containers.list(all=True) if c.name.startswith(prefix)]
    assert names == []


@pytest.mark.docker
def test_back_to_back_submissions_each_get_a_prestarted_container(judge_image, adder, monkeypatch):
    """The pool is topped up when a submission ends; a launch during that refill waits for it
    instead of starting a container of its own (one container start per submission)."""
    config = Config()
    config.DockerSandbox.pool_size = 1
    config.DockerSandbox.name_prefix = f"qa-arena-test-pool-{uuid.uuid4().hex[:6]}-"
    started = []
    original = DockerSandbox._new_container

    def counted(self, client):
        started.append(1)
        return original(self, client)

    monkeypatch.setattr(DockerSandbox, "_new_container", counted)
    try:
        first = DockerSandbox(config=config)
        assert first.start().get("pooled") is None  # an empty pool: a container of its own
        first.stop()  # the refill starts now
        for _ in range(3):
            sandbox = DockerSandbox(config=config)
            assert sandbox.start().get("pooled") is True
            sandbox.send({"op": "exit"})
            sandbox.stop()
        DockerSandbox.drain_pools()
        assert len(started) == 5  # the first submission's, three refills, and the one drained at the end
    finally:
        DockerSandbox.drain_pools()


@pytest.mark.docker
def test_a_launch_waiting_for_a_failed_refill_goes_on_without_it(judge_image, adder, monkeypatch):
    config = Config()
    config.DockerSandbox.pool_size = 1
    config.DockerSandbox.start_timeout = 60.0  # what a waiting launch would otherwise sit through
    config.DockerSandbox.name_prefix = f"qa-arena-test-pool-{uuid.uuid4().hex[:6]}-"
    original = DockerSandbox._new_container
    refill_may_fail = threading.Event()

    def refill_fails(self, client):
        if threading.current_thread().name == "qa-arena-refill-pool":
            refill_may_fail.wait(10)
            raise SandboxError("the engine refused (simulated)")
        return original(self, client)

    monkeypatch.setattr(DockerSandbox, "_new_container", refill_fails)
    try:
        first = DockerSandbox(config=config)
        first.start()
        first.stop()  # reserves a refill, which will fail
        threading.Timer(0.5, refill_may_fail.set).start()
        started = time.monotonic()
        second = DockerSandbox(config=config)
        ready = second.start()  # waits for the refill, then starts a container of its own
        second.stop()
        assert ready.get("pooled") is None
        assert time.monotonic() - started < 30
    finally:
        DockerSandbox.drain_pools()


KEEPER = """
import sys, time
from traitlets.config import Config
from qa_arena.grading.judge import Judge
from qa_arena.grading.problem import load_problem

config = Config()
config.Judge.sandbox_class = "docker"
config.DockerSandbox.pool_size = 2
config.DockerSandbox.name_prefix = sys.argv[1]
Judge(config=config).grade(load_problem(sys.argv[2]), "def test_a():\\n    pass\\n")
print("graded", flush=True)
time.sleep(600)
"""


def containers_named(client, prefix: str) -> set[str]:
    return {c.name for c in client.containers.list(all=True, filters={"name": prefix}, ignore_removed=True)}


@pytest.mark.docker
@pytest.mark.slow
def test_the_pool_of_a_killed_worker_is_reaped_and_a_live_ones_is_not(judge_image, adder):
    """SIGKILL leaves no chance to drain a pool: the containers stay up until a worker of the host reaps them
    (by their owner label: host, pid and the pid's start time)."""
    import os
    import signal
    import subprocess
    import sys

    import docker

    from tests.support.paths import ADDER

    client = docker.from_env()
    dead_prefix = f"qa-arena-test-reap-{uuid.uuid4().hex[:6]}-"
    live_prefix = f"qa-arena-test-live-{uuid.uuid4().hex[:6]}-"
    keeper = subprocess.Popen(
        [sys.executable, "-c", KEEPER, dead_prefix, str(ADDER)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert keeper.stdout.readline().strip() == "graded"
        deadline = time.monotonic() + 60
        while len(containers_named(client, dead_prefix)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(containers_named(client, dead_prefix)) == 2  # its pool, pre-started
        os.kill(keeper.pid, signal.SIGKILL)
        keeper.wait(10)
        time.sleep(1)
        left = containers_named(client, dead_prefix)
        assert len(left) == 2  # nothing removed them: the process could not

        config = Config()
        config.DockerSandbox.pool_size = 1
        config.DockerSandbox.name_prefix = live_prefix
        Judge(config=config, sandbox_class="docker").grade(adder, "def test_a():\n    pass\n")
        # this process's own pool: its container pre-started, and the graded one's removal done
        pool = DockerSandbox(config=config)._pool()  # the pool of these settings (its key has no name prefix)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if pool.qsize() == 1 and len(containers_named(client, live_prefix)) == 1:
                break
            time.sleep(0.2)
        mine = containers_named(client, live_prefix)
        assert pool.qsize() == 1 and len(mine) == 1

        reaped = set(DockerSandbox.reap_orphans(client))  # (another reaper of this host may take some)
        deadline = time.monotonic() + 30
        while containers_named(client, dead_prefix) and time.monotonic() < deadline:
            time.sleep(0.2)  # a removal another reaper started
        assert containers_named(client, dead_prefix) == set()
        assert not reaped & mine
        assert containers_named(client, live_prefix) == mine  # a live owner's pool stays
    finally:
        keeper.kill()
        DockerSandbox.drain_pools()
        for container in client.containers.list(all=True, filters={"name": dead_prefix}, ignore_removed=True):
            container.remove(force=True)
