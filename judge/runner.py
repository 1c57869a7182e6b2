"""QA Arena sandbox runner: runs one student's pytest suite against many variants.

This file runs *inside* the sandbox (the judge container, or the local backend's
process tree). It uses only the standard library and pytest, and it never decides
a verdict: it reports what happened and the trusted host decides.

Processes (all inside the sandbox):

supervisor  reads run requests (JSON lines) on stdin, writes results (JSON lines)
            on stdout, enforces the wall-clock limit and the early stop. It holds
            variant sources, but never forks a process that runs student code.
zygote      forked once at start, before any request is read; imports and warms up
            pytest so every run starts from the same, already-configured state.
            It only forks: its memory is identical before every fork, so a run
            cannot learn from it which runs came before.
run         one per variant, forked by the zygote. It reads its own variant from a
            pipe (as code the supervisor compiled: no variant's text or file reaches
            a run), enters fresh namespaces (user when not root, mount, PID, IPC,
            network, UTS), mounts empty tmpfs over /sandbox, /tmp, /dev/shm, /proc
            and /sys, drops privileges and runs pytest as PID 1 of its namespace.
            Every run sees the same paths, environment, argv, cwd, PIDs and
            sys.modules (every module any variant imports is imported first).
collector   (collect-once: requests carry `collect_once`, the names of the module
            under test the judge lets the collection bind) forked by the zygote
            once per submission; it enters namespaces as a run does, drops its
            privileges, collects the tests against placeholders and checks what the
            collection left behind. Runs are then forked from it instead: each
            enters a user namespace nested in the collector's (and the others),
            mounts fresh scratch space, executes its variant in the module the
            tests imported and rebinds the placeholders. If it cannot collect
            cleanly, every run of the submission forks from the zygote as above.

Two pipes leave a run: ``status`` (written by trusted code in the run's
intermediate process only) and ``report`` (written by the pytest plugin inside the
student's process, hence untrusted: the host schema-checks and caps it).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import errno
import gc
import importlib.util
import json
import marshal
import os
import resource
import select
import selectors
import signal
import socket
import struct
import sys
import threading
import time

PROTOCOL = 1
TESTS_FILE = "test_submission.py"
REPORT_CAP = 4 << 20  # bytes a run may write on its report pipe
MESSAGE_CAP = 300  # characters of a failure summary
PAYLOAD_CAP = 4 << 20

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 1 << 14, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 38, 4, 24
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4

_libc = ctypes.CDLL(None, use_errno=True)

FIXED_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TMPDIR": "/tmp",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
}


def pytest_args(sandbox: str) -> list[str]:
    """The same for every run; the session is configured once, in the zygote, before any run exists."""
    return [
        "-q",
        "--capture=no",  # runs write to /dev/null; nothing is captured across the fork
        "-p", "no:cacheprovider",
        "-p", "no:pastebin",
        "-p", "no:junitxml",
        "-p", "no:debugging",
        "-p", "no:faulthandler",
        "-p", "no:unraisableexception",
        "-p", "no:threadexception",
        "-p", "no:stepwise",
        "--import-mode=importlib",
        "--rootdir=" + sandbox,
        "-c", os.devnull,
        "--color=no",
        "--tb=line",  # a failure is reported by its first line: formatting its whole traceback took ~15 ms
        f"{sandbox}/{TESTS_FILE}",
    ]  # fmt: skip


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(
        _libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags, data.encode()),
        f"mount {target}",
    )


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


# ---------------------------------------------------------------- the run --


class Reporter:
    """pytest plugin writing one JSON line per event to the report pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.outcomes: dict[str, tuple[str, str]] = {}
        self.collect_failures: list[str] = []
        self.reverse = False  # run the tests in reverse order (the golden's second run, for flaky tests)

    def send(self, record: dict) -> None:
        data = (json.dumps(record) + "\n").encode()
        with contextlib.suppress(OSError):
            while data:
                data = data[os.write(self.fd, data) :]

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collect_failures.append(_summary(report))
            self.send({"t": "collect_error", "message": _summary(report)})

    def pytest_collection_modifyitems(self, items) -> None:
        if self.reverse:
            items.reverse()

    def pytest_collection_finish(self, session) -> None:
        self.send({"t": "collected", "ids": [item.nodeid for item in session.items]})

    def pytest_runtest_logreport(self, report) -> None:
        previous = self.outcomes.get(report.nodeid, ("passed", ""))
        if report.failed:
            outcome = ("failed" if report.when == "call" else "error", _summary(report))
        elif report.skipped and report.when != "teardown":
            outcome = ("skipped", "")
        else:
            outcome = ("passed", "")
        if previous[0] in ("failed", "error"):
            outcome = previous
        self.outcomes[report.nodeid] = outcome
        if report.when == "teardown":
            self.send({"t": "test", "id": report.nodeid, "outcome": outcome[0], "message": outcome[1]})


def _summary(report) -> str:
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr or "")
    first = text.strip().splitlines()[0] if text.strip() else ""
    if not first and text.strip():
        first = text.strip().splitlines()[-1]
    return first[:MESSAGE_CAP]


