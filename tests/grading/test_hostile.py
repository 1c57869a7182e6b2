"""Hostile submissions: one fixture per attack, each with its exact verdict, on both backends.

Every case runs the real CLI in its own PID namespace (so that a sandbox failure cannot take
the test run down), within a time bound, and checks that nothing is left behind. The base
suite's test_ok kills 'minus' and 'off_by_one'; an attack must neither add nor prevent a kill.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.install import AS_NOBODY, Install
from tests.support.paths import ADDER

pytestmark = pytest.mark.hostile

BASE = """
import os, sys, time, socket, gc, hashlib
from adder import add

def test_ok():
    assert add(2, 3) == 5
"""

INVALID = "invalid"  # the attack fails on the golden: reported invalid, cannot kill
HARMLESS = "valid"  # the attack passes everywhere: valid, kills nothing

ATTACKS = {
    "fork_bomb": (
        INVALID,
        """
def test_attack():
    while True:
        try:
            os.fork()
        except OSError:
            pass
""",
    ),
    "memory_bomb": (
        INVALID,
        """
def test_attack():
    hoard = []
    while True:
        hoard.append(bytearray(32 * 1024 * 1024))
""",
    ),
    "disk_fill": (
        INVALID,
        """
def test_attack():
    with open("/tmp/fill", "wb") as f:
        while True:
            f.write(b"x" * (1 << 20))
""",
    ),
    "infinite_loop": (
        INVALID,
        """
def test_attack():
    while True:
        pass
""",
    ),
    "sleep": (
        INVALID,
        """
def test_attack():
    time.sleep(60)
""",
    ),
    "output_flood": (
        INVALID,
        """
def test_attack():
    chunk = b"y" * (1 << 20)
    for _ in range(200):
        os.write(1, chunk)
        os.write(2, chunk)
    raise AssertionError("flooded")
""",
    ),
    "report_flood": (
        INVALID,
        """
def test_attack():
    reporter = next(o for o in gc.get_objects() if type(o).__name__ == "Reporter")
    for _ in range(100):
        os.write(reporter.fd, b"z" * (1 << 20))
""",
    ),
    "forge_exit": (
        INVALID,
        """
def test_attack():
    import atexit
    atexit.register(os._exit, 0)
    os._exit(0)
""",
    ),
    "read_hidden_files": (
        HARMLESS,
        """
import re

MARK = re.compile("MARK" + "ER-[A-Z]+-[0-9a-f]{4}")

def test_attack():
    import adder
    assert not os.path.exists(adder.__file__)  # no variant is a file: any marker found is a leak
    own = set()
    found = []
    roots = ["/", "/sandbox", "/tmp", "/opt", "/work", "/proc", "/sys", "/home", "/root", "/run", "/srv",
             "/var/cache/qa-arena", "/var/lib/qa-arena", "/var", "/etc"]
    deadline = time.monotonic() + 1.0  # the run's limit is 2 s: search the likely places first, then stop

    def search():
        for root in roots:
            for dirpath, dirs, files in os.walk(root):
                if root == "/":
                    dirs[:] = []
                for name in files:
                    if time.monotonic() > deadline:
                        return  # the whole search, not this directory only: walking /proc or /sys takes long
                    path = os.path.join(dirpath, name)
                    try:
                        if os.path.getsize(path) < 200_000:
                            text = open(path, errors="ignore").read()
                    except OSError:
                        continue
                    if set(MARK.findall(text)) - own:
                        found.append(path)
                if time.monotonic() > deadline:
                    return

    search()
    for obj in gc.get_objects():
        values = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, list | tuple) else ()
        for value in list(values):
            if isinstance(value, str | bytes) and set(MARK.findall(str(value))) - own:
                found.append("memory")
    environ = " ".join(os.environ.values()) + " ".join(sys.argv)
    assert not found and not MARK.search(environ), found[:5]
""",
    ),
    "sniff_identity": (
        HARMLESS,
        """
import pytest, adder

def fingerprint():
    parts = [os.getpid(), os.getppid(), sys.argv, sorted(os.environ.items()), os.getcwd(), os.uname(),
             adder.__file__, os.getuid(), os.getgid(), sorted(os.listdir("/proc")), sorted(os.listdir("/tmp")),
             sorted(os.listdir(".")), sys.path, os.path.exists(adder.__file__), os.stat(".").st_mtime,
             socket.gethostname(), os.getpgrp(), os.getsid(0)]
    return hashlib.sha256(repr(parts).encode()).digest()

