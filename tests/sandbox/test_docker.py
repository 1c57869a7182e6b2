"""The docker backend: the container's hardening, the image check, the pool."""

import uuid

import pytest
from traitlets.config import Config

from qa_arena.judge import Judge
from qa_arena.sandbox import SandboxError
from qa_arena.sandbox.docker import DockerSandbox
from qa_arena.sandbox.seccomp import ALLOWED, profile


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
            import time

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
