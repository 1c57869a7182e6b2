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

Modules (beside this file, the standard library and pytest only): runner_isolation (namespaces,
mounts, privileges, limits), runner_pytest (the session, the variant served as code, the report
plugin, the run), runner_once (the collector and the runs forked from it); this file holds the zygote
and the supervisor.

Two pipes leave a run: ``status`` (written by trusted code in the run's
intermediate process only) and ``report`` (written by the pytest plugin inside the
student's process, hence untrusted: the host schema-checks and caps it).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import json
import os
import select
import selectors
import signal
import socket
import struct
import sys
import threading
import time

from runner_isolation import PR_SET_DUMPABLE, close_fds_except, libc, probe_isolation, write_file
from runner_once import collector
from runner_pytest import FIXED_ENV, compile_variant, prepare_session, run_variant, warm_up_pytest

PROTOCOL = 1
REPORT_CAP = 4 << 20  # bytes a run may write on its report pipe
PAYLOAD_CAP = 4 << 20


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
            close_fds_except(set(fds))
            if msg == b"C":
                collector(fds[0], fds[1], fds[2], options, prepared)
            run_variant(fds[0], fds[1], fds[2], options, prepared)
        for fd in fds:
            os.close(fd)


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
        if theirs is not None:
            theirs.close()
        else:
            os.close(status_w)
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
        write_file(procs, str(os.getpid()))
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
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
        close_fds_except({theirs.fileno()})
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