@pytest.mark.parametrize("bit", range(24))
def test_attack(bit):
    assert fingerprint()[bit // 8] >> (bit % 8) & 1 == 0
""",
    ),
    "state_between_runs": (
        HARMLESS,
        """
def test_attack():
    places = ["/tmp/seen", "/dev/shm/seen", "/var/tmp/seen", os.path.expanduser("~/seen")]
    for place in places:
        assert not os.path.exists(place), place
    for place in places:
        try:
            open(place, "w").write("1")
        except OSError:
            pass
""",
    ),
    "overwrite_variants": (
        HARMLESS,
        """
def test_attack():
    import adder, _pytest, runner_guess
"""[:0]
        + """
def test_attack():
    import adder, _pytest
    targets = [adder.__file__, os.path.dirname(adder.__file__) + "/other.py", "/opt/qa-arena/runner.py",
               os.path.join(os.path.dirname(_pytest.__file__), "python.py"), "/sandbox/tests/pytest.ini"]
    for target in targets:
        try:
            with open(target, "a") as f:
                f.write("raise SystemExit(0)\\n")
        except OSError:
            continue
        raise AssertionError(f"wrote {target}")
""",
    ),
    "kill_the_runner": (
        HARMLESS,
        """
import signal

def test_attack():
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
        for pid in (-1, 1, os.getppid()):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
    for pid in range(2, 2000):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
""",
    ),
    "network": (
        HARMLESS,
        """
def test_attack():
    for address in [("1.1.1.1", 53), ("172.17.0.1", 2375), ("127.0.0.1", 22), ("10.255.255.53", 53)]:
        try:
            socket.create_connection(address, timeout=0.5).close()
        except OSError:
            continue
        raise AssertionError(f"connected to {address}")
    try:
        socket.getaddrinfo("pypi.org", 443)
    except OSError:
        return
    raise AssertionError("name resolution works")
""",
    ),
}


def leftovers(prefix: str, cache: Path = Path("/var/cache/qa-arena")) -> dict:
    """What this grading could leave behind: its containers, its cgroups (hence processes), sandbox files."""
    found: dict = {"containers": []}
    if subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
        names = subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True)
        found["containers"] = [n for n in names.stdout.split() if n.startswith(prefix)]
    found["cgroups"] = sorted(str(p) for c in ("pids", "memory") for p in Path("/sys/fs/cgroup", c).glob(prefix + "*"))
    found["sandbox_files"] = sorted(
        str(p) for d in ("sandbox", "root") if (cache / d).is_dir() for p in (cache / d).iterdir()
    )
    return found


def grade_isolated(workdir: Path, source: str, backend: str, user: Install | None = None) -> tuple[dict, float, str]:
    """Grade in a PID namespace of its own; with `user`, as `nobody` from that installation (whose files,
    and `workdir`, nobody can read)."""
    tests = workdir / "attack.py"
    tests.write_text(source)
    prefix = f"qa-arena-test-{uuid.uuid4().hex[:8]}-"
    config = workdir / "config.py"
    config.write_text(f"c.LocalSandbox.cgroup_prefix = {prefix!r}\nc.DockerSandbox.name_prefix = {prefix!r}\n")
    problem = ADDER
    if user is not None:
        problem = Path(shutil.copytree(ADDER, workdir / "adder"))
    qa_arena = [user.qa_arena] if user else [sys.executable, "-m", "qa_arena"]
    command = [*qa_arena, "--config", str(config), "judge", str(problem), str(tests),
               "--backend", backend, "--json", "--matrix"]  # fmt: skip
    env = None
    if user is not None:
        command = [*AS_NOBODY, *command]
        env = user.env(home=workdir)
    started = time.monotonic()
    proc = subprocess.run(["unshare", "--pid", "--fork", "--kill-child", *command], env=env, cwd=workdir,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout), elapsed, prefix


# As root, the local backend puts each sandbox in pids and memory cgroups and runs drop to uid nobody; as an
# ordinary user neither applies (no cgroup can be made, no other uid taken): processes and memory are bounded
# by each run's rlimits in a user namespace of its own, and every attack must still hold the same way.
@pytest.fixture(
    params=[
        "local",
        pytest.param("local-as-nobody", marks=pytest.mark.install),
        pytest.param("docker", marks=pytest.mark.docker),
    ]
)
def backend(request):
    if request.param == "docker":
        request.getfixturevalue("judge_image")
    return request.param


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack(request, tmp_path, backend, attack):
    expectation, code = ATTACKS[attack]
    workdir, user, cache = tmp_path, None, Path("/var/cache/qa-arena")
    if backend == "local-as-nobody":
        workdir, user = request.getfixturevalue("nobody_home"), request.getfixturevalue("installed_wheel")
        backend, cache = "local", workdir / ".cache" / "qa-arena"
    verdict, elapsed, prefix = grade_isolated(workdir, BASE + code, backend, user)

    assert verdict["status"] == "SUCCESS", verdict
    killed = {v["id"] for v in verdict["variants"] if v["kind"] == "mutant" and v["killed_by"]}
    assert killed == {"minus", "off_by_one"}, verdict["variants"]
    for variant in verdict["variants"]:
        if variant["kind"] == "mutant":
            assert all(t.endswith("::test_ok") for t in variant["killed_by"]), variant
        elif attack != "sniff_identity":  # its bits may fail, but the same way on every variant
            assert variant["outcome"] in (("passed",) if expectation == HARMLESS else ("failed", "error", "timeout"))
    attack_tests = [t for t in verdict["tests"] if "test_attack" in t["name"]]
    assert attack_tests
    if expectation == INVALID:
        assert all(not t["valid"] for t in attack_tests)
        assert {t["failed_on"] for t in verdict["invalid_tests"]} == {"golden"}
    elif attack == "sniff_identity":  # a bit that differed between correct variants would show as 'wheat'
        assert {t["failed_on"] for t in verdict["invalid_tests"]} <= {"golden"}
    else:
        assert all(t["valid"] for t in attack_tests), verdict["invalid_tests"]
    assert {"name": "test_submission.py::test_ok", "valid": True} in verdict["tests"]
    assert elapsed < 60
    assert leftovers(prefix, cache) == {"containers": [], "cgroups": [], "sandbox_files": []}
