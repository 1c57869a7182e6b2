"""The pytest side of a run: one configured session, the variant served as code, the report plugin.

Part of the sandbox runner (runner.py): the standard library and pytest (imported by the zygote, never by
the supervisor), nothing of QA Arena.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import marshal
import os
import signal
import sys

from runner_isolation import (
    TESTS_FILE,
    drop_privileges,
    isolate,
    limit_resources,
    prepare_filesystem,
)

MESSAGE_CAP = 300  # characters of a failure summary
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


REPORT_FD = 100  # where every run finds its report pipe (the Reporter is created before any run)


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
        isolate()
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
        src_dir = prepare_filesystem(sandbox, options["root_dir"], options["binds"], tests)
        del tests
        drop_privileges(options["uid"], options["gid"], in_user_namespace)
        limit_resources(options["memory_bytes"], options["file_bytes"], options["processes"])
        os.chdir(sandbox)
        os.dup2(report_fd, REPORT_FD)
        os.close(report_fd)
        silence_std_streams()
        sys.path.insert(0, src_dir)
        _enter_run(payload, src_dir, prepared[2])
        del payload
        os.close(status_fd)  # from here on student code runs: only the untrusted report pipe stays
        status_fd = -1
        run_session(*prepared)
        os._exit(0)
    except BaseException as exc:
        if status_fd >= 0:
            report_setup_error(status_fd, f"{type(exc).__name__}: {exc}")
        os._exit(70)


def silence_std_streams() -> None:
    """Standard input, output and error from /dev/null: nothing a run prints goes anywhere."""
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def report_setup_error(status_fd: int, message: str) -> None:
    """Say on a run's trusted status channel why it could not be set up (the verdict becomes ERROR)."""
    with contextlib.suppress(Exception):
        record = {"t": "setup_error", "message": message[:MESSAGE_CAP]}
        os.write(status_fd, (json.dumps(record) + "\n").encode())


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


def read_json(fd: int) -> dict:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    return json.loads(b"".join(chunks))


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
