"""Collect-once: a submission's suite collected once, every run forked from that collection (judge/runner.py).

Its verdicts must be those of runs that each collect (`Judge.collect_once = False`), and nothing a
collection leaves behind may carry word from one run to the next. Each channel below is made at
collection and used by every run to tell the runs after it that it ran; a run that hears of another
fails, so an open channel would make `test_channel` fail on correct variants (invalid) where, with
each run collecting for itself, it passes. The judge's gate (`collection.py`) would refuse these suites
outright, so the tests open it: what is tested is the runner's own checks.
"""

from __future__ import annotations

import pytest

from qa_arena.grading import judge as judge_module
from qa_arena.grading.judge import Judge
from qa_arena.grading.problem import load_problem
from tests.support.paths import PROBLEMS

BASE = """
import os, signal, socket, time
from adder import add

def test_ok():
    assert add(2, 3) == 5
"""

SIGNALLED = """
HEARD = []
signal.signal(signal.SIGUSR1, lambda *_: HEARD.append(1))

def _signal_everyone():
    while True:  # every process of the collector's PID namespace (but its init): the runs, if forked there
        try:
            os.kill(-1, signal.SIGUSR1)
        except OSError:
            pass
        time.sleep(0.01)

def test_channel():
    time.sleep(0.3)
    assert not HEARD
"""

# name -> (what collection makes and every run uses, what the runner says it found)
CHANNELS = {
    "pipe": (
        """
R, W = os.pipe()
os.set_blocking(R, False)

def test_channel():
    try:
        heard = os.read(R, 64)
    except BlockingIOError:
        heard = b""
    os.write(W, b"x")
    assert not heard
""",
        "an open file descriptor (pipe:",
    ),
    "socketpair": (
        """
A, B = socket.socketpair()
A.setblocking(False)

def test_channel():
    try:
        heard = A.recv(64)
    except BlockingIOError:
        heard = b""
    B.send(b"x")
    assert not heard
""",
        "an open file descriptor (socket:",
    ),
    "mmap_shared": (
        """
import mmap
PAGE = mmap.mmap(-1, 4096)  # MAP_SHARED: one page, whoever forks

def test_channel():
    heard = PAGE[0]
    PAGE[0] = 1
    assert not heard
""",
        "a shared memory mapping (/dev/zero",
    ),
    "memfd": (
        """
MEMORY = os.memfd_create("channel")

def test_channel():
    heard = os.pread(MEMORY, 1, 0)
    os.pwrite(MEMORY, b"x", 0)
    assert not heard
""",
        "an open file descriptor (/memfd:channel",
    ),
    "sysv_segment": (
        """
import ctypes
LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.shmat.restype = ctypes.c_void_p
SEGMENT = LIBC.shmget(0, 4096, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
CELL = ctypes.c_char.from_address(LIBC.shmat(SEGMENT, None, 0))

def test_channel():
    heard = CELL.value == b"x"
    CELL.value = b"x"
    assert not heard
""",
        "a shared memory mapping (/SYSV",
    ),
    "shared_memory": (
        """
from multiprocessing import resource_tracker, shared_memory
resource_tracker.register = lambda *_: None  # no tracker process (a sandbox cannot start one)
BLOCK = shared_memory.SharedMemory(create=True, size=16)

def test_channel():
    heard = BLOCK.buf[0]
    BLOCK.buf[0] = 1
    assert not heard
""",
        "the collection failed",  # /dev/shm is read-only to a collector
    ),
    "thread": (
        SIGNALLED + "\nimport threading\nthreading.Thread(target=_signal_everyone, daemon=True).start()\n",
        "2 threads",
    ),
    "daemon_child": (
        SIGNALLED + "\nif os.fork() == 0:\n    _signal_everyone()\n",
        "1 process(es) started by the collection",
    ),
    "writable_file": (
        """
LOG = open("/tmp/channel", "a+")

def test_channel():
    LOG.seek(0)
    heard = LOG.read()
    LOG.write("x")
    LOG.flush()
    assert not heard
""",
        "the collection failed",  # scratch space is read-only to a collector, and fresh in each run
    ),
}