def _isolate(inside: int = 0) -> None:
    """Enter fresh namespaces; after this the caller must fork (new PID namespace). Without root, in a
    user namespace where the caller is `inside` (a collector is not root there: the runs it forks map
    their own namespaces onto its uid, which the kernel refuses for a root without CAP_SETFCAP)."""
    _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # writing our own uid_map needs a dumpable process
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS
    if os.geteuid() != 0:
        uid, gid = os.geteuid(), os.getegid()
        _check(_libc.unshare(CLONE_NEWUSER | flags), "unshare")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{inside} {uid} 1")
        _write("/proc/self/gid_map", f"{inside} {gid} 1")
    else:
        _check(_libc.unshare(flags), "unshare")


def _bind_into(root: str, path: str, read_only: bool = True) -> None:
    """Make host `path` appear at the same place under `root` (symlinks are copied as symlinks)."""
    target = root + path
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.islink(path):
        os.symlink(os.readlink(path), target)
        return
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        open(target, "a").close()
    _mount(path, target, None, MS_BIND | MS_REC)
    if read_only:
        _mount("none", target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _prepare_filesystem(sandbox: str, root: str, binds: list[str], tests: str, collector: bool = False) -> str:
    """Fresh tmpfs for the run's files and scratch space; with `root`, a minimal root holding only `binds`.
    No variant is a file: the module under test exists only as code (VariantLoader).

    A collector (collect-once) gets read-only scratch space and a /proc of its own: whatever its one
    collection does, it leaves no file behind for a run, and each run forked from it mounts its own
    scratch (`_fresh_scratch`); it enters its root with pivot_root, as a chroot forbids runs' user namespaces."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    os.umask(0o022)  # the directories made on the way to binds must be traversable by the run's uid
    with contextlib.suppress(OSError):
        _write("/proc/self/oom_score_adj", "1000")  # the OOM killer takes a run, never the supervisor
    base = ""
    if root:  # the local backend: nothing of the host but the interpreter, its libraries and /etc
        _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
        for path in binds:
            if os.path.lexists(path):
                _bind_into(root, path)
        for device in ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"):
            _bind_into(root, device, read_only=False)
        base = root
    src_dir = sandbox + "/src"
    for path in SCRATCH:  # before the sandbox dir, which may lie in one of them
        if base:
            os.makedirs(base + path, exist_ok=True)
        if os.path.isdir(base + path):
            _mount("tmpfs", base + path, "tmpfs", MS_NOSUID | MS_NODEV, "size=32m,mode=1777")
    if base:
        os.makedirs(base + sandbox, exist_ok=True)
    _mount("tmpfs", base + sandbox, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
    os.mkdir(base + src_dir, 0o755)
    files = {f"{sandbox}/{TESTS_FILE}": tests}
    for path, text in files.items():
        _write(base + path, text)
    epoch = 1_000_000_000  # same timestamps in every run
    for path in (src_dir, *files, sandbox):
        os.utime(base + path, (epoch, epoch))
    _mount("none", base + sandbox, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for path in SCRATCH if collector else ():
        if os.path.isdir(base + path):
            _mount("none", base + path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for path in ("/proc", "/sys"):
        if base:
            os.makedirs(base + path, exist_ok=True)
        if collector and path == "/proc":
            _own_proc(base)
        elif os.path.isdir(base + path):
            _mount("tmpfs", base + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
    if base and collector:
        _pivot_root(base)
    elif base:
        os.chroot(base)
    return src_dir


SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")
NOBODY = 65534  # the uid and gid of a run forked from a collector, in its own user namespace
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}


def _own_proc(base: str) -> None:
    """A procfs of the collector's PID namespace (it reads its own threads, children and mappings there),
    else the one it has (a container's, whose procfs cannot be mounted again)."""
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    try:
        _mount("proc", base + "/proc", "proc", flags)
    except OSError:
        if base:
            _mount("/proc", base + "/proc", None, MS_BIND | MS_REC)


def _pivot_root(base: str) -> None:
    os.chdir(base)
    _check(_libc.syscall(SYS_PIVOT_ROOT[os.uname().machine], b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", 2), "umount the old root")  # MNT_DETACH
    os.chdir("/")


def _fresh_scratch(sandbox: str) -> None:
    """In a run forked from a collector: its own empty /tmp, /var/tmp and /dev/shm (the sandbox directory,
    if it lies in one, mounted again in the new one), and no /proc."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    for path in SCRATCH:
        if not os.path.isdir(path):
            continue
        inside = sandbox.startswith(path + "/")
        kept = os.open(sandbox, os.O_PATH | os.O_DIRECTORY) if inside else -1
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=32m,mode=1777")
        if inside:
            os.makedirs(sandbox)
            _mount(f"/proc/self/fd/{kept}", sandbox, None, MS_BIND | MS_REC)
            os.close(kept)
    _mount("tmpfs", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")


def _drop_privileges(uid: int, gid: int, in_user_namespace: bool) -> None:
    """Leave the run with no capability (in a user namespace) or as an unprivileged uid (as root)."""
    if in_user_namespace:
        for cap in range(64):
            if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
                break
        _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (ctypes.c_uint32 * 6)()
        _check(_libc.capset(header, data), "capset")
    else:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _limit_resources(memory_bytes: int, file_bytes: int, processes: int) -> None:
    limits = {
        resource.RLIMIT_NPROC: processes,  # per uid: a fork bomb in one run leaves room for the others
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_FSIZE: file_bytes,
        resource.RLIMIT_NOFILE: 256,
        resource.RLIMIT_AS: memory_bytes,
    }
    for which, value in limits.items():
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (value, value))


REPORT_FD = 100  # where every run finds its report pipe (the Reporter is created before any run)


class VariantLoader:
    """Serves the module under test from compiled code: no file, no source text, nothing for linecache.

    `inspect.getsource` raises OSError, `__file__` names a path that does not exist, and the loader has
    no `get_source`: a test can run the code, not read it.
    """

    def __init__(
        self, module: str, filename: str, code: bytes | None, error: str, placeholders: list[str] | None = None
    ) -> None:
        self.module, self.filename, self.code, self.error = module, filename, code, error
        self.placeholders = {name: Placeholder(name) for name in placeholders} if placeholders is not None else None

    def find_spec(self, name, path=None, target=None):
        if name != self.module:
            return None
        return importlib.util.spec_from_loader(name, self, origin=self.filename)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        module.__file__ = self.filename
        if self.placeholders is not None:  # the one collection of a submission: no variant yet (collect_once)
            module.__dict__.update(self.placeholders)
            return
        if self.code is None:
            raise SyntaxError(self.error)
        exec(marshal.loads(self.code), module.__dict__)


def compile_variant(source: str, filename: str) -> tuple[bytes | None, str]:
    """In the supervisor: the variant as marshalled code, or why it does not compile here.

    Every position is line 1, column 0: tracebacks, `co_firstlineno` and `co_positions` tell nothing about
    where in the code a statement is (an exception's line would tell a mutant's branch apart)."""
    import ast

    try:
        tree = ast.parse(source, filename)
        for node in ast.walk(tree):
            if "lineno" in node._attributes:
                node.lineno = node.end_lineno = 1
                node.col_offset = node.end_col_offset = 0
        return marshal.dumps(compile(tree, filename, "exec", dont_inherit=True)), ""
    except (SyntaxError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:MESSAGE_CAP]


def _enter_run(payload: dict, src_dir: str, reporter: Reporter) -> None:
    """The last steps before student code: the variant's loader, the modules any variant imports (every
    run holds the same sys.modules), the run's random seed and test order."""
    import importlib
    import random

    code = bytes.fromhex(payload["code"]) if payload.get("code") else None
    loader = VariantLoader(payload["module"], f"{src_dir}/{payload['module']}.py", code, payload.get("error", ""))
    sys.meta_path.insert(0, loader)
    importlib.invalidate_caches()
    for name in payload.get("preload", []):
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    random.seed(payload.get("seed", 0))
    reporter.reverse = payload.get("order") == "reverse"


def run_variant(payload_fd: int, report_fd: int, status_fd: int, options: dict, prepared) -> None:
    """In a fresh child of the zygote: read the variant, isolate, run the prepared session. Never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        chunks = []
        while chunk := os.read(payload_fd, 1 << 16):
            chunks.append(chunk)
        os.close(payload_fd)
        payload = json.loads(b"".join(chunks))
        del chunks
        tests = payload.pop("tests")
        in_user_namespace = os.geteuid() != 0
        _isolate()
        sync_r, sync_w = os.pipe()
        pid = os.fork()
        if pid:  # intermediate: report the run's PID, then wait for it
            os.close(sync_r)
            os.close(report_fd)
            del payload, tests
            os.write(status_fd, (json.dumps({"t": "pid", "pid": pid}) + "\n").encode())
            os.close(sync_w)
            _, status = os.waitpid(pid, 0)
            record = {"t": "exit", "code": os.waitstatus_to_exitcode(status)}
            os.write(status_fd, (json.dumps(record) + "\n").encode())
            os._exit(0)
        # PID 1 of a fresh namespace, and of its own session: kill(0, ...) reaches no other run
        os.setsid()
        os.close(sync_w)
        os.read(sync_r, 1)
        os.close(sync_r)
        sandbox = options["sandbox_dir"]
        src_dir = _prepare_filesystem(sandbox, options["root_dir"], options["binds"], tests)
        del tests
        _drop_privileges(options["uid"], options["gid"], in_user_namespace)
        _limit_resources(options["memory_bytes"], options["file_bytes"], options["processes"])
        os.chdir(sandbox)
        os.dup2(report_fd, REPORT_FD)
        os.close(report_fd)
        devnull = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        sys.path.insert(0, src_dir)
        _enter_run(payload, src_dir, prepared[2])
        del payload
        os.close(status_fd)  # from here on student code runs: only the untrusted report pipe stays
        status_fd = -1
        run_session(*prepared)
        os._exit(0)
    except BaseException as exc:
        if status_fd >= 0:
            with contextlib.suppress(Exception):
                record = {"t": "setup_error", "message": f"{type(exc).__name__}: {exc}"[:MESSAGE_CAP]}
                os.write(status_fd, (json.dumps(record) + "\n").encode())
        os._exit(70)


def prepare_session(sandbox: str) -> tuple:
    """Configure pytest and start its session (plugins, fixtures, hooks): everything before collection."""
    from _pytest.config import _prepareconfig
    from _pytest.main import Session

    reporter = Reporter(REPORT_FD)
    config = _prepareconfig(pytest_args(sandbox), plugins=[reporter])
    session = Session.from_config(config)
    session.exitstatus = 0
    config._do_configure()
    config.hook.pytest_sessionstart(session=session)
    return config, session, reporter


def run_session(config, session, reporter: Reporter) -> None:
    """Collect the student's tests and run them: the part of pytest's session that differs per run."""
    from _pytest.main import _main

    with contextlib.suppress(BaseException):  # an aborted session shows as unreported tests
        session.exitstatus = _main(config, session) or 0
    reporter.send({"t": "done", "exitstatus": int(session.exitstatus)})


# -------------------------------------------------------- collect once --


class Placeholder:
    """Stands for a name of the module under test while a collector collects: no variant is known yet.

    Collection may bind it (`from module import name`); calling it fails the collection (the runs then
    collect each for themselves), and each run rebinds the names to its variant's objects."""

    __slots__ = ("name",)
    called = False

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attr: str):
        raise AttributeError(attr)

    def __call__(self, *args, **kwargs):
        Placeholder.called = True
        raise RuntimeError(f"{self.name} was called while the tests were collected")


class Collected:
    """What a collector holds: pytest's session with its items, the module under test, the test modules."""

    def __init__(self, prepared: tuple, module, loader: VariantLoader, test_modules: list) -> None:
        self.config, self.session, self.reporter = prepared
        self.module, self.loader, self.test_modules = module, loader, test_modules


def collect_once(payload: dict, src_dir: str, prepared: tuple) -> Collected | str:
    """Collect the suite against placeholders; the Collected, or why the runs must collect each (exact)."""
    import importlib
    import random

    config, session, reporter = prepared
    name = payload["module"]
    loader = VariantLoader(name, f"{src_dir}/{name}.py", None, "", placeholders=payload["collect_once"])
    sys.meta_path.insert(0, loader)
    importlib.invalidate_caches()
    for module in payload.get("preload", []):
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    random.seed(payload.get("seed", 0))
    reporter.fd = -1  # nothing to report yet: each run reports its own collection
    try:
        config.hook.pytest_collection(session=session)
    except BaseException as exc:
        return f"the collection raised {type(exc).__name__}"
    if reporter.collect_failures:
        return f"the collection failed: {reporter.collect_failures[0]}"
    if not session.items:
        return "no test was collected"
    if Placeholder.called:
        return "the collection called the code under test"
    module = sys.modules.get(name)
    if module is None or loader.placeholders is None:
        return "the tests do not import the module under test"
    test_modules = list({id(m): m for item in session.items if (m := getattr(item, "module", None))}.values())
    held = {id(module.__dict__), id(loader.placeholders)} | {id(m.__dict__) for m in test_modules}
    for placeholder in loader.placeholders.values():
        for holder in gc.get_referrers(placeholder):
            if id(holder) not in held and not isinstance(holder, type(sys._getframe())):
                return f"{placeholder.name} is held where a run cannot rebind it (in a {type(holder).__name__})"
    return Collected(prepared, module, loader, test_modules)


def leftovers(forked: set[int], fds: set[int]) -> str:
    """What collection left behind that a run forked now would share with the runs before or after it,
    or that would differ in a run: another thread, a child process, a file descriptor beyond `fds`, a
    shared memory mapping. '' when there is none."""
    for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
        if fd not in fds and fd > 2:
            with contextlib.suppress(FileNotFoundError):  # listdir's own descriptor, closed by now
                return f"an open file descriptor ({os.readlink(f'/proc/self/fd/{fd}')})"
    with open("/proc/self/status") as status:
        threads = next((line.split()[1] for line in status if line.startswith("Threads:")), "?")
    if threads != "1":
        return f"{threads} threads"
    with open("/proc/thread-self/children") as children:
        count = len(children.read().split())
    if count != len(forked):
        return f"{count - len(forked)} process(es) started by the collection"
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            path = fields[5].strip() if len(fields) > 5 else ""
            if fields[1][3] == "s" and (not _read_only_file(path) or "w" in fields[1]):
                return f"a shared memory mapping ({path or 'anonymous'})"
    return ""


def _read_only_file(path: str) -> bool:
    """A mapped file no run can write: one on the collector's read-only filesystem (a library's cache)."""
    return path.startswith("/") and not path.startswith(("/dev/", "/memfd:", "/SYSV")) and "(deleted)" not in path


def collector(sock_fd: int, payload_fd: int, status_fd: int, options: dict, prepared: tuple) -> None:
    """In a fresh child of the zygote: collect the tests once, then fork a run per request. Never returns.

    It collects as a run would (fresh namespaces, no privileges, read-only scratch space); each run it
    forks enters namespaces of its own (a user namespace nested in the collector's) and gets fresh
    scratch space; before each fork it checks `leftovers` and closes every file descriptor it was not
    given for that run."""
    sock = socket.socket(fileno=sock_fd)
    try:
        payload = _read_json(payload_fd)
        in_user_namespace = os.geteuid() != 0
        _isolate(inside=NOBODY)
        pid = os.fork()
        if pid:  # the trusted intermediate: report the collector's PID, then wait for it
            os.write(status_fd, (json.dumps({"t": "pid", "pid": pid}) + "\n").encode())
            for fd in (status_fd, sock_fd):
                os.close(fd)
            os.waitpid(pid, 0)
            os._exit(0)
        os.close(status_fd)
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # it reaps its runs itself, to count who is left
        sandbox = options["sandbox_dir"]
        src_dir = _prepare_filesystem(sandbox, options["root_dir"], options["binds"], payload["tests"], True)
        _drop_privileges(options["uid"], options["gid"], in_user_namespace)
        _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # each run writes its own user namespace's maps
        _limit_resources(options["memory_bytes"], options["file_bytes"], options["processes"])
        os.chdir(sandbox)
        devnull = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        sys.path.insert(0, src_dir)
        collected = collect_once(payload, src_dir, prepared)
        reason = collected if isinstance(collected, str) else leftovers(set(), {sock_fd})
    except BaseException as exc:
        reason = f"the collector failed: {exc!r}"
    with contextlib.suppress(OSError):
        sock.send(b"F" + reason.encode()[:MESSAGE_CAP] if reason else b"R")
    if reason:
        os._exit(0)
    del payload
    gc.collect()
    gc.freeze()
    serve_forks(sock, options, collected)


def serve_forks(sock: socket.socket, options: dict, collected: Collected) -> None:
    forked: set[int] = set()
    while True:
        msg, fds, _flags, _addr = socket.recv_fds(sock, 1, 3)
        if not msg:
            os._exit(0)
        with contextlib.suppress(ChildProcessError):
            while (done := os.waitpid(-1, os.WNOHANG)[0]) > 0:
                forked.discard(done)
        _close_fds_except({sock.fileno(), *fds})
        problem = leftovers(forked, {sock.fileno(), *fds})
        if problem:  # the collector changed after it said it was clean: nothing honest does that
            with contextlib.suppress(OSError):
                record = {"t": "setup_error", "message": f"the collected tests left {problem} behind"}
                os.write(fds[2], (json.dumps(record) + "\n").encode())
        elif (pid := os.fork()) == 0:
            sock.close()
            run_collected(fds[0], fds[1], fds[2], options, collected)
        else:
            forked.add(pid)
        for fd in fds:
            os.close(fd)


def run_collected(payload_fd: int, report_fd: int, status_fd: int, options: dict, collected: Collected) -> None:
    """In a fresh child of a collector: enter namespaces of its own, bind the variant, run the collected
    tests. Its PID reaches the supervisor through the status socket's credentials. Never returns."""
    step = "reading the variant"
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        payload = _read_json(payload_fd)
        step = "entering namespaces"
        uid, gid = os.geteuid(), os.getegid()
        flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS
        _check(_libc.unshare(flags), "unshare")
        maps = (("setgroups", "deny"), ("uid_map", f"{NOBODY} {uid} 1"), ("gid_map", f"{NOBODY} {gid} 1"))
        for name, text in maps:
            step = f"writing /proc/self/{name}"
            _write(f"/proc/self/{name}", text)
        step = "forking"
        pid = os.fork()
        if pid:
            for fd in (report_fd, status_fd):
                os.close(fd)
            os.waitpid(pid, 0)
            os._exit(0)
        os.setsid()  # PID 1 of a fresh namespace, and of its own session
        os.write(status_fd, b'{"t": "pid"}\n')  # the kernel adds who sends it, as the supervisor sees it
        step = "mounting scratch space"
        _fresh_scratch(options["sandbox_dir"])
        step = "dropping privileges"
        _drop_privileges(0, 0, True)
        os.chdir(options["sandbox_dir"])
        os.dup2(report_fd, REPORT_FD)
        os.close(report_fd)
        step = "binding the variant"
        bound = bind_variant(payload, collected)
        del payload
        os.close(status_fd)  # from here on student code runs: only the untrusted report pipe stays
        status_fd = -1
        run_items(collected, bound)
        os._exit(0)
    except BaseException as exc:
        if status_fd >= 0:
            with contextlib.suppress(Exception):
                record = {"t": "setup_error", "message": f"{step}: {type(exc).__name__}: {exc}"[:MESSAGE_CAP]}
                os.write(status_fd, (json.dumps(record) + "\n").encode())
        os._exit(70)


def bind_variant(payload: dict, collected: Collected) -> str:
    """Execute the variant in the module the tests imported and rebind what they took from it; '' or
    the error the tests' import would have raised (the run then reports it as pytest would)."""
    import random

    module, loader = collected.module, collected.loader
    random.seed(payload.get("seed", 0))
    collected.reporter.reverse = payload.get("order") == "reverse"
    for key in [key for key in module.__dict__ if not (key.startswith("__") and key.endswith("__"))]:
        del module.__dict__[key]
    loader.placeholders = None
    loader.code = bytes.fromhex(payload["code"]) if payload.get("code") else None
    loader.error = payload.get("error", "")
    try:
        loader.exec_module(module)
    except BaseException as exc:  # as importing the tests would have failed
        return f"{type(exc).__name__}: {exc}"
    for test_module in collected.test_modules:
        for key, value in list(vars(test_module).items()):
            if type(value) is Placeholder:
                if value.name not in module.__dict__:
                    return f"ImportError: cannot import name {value.name!r} from {module.__name__!r}"
                setattr(test_module, key, module.__dict__[value.name])
    return ""


def run_items(collected: Collected, import_error: str) -> None:
    """The part of pytest's session a run does after a collector collected: report, run, close."""
    session, reporter = collected.session, collected.reporter
    reporter.fd = REPORT_FD
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    if import_error:
        reporter.send({"t": "collect_error", "message": import_error[:MESSAGE_CAP]})
        reporter.send({"t": "collected", "ids": []})
        reporter.send({"t": "done", "exitstatus": 2})
        return
    if reporter.reverse:
        session.items.reverse()
    reporter.send({"t": "collected", "ids": [item.nodeid for item in session.items]})
    with contextlib.suppress(BaseException):  # an aborted session shows as unreported tests
        collected.config.hook.pytest_runtestloop(session=session)
        session.exitstatus = 1 if session.testsfailed else 0
    reporter.send({"t": "done", "exitstatus": int(session.exitstatus)})


def _read_json(fd: int) -> dict:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    return json.loads(b"".join(chunks))


# ------------------------------------------------------------- the zygote --


def warm_up_pytest() -> None:
    """Import pytest and its built-in plugins once, so that each fork starts warm."""
    import importlib

    import _pytest.config
    import pytest  # noqa: F401

    for name in _pytest.config.default_plugins:
        with contextlib.suppress(ImportError):
            importlib.import_module(f"_pytest.{name}")
    for extra in (
        "_pytest.assertion.rewrite",
        "_pytest.python_api",
        "_pytest.raises",
        "unittest.mock",
        "decimal",
        "fractions",
        "datetime",
        "re",
        "math",
        "collections",
        "string",
    ):
        with contextlib.suppress(ImportError):
            importlib.import_module(extra)


def zygote(sock: socket.socket, options: dict) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # runs are reaped by the kernel
    os.environ.clear()
    os.environ.update(FIXED_ENV)
    sys.argv = ["pytest"]
    sys.dont_write_bytecode = True
    warm_up_pytest()
    prepared = prepare_session(options["sandbox_dir"])
    gc.collect()
    gc.freeze()  # forked runs share these pages instead of copying them on the first collection
    import pytest

    sock.send(b"R" + pytest.__version__.encode())  # the supervisor need not import pytest to say which
    while True:
        msg, fds, _flags, _addr = socket.recv_fds(sock, 1, 3)
        if not msg:
            os._exit(0)
        if os.fork() == 0:
            sock.close()
            _close_fds_except(set(fds))
            if msg == b"C":
                collector(fds[0], fds[1], fds[2], options, prepared)
            run_variant(fds[0], fds[1], fds[2], options, prepared)
        for fd in fds:
            os.close(fd)


# ---------------------------------------------------------- the supervisor --


def _lines(buf: bytearray, start: int) -> tuple[list[dict], int]:
    """Parse the complete JSON lines of buf from offset start; return them and the new offset."""
    records = []
    while (newline := buf.find(b"\n", start)) >= 0:
        with contextlib.suppress(ValueError):
            rec = json.loads(buf[start:newline])
            if isinstance(rec, dict):
                records.append(rec)
        start = newline + 1
    return records, start


class Run:
    """One variant's run as the supervisor sees it: two pipes, a deadline, a kill switch."""

    def __init__(self, request: dict) -> None:
        self.id = str(request["run"])
        self.timeout = float(request.get("timeout_s", 5))
        stop_on = request.get("stop_on")
        self.awaits_policy = stop_on == "later"  # the policy comes once the correct variants are done
        self.stop_on = set(stop_on) if isinstance(stop_on, list) else None
        self.started = time.monotonic()
        self.pid: int | None = None
        self.buffers = {"report": bytearray(), "status": bytearray()}
        self.scanned = {"report": 0, "status": 0}
        self.records: dict[str, list[dict]] = {"report": [], "status": []}
        self.open_pipes = 2
        self.timed_out = self.stopped_early = self.truncated = self.killed = False
        self.collection, self.collection_note = "each", ""  # "once": forked from the submission's collector

    def kill(self) -> None:
        if self.pid and not self.killed:
            self.killed = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def feed(self, kind: str, chunk: bytes) -> None:
        buf = self.buffers[kind]
        if len(buf) + len(chunk) > (REPORT_CAP if kind == "report" else 4096):
            self.truncated = True
            self.kill()
            return
        buf.extend(chunk)
        new, self.scanned[kind] = _lines(buf, self.scanned[kind])
        self.records[kind].extend(new)
        if kind == "status" and self.pid is None and self.records["status"]:
            first = self.records["status"][0]
            if first.get("t") == "pid" and isinstance(first.get("pid"), int):
                self.pid = first["pid"]
        if kind == "report":
            self.check_stop(new)

    def check_stop(self, records: list[dict]) -> None:
        if self.stop_on is None:
            return
        for rec in records:
            failed = rec.get("t") == "test" and rec.get("outcome") not in ("passed", "skipped")
            if failed and rec.get("id") in self.stop_on and not self.killed:
                self.stopped_early = True
                self.kill()

    def apply_policy(self, stop_on: list[str]) -> None:
        if self.awaits_policy:
            self.awaits_policy = False
            self.stop_on = set(stop_on)
            self.check_stop(self.records["report"])

    def result(self) -> dict:
        status = {rec.get("t"): rec for rec in self.records["status"]}
        return {
            "event": "result",
            "run": self.id,
            "records": self.records["report"],
            "exit_code": status.get("exit", {}).get("code"),
            "setup_error": status.get("setup_error", {}).get("message"),
            "timed_out": self.timed_out,
            "stopped_early": self.stopped_early,
            "truncated": self.truncated,
            "duration_s": round(time.monotonic() - self.started, 4),
            "collection": self.collection,
            "collection_note": self.collection_note,
        }


class Supervisor:
    """Serve run requests from stdin, at most ``workers`` runs at a time."""

    def __init__(self, workers: int, zygote_sock: socket.socket, sandbox_dir: str) -> None:
        self.workers = workers
        self.sandbox_dir = sandbox_dir
        self.zygote = zygote_sock
        self.queue: list[dict] = []
        self.pipes: dict[int, tuple[Run, str]] = {}
        self.runs: list[Run] = []
        self.sel = selectors.DefaultSelector()
        self.stdin = bytearray()
        self.stdin_open = True
        self.policy: list[str] | None = None
        self.sockets: dict[int, socket.socket] = {}  # status sockets of runs forked by the collector
        self.collector: socket.socket | None = None
        self.collector_pid: int | None = None
        self.collected: tuple | None = None  # what the collector collected: tests, module, preload, names
        self.collection_note: str | None = None  # None: no collector asked for yet

    @staticmethod
    def emit(record: dict) -> None:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()

    def start_run(self, request: dict) -> None:
        run = Run(request)
        if self.policy is not None:
            run.apply_policy(self.policy)
        code, error = compile_variant(request["variant"], f"{self.sandbox_dir}/src/{request['module']}.py")
        variant = {"code": code.hex() if code else "", "error": error, "seed": request.get("seed", 0),
                   "order": request.get("order", "normal")}  # fmt: skip
        if request.get("collect_once") is not None and self.collection_note is None:
            self.start_collector(request)
        payload_r, payload_w = os.pipe()
        report_r, report_w = os.pipe()
        if self.collector is not None and _collection_key(request) == self.collected:
            run.collection = "once"
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            status_r, status_w = ours.fileno(), theirs.fileno()
            self.sockets[status_r] = ours
            target = self.collector
        else:
            variant |= {"module": request["module"], "tests": request["tests"], "preload": request.get("preload", [])}
            status_r, status_w = os.pipe()
            target, theirs = self.zygote, None
        run.collection_note = self.collection_note or ""
        try:
            socket.send_fds(target, [b"F"], [payload_r, report_w, status_w])
        except OSError as exc:  # the collector is gone: this run cannot run as the others did
            run.records["status"].append({"t": "setup_error", "message": f"the collector is gone: {exc}"})
        for fd in (payload_r, report_w):
            os.close(fd)
        theirs.close() if theirs is not None else os.close(status_w)
        threading.Thread(target=_write_all, args=(payload_w, json.dumps(variant).encode()), daemon=True).start()
        for fd, kind in ((report_r, "report"), (status_r, "status")):
            os.set_blocking(fd, False)
            self.pipes[fd] = (run, kind)
            self.sel.register(fd, selectors.EVENT_READ)
        self.runs.append(run)

    def start_collector(self, request: dict) -> None:
        """Have the zygote start a collector for this submission's tests; wait for it to collect.
        If it cannot (its reason is kept for every result), runs collect each for themselves."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        payload_r, payload_w = os.pipe()
        status_r, status_w = os.pipe()
        socket.send_fds(self.zygote, [b"C"], [theirs.fileno(), payload_r, status_w])
        theirs.close()
        os.close(payload_r)
        os.close(status_w)
        payload = {key: request.get(key) for key in ("tests", "module", "preload", "seed", "collect_once")}
        threading.Thread(target=_write_all, args=(payload_w, json.dumps(payload).encode()), daemon=True).start()
        deadline = time.monotonic() + float(request.get("timeout_s", 5)) + 5
        status = bytearray()
        while b"\n" not in status and time.monotonic() < deadline:
            if select.select([status_r], [], [], max(deadline - time.monotonic(), 0))[0]:
                chunk = os.read(status_r, 4096)
                if not chunk:
                    break
                status.extend(chunk)
        os.close(status_r)
        records, _ = _lines(status, 0)
        pid = records[0].get("pid") if records and records[0].get("t") == "pid" else None
        self.collector_pid = pid if isinstance(pid, int) else None
        answer = b""
        if select.select([ours], [], [], max(deadline - time.monotonic(), 0))[0]:
            with contextlib.suppress(OSError):
                answer = ours.recv(4096)
        if answer == b"R":
            self.collector, self.collected, self.collection_note = ours, _collection_key(request), ""
            return
        reason = answer[1:].decode(errors="replace") if answer.startswith(b"F") else "the collector did not answer"
        self.collection_note = reason or "the collector stopped"
        ours.close()
        self.stop_collector()

    def stop_collector(self) -> None:
        if self.collector_pid:  # PID 1 of its namespace: every run forked from it ends too
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.collector_pid, signal.SIGKILL)
            self.collector_pid = None

    def on_pipe(self, fd: int) -> None:
        run, kind = self.pipes[fd]
        try:
            if fd in self.sockets:
                chunk, sender = _receive_with_sender(self.sockets[fd])
                if sender and run.pid is None and chunk.startswith(b'{"t": "pid"}'):
                    run.pid = sender
            else:
                chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        if chunk:
            run.feed(kind, chunk)
            if not run.truncated:
                return
        self.close_pipe(fd)
        if kind == "report":
            run.kill()  # pytest is done or the run died: end the whole namespace
        if run.open_pipes == 0:
            self.finish(run)

    def close_pipe(self, fd: int) -> None:
        run, _ = self.pipes.pop(fd)
        self.sel.unregister(fd)
        self.sockets.pop(fd).close() if fd in self.sockets else os.close(fd)
        run.open_pipes -= 1

    def finish(self, run: Run) -> None:
        for fd in [fd for fd, (r, _) in self.pipes.items() if r is run]:
            self.close_pipe(fd)
        self.runs.remove(run)
        self.emit(run.result())

    def on_stdin(self) -> None:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            self.close_stdin()
            return
        self.stdin.extend(chunk)
        if len(self.stdin) > PAYLOAD_CAP and b"\n" not in self.stdin:
            self.emit({"event": "error", "message": "request too large"})
            self.stdin.clear()
        requests, used = _lines(self.stdin, 0)
        del self.stdin[:used]
        for request in requests:
            if request.get("op") == "exit":
                self.close_stdin()
            elif request.get("op") == "stop_on" and isinstance(request.get("tests"), list):
                self.policy = [t for t in request["tests"] if isinstance(t, str)]
                for run in self.runs:
                    run.apply_policy(self.policy)
            elif request.get("op") == "run" and _well_formed(request):
                self.queue.append(request)
            else:
                self.emit({"event": "error", "message": "malformed request"})

    def close_stdin(self) -> None:
        if self.stdin_open:
            self.stdin_open = False
            self.sel.unregister(0)

    def check_deadlines(self) -> float | None:
        now, wait = time.monotonic(), None
        for run in list(self.runs):
            remaining = run.started + run.timeout - now
            if remaining <= 0 and not run.killed:
                run.timed_out = True
                run.kill()
            if remaining < -5:  # a run that cannot be killed or never reported its PID
                run.timed_out = True
                self.finish(run)
                continue
            wait = remaining if wait is None else min(wait, remaining)
        return None if wait is None else max(wait, 0.02)

    def serve(self) -> None:
        self.sel.register(0, selectors.EVENT_READ)
        while self.stdin_open or self.queue or self.runs:
            while self.queue and len(self.runs) < self.workers:
                self.start_run(self.queue.pop(0))
            for key, _ in self.sel.select(self.check_deadlines()):
                if key.fd == 0:
                    self.on_stdin()
                elif key.fd in self.pipes:
                    self.on_pipe(key.fd)
        self.stop_collector()


def _well_formed(request: dict) -> bool:
    """A run request: strings, and optionally preload (module names), seed (an int), order, and
    collect_once (the names of the module under test that the collection may bind)."""
    preload, names = request.get("preload", []), request.get("collect_once", [])
    return (
        all(isinstance(request.get(k), str) for k in ("run", "module", "variant", "tests"))
        and all(isinstance(value, list) and all(isinstance(n, str) for n in value) for value in (preload, names))
        and type(request.get("seed", 0)) is int
        and request.get("order", "normal") in ("normal", "reverse")
    )


def _collection_key(request: dict) -> tuple:
    """Runs share a collection when they share what it depends on."""
    names = request.get("collect_once")
    return (request["tests"], request["module"], tuple(request.get("preload", [])), tuple(names or ()))


def _receive_with_sender(sock: socket.socket) -> tuple[bytes, int | None]:
    """A message and the PID of the process that sent it, as the kernel says (SO_PASSCRED)."""
    data, ancillary, _flags, _addr = sock.recvmsg(1 << 16, socket.CMSG_SPACE(12))
    for level, kind, value in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(value) >= 12:
            return data, struct.unpack("iII", value[:12])[0]
    return data, None


def _write_all(fd: int, data: bytes) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
    finally:
        os.close(fd)


def _close_fds_except(keep: set[int]) -> None:
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def probe_isolation() -> str:
    """Return how runs will be isolated, by trying it in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        try:
            _isolate()
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return "none"
    return "root" if os.geteuid() == 0 else "userns"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--uid", type=int, default=65534, help="uid of runs when started as root")
    parser.add_argument("--gid", type=int, default=65534)
    parser.add_argument("--memory-bytes", type=int, default=256 << 20, help="address space of a run")
    parser.add_argument("--processes", type=int, default=48, help="RLIMIT_NPROC of a run")
    parser.add_argument("--file-bytes", type=int, default=8 << 20)
    parser.add_argument(
        "--sandbox-dir", default="/sandbox", help="an empty directory; each run mounts its own tmpfs there"
    )
    parser.add_argument("--root-dir", default="", help="an empty directory: runs get a minimal root built there")
    parser.add_argument("--bind", action="append", default=[], help="with --root-dir: a host path runs can read")
    parser.add_argument("--cgroup", action="append", default=[], help="cgroup.procs files to join first")
    args = parser.parse_args(argv)
    for procs in args.cgroup:
        _write(procs, str(os.getpid()))
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    isolation = probe_isolation()
    if isolation == "none":
        print(
            json.dumps({"event": "fatal", "message": "cannot create namespaces for runs (unshare refused)"}), flush=True
        )
        sys.exit(3)
    options = {
        "sandbox_dir": args.sandbox_dir,
        "root_dir": args.root_dir,
        "binds": args.bind,
        "uid": args.uid,
        "gid": args.gid,
        "memory_bytes": args.memory_bytes,
        "file_bytes": args.file_bytes,
        "processes": args.processes,
    }
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.fork() == 0:
        ours.close()
        _close_fds_except({theirs.fileno()})
        devnull = os.open("/dev/null", os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.close(devnull)
        zygote(theirs, options)
    theirs.close()
    ready = ours.recv(64)
    if not ready.startswith(b"R"):
        print(json.dumps({"event": "fatal", "message": "the zygote failed to start"}), flush=True)
        sys.exit(3)
    print(
        json.dumps(
            {
                "event": "ready",
                "protocol": PROTOCOL,
                "isolation": isolation,
                "pytest": ready[1:].decode(errors="replace"),
                "python": sys.version.split()[0],
            }
        ),
        flush=True,
    )
    Supervisor(args.workers, ours, args.sandbox_dir).serve()


if __name__ == "__main__":
    main()
