"""Collect once, run many: a submission's suite collected once, every run forked from that collection.

Part of the sandbox runner (runner.py describes the processes). Exact or not at all: whatever the
collection could leave to a run (or take from one) makes the runs collect each for themselves.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import socket
import sys

from runner_isolation import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    NOBODY,
    PR_SET_DUMPABLE,
    check_call,
    close_fds_except,
    drop_privileges,
    fresh_scratch,
    isolate,
    libc,
    limit_resources,
    prepare_filesystem,
    write_file,
)
from runner_pytest import (
    MESSAGE_CAP,
    REPORT_FD,
    Placeholder,
    VariantLoader,
    read_json,
    report_setup_error,
    silence_std_streams,
)


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
        payload = read_json(payload_fd)
        in_user_namespace = os.geteuid() != 0
        isolate(inside=NOBODY)
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
        src_dir = prepare_filesystem(sandbox, options["root_dir"], options["binds"], payload["tests"], True)
        drop_privileges(options["uid"], options["gid"], in_user_namespace)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # each run writes its own user namespace's maps
        limit_resources(options["memory_bytes"], options["file_bytes"], None)
        os.chdir(sandbox)
        silence_std_streams()  # the runs forked from it inherit this
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
        close_fds_except({sock.fileno(), *fds})
        problem = leftovers(forked, {sock.fileno(), *fds})
        if problem:  # the collector changed after it said it was clean: nothing honest does that
            problem = f"the collection left {problem} behind"
        try:
            pid = -1 if problem else os.fork()
        except OSError as exc:  # the sandbox's process limit, reached by runs still alive
            problem = f"no process for the run: {exc}"
        if problem:
            report_setup_error(fds[2], problem)
        elif pid == 0:
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
        payload = read_json(payload_fd)
        step = "entering namespaces"
        uid, gid = os.geteuid(), os.getegid()
        flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS
        check_call(libc.unshare(flags), "unshare")
        maps = (("setgroups", "deny"), ("uid_map", f"{NOBODY} {uid} 1"), ("gid_map", f"{NOBODY} {gid} 1"))
        for name, text in maps:
            step = f"writing /proc/self/{name}"
            write_file(f"/proc/self/{name}", text)
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
        fresh_scratch(options["sandbox_dir"])
        step = "dropping privileges"
        drop_privileges(0, 0, True)
        limit_resources(options["memory_bytes"], options["file_bytes"], options["processes"])
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
            report_setup_error(status_fd, f"{step}: {type(exc).__name__}: {exc}")
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