def comparable(verdict) -> dict:
    """What a verdict says about the suite, without timings and how the runs collected."""
    data = verdict.to_dict()
    for key in ("duration_s", "collection", "collection_note"):
        data.pop(key)
    for variant in data["variants"]:
        variant.pop("duration_s", None)
    return data


@pytest.fixture
def gate_open(monkeypatch):
    """The judge lets any suite try collect-once (its placeholders: every name the variants define)."""
    real = judge_module.placeholders_for
    monkeypatch.setattr(judge_module, "placeholders_for", lambda tests, module, sources: real("", module, sources))


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_what_a_collection_leaves_behind_never_changes_a_verdict(any_judge, adder, gate_open, channel):
    code, found = CHANNELS[channel]
    suite = BASE + code
    each = Judge(sandbox_class=any_judge.sandbox_class, collect_once=False).grade(adder, suite, matrix=True)
    assert each.status == "SUCCESS", each.message
    assert {"name": "test_submission.py::test_channel", "valid": True} in each.to_dict()["tests"]  # it can pass

    once = any_judge.grade(adder, suite, matrix=True)

    assert comparable(once) == comparable(each)
    assert once.collection == "each"
    assert found in once.collection_note


@pytest.mark.parametrize("backend", ["local", pytest.param("docker", marks=pytest.mark.docker)])
def test_the_bank_grades_alike_either_way(request, backend):
    """Every bundled problem's reference suite: the same verdict (every test on every variant) collected
    once as collected per run, and collected once indeed."""
    if backend == "docker":
        request.getfixturevalue("judge_image")
    for path in sorted(p for p in PROBLEMS.iterdir() if (p / "problem.toml").is_file()):
        problem = load_problem(path)
        suite = (path / "reference_tests.py").read_text()
        once = Judge(sandbox_class=backend).grade(problem, suite, matrix=True)
        each = Judge(sandbox_class=backend, collect_once=False).grade(problem, suite, matrix=True)
        assert once.collection == "once", (problem.slug, once.collection_note)
        assert comparable(once) == comparable(each), problem.slug


def test_a_collection_that_calls_the_code_under_test_falls_back(local_judge, adder, gate_open):
    suite = BASE + "\nEXPECTED = add(1, 1)\n\ndef test_two():\n    assert add(1, 1) == EXPECTED\n"
    verdict = local_judge.grade(adder, suite)
    assert verdict.status == "SUCCESS"
    assert verdict.collection == "each"
    assert "the collection failed" in verdict.collection_note  # the placeholder refused to be called
    assert verdict.valid_tests == 2


def test_a_placeholder_held_where_no_run_can_rebind_it_falls_back(local_judge, adder, gate_open):
    suite = BASE + "\nFUNCTIONS = [add]\n\ndef test_listed():\n    assert FUNCTIONS[0](2, 2) == 4\n"
    verdict = local_judge.grade(adder, suite, matrix=True)
    assert verdict.collection == "each"
    assert "add is held where a run cannot rebind it (in a list)" in verdict.collection_note
    each = Judge(sandbox_class="local", collect_once=False).grade(adder, suite, matrix=True)
    assert comparable(verdict) == comparable(each)


def test_a_name_not_every_variant_defines_falls_back(local_judge, adder):
    """`from adder import helper`: collection fails against placeholders; each run then fails to import, as
    pytest does: no test passes on the golden."""
    verdict = local_judge.grade(adder, BASE.replace("import add", "import add, helper"))
    assert verdict.collection == "each"
    assert "the collection failed" in verdict.collection_note


def test_the_tests_see_each_variant_under_every_name_they_took(local_judge, adder):
    """`import adder`, `from adder import add as plus`, a fixture using the module: all rebound per run."""
    suite = """
import adder
import pytest
from adder import add as plus

@pytest.fixture
def adding():
    return adder.add

def test_module(adding):
    assert adder.add(2, 3) == 5 and adding(0, 4) == 4

def test_alias():
    assert plus(-2, 3) == 1
"""
    once, each = local_judge.grade(adder, suite, matrix=True), Judge(sandbox_class="local", collect_once=False)
    assert once.collection == "once", once.collection_note
    assert comparable(once) == comparable(each.grade(adder, suite, matrix=True))
    assert once.killed == 3
