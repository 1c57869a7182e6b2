"""The sandbox extension point: where the runner (judge/runner.py) runs, and how we talk to it.

A sandbox starts one runner process, isolated from the grader, and carries the
runner's line protocol: run requests in, run results out. The runner itself puts
every variant's run in fresh namespaces; the sandbox adds the outer wall
(a locked-down container, or an unprivileged, cgroup-limited process tree).

Subclasses implement (as with an ABC, a subclass lacking one cannot be instantiated):

- ``_launch()``: start the runner; return None, or the ready event if the runner was started earlier.
- ``_write(data)``: send bytes to the runner's stdin.
- ``_read(timeout)``: return the next bytes of the runner's stdout (b"" at EOF);
  raise TimeoutError when nothing came within ``timeout`` seconds.
- ``_terminate()``: stop the runner and remove everything the sandbox created,
  also after an error; must be safe to call twice.

and may implement ``diagnostics()``: what the runner said on its stderr (the end of it, a few KiB),
added to every error about the runner dying or failing to start.
"""

from __future__ import annotations

import inspect
import json
import time
from abc import abstractmethod
from pathlib import Path

from traitlets import Float, Int
from traitlets.config import LoggingConfigurable

from qa_arena.grading import paths

STDERR_CAP = 4096  # characters of the runner's stderr kept for an error message


class SandboxError(RuntimeError):
    """The sandbox could not be used (infrastructure, not the student's code)."""


class Sandbox(LoggingConfigurable):
    """One isolated runner, used for one submission and then thrown away."""

    workers = Int(
        2,
        config=True,
        help="Variant runs executed at the same time inside the sandbox (default 2: both cores of a small machine).",
    )
    memory_limit = Int(
        768 * 1024 * 1024,
        config=True,
        help="Memory for the whole sandbox, in bytes; a run over it fails (its tests do not pass).",
    )
    run_memory_limit = Int(
        256 * 1024 * 1024,
        config=True,
        help="Address space of one run (RLIMIT_AS), in bytes: a memory bomb gets MemoryError. "
        "Keep workers x this below memory_limit.",
    )
    run_process_limit = Int(
        48,
        config=True,
        help="Processes and threads of the sandbox's run user (RLIMIT_NPROC), counted across runs; "
        "keep it below pids_limit so the runner can always start the next run.",
    )
    pids_limit = Int(128, config=True, help="Processes and threads in the whole sandbox (fork bombs stop here).")
    file_size_limit = Int(8 * 1024 * 1024, config=True, help="Largest file a run may write, in bytes.")
    start_timeout = Float(30.0, config=True, help="Seconds to wait for the runner to say it is ready.")

    ready: dict | None = None

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._buffer = bytearray()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        _declare_abstract_methods(cls)

    # -- to implement ------------------------------------------------------
    @abstractmethod
    def _launch(self) -> dict | None: ...

    @abstractmethod
    def _write(self, data: bytes) -> None: ...

    @abstractmethod
    def _read(self, timeout: float) -> bytes: ...

    @abstractmethod
    def _terminate(self) -> None: ...

    def diagnostics(self) -> str:
        """The end of the runner's own stderr, when the backend keeps it; '' otherwise."""
        return ""

    # -- shared ------------------------------------------------------------
    def runner_died(self, what: str) -> SandboxError:
        """An error about the runner dying, with what it said on its way out."""
        said = self.diagnostics().strip()
        return SandboxError(f"{what}; the runner said: {said}" if said else what)

    def runner_args(self) -> list[str]:
        return [
            f"--workers={self.workers}",
            f"--memory-bytes={self.run_memory_limit}",
            f"--file-bytes={self.file_size_limit}",
            f"--processes={self.run_process_limit}",
        ]

    @staticmethod
    def runner_source() -> Path:
        return paths.judge_dir() / "runner.py"

    def start(self) -> dict:
        """Start the runner and wait for its ready line; return it."""
        try:
            ready = self._launch() or self.await_ready()
        except Exception:
            self.stop()
            raise
        self.ready = ready
        return ready

    def await_ready(self) -> dict:
        event = self.receive(self.start_timeout)
        if event.get("event") != "ready":
            raise self.runner_died(f"sandbox runner did not start: {event.get('message') or event}")
        return event

    def send(self, request: dict) -> None:
        try:
            self._write((json.dumps(request) + "\n").encode())
        except OSError as exc:
            raise SandboxError(f"the sandbox runner stopped accepting work: {exc}") from exc

    def receive(self, timeout: float) -> dict:
        """The runner's next event; SandboxError if it ends, talks nonsense or stays silent."""
        deadline = time.monotonic() + timeout
        while (newline := self._buffer.find(b"\n")) < 0:
            if len(self._buffer) > 64 * 1024 * 1024:
                raise SandboxError("the sandbox runner sent an oversized line")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SandboxError(f"the sandbox runner said nothing for {timeout:.0f} s")
            try:
                chunk = self._read(remaining)
            except TimeoutError:
                continue
            if not chunk:
                raise self.runner_died("the sandbox runner exited unexpectedly")
            self._buffer.extend(chunk)
        line = bytes(self._buffer[:newline])
        del self._buffer[: newline + 1]
        try:
            event = json.loads(line)
        except ValueError as exc:
            raise SandboxError("the sandbox runner sent a line that is not JSON") from exc
        if not isinstance(event, dict):
            raise SandboxError("the sandbox runner sent a line that is not an object")
        return event

    def stop(self) -> None:
        try:
            self._terminate()
        except Exception:  # cleanup must not hide the original error
            self.log.exception("failed to clean up sandbox")

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _declare_abstract_methods(cls: type) -> None:
    """Do what ABCMeta does when it makes a class (traitlets' metaclass is not ABCMeta, so @abstractmethod alone is
    not enforced): name the methods still abstract in `__abstractmethods__`. Python itself then refuses to
    instantiate the class, with a TypeError naming them, as for an ABC."""
    cls.__abstractmethods__ = frozenset(
        name for name in dir(cls) if getattr(inspect.getattr_static(cls, name, None), "__isabstractmethod__", False)
    )


_declare_abstract_methods(Sandbox)
