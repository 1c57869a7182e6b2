"""The judge: grade one pytest suite against a problem's correct variants and mutants.

Runs go to one sandbox per submission. The correct variants run first (in random
order) to learn which tests are valid; then every mutant runs the same suite, and
the runner stops a mutant's run at its first failing valid test (unless a full
test x mutant matrix is asked for). Runs cannot tell which kind of variant they
test: the runner gives each the same paths, environment and PIDs, the early
stop is enforced from outside the run, and every variant is a rewrite seeded per
submission (presentation.py), among twins of the golden.
"""

from __future__ import annotations

import os
import random
import secrets
import time
import uuid
from pathlib import Path

from traitlets import Bool, Float, Unicode, validate
from traitlets.config import LoggingConfigurable

from qa_arena.grading.collection import placeholders_for
from qa_arena.grading.paths import user_cache_dir
from qa_arena.grading.presentation import PlannedRun, preload_modules, present
from qa_arena.grading.problem import Problem, problem_fingerprint
from qa_arena.grading.rewrite import derive_seed
from qa_arena.grading.runs import RunOutcome, parse_result
from qa_arena.grading.sandbox import Sandbox, SandboxError, docker_available, resolve_sandbox_class
from qa_arena.grading.verdict import Verdict, decide, error_verdict, test_validity

INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (SandboxError, OSError)


class Judge(LoggingConfigurable):
    """Grades test suites. Configure with c.Judge.* in qa_arena_config.py."""

    sandbox_class = Unicode(
        "auto",
        config=True,
        help="Sandbox backend: 'docker', 'local', 'auto' (docker when an engine answers, else local) "
        "or a dotted path to a Sandbox subclass.",
    )
    base_score = Float(30.0, config=True, help="Score of a valid suite that kills no mutant.")
    kill_score = Float(70.0, config=True, help="Points added for killing every mutant (scaled by kill ratio).")
    shuffle = Bool(True, config=True, help="Run variants of each kind in random order.")
    event_slack_s = Float(20.0, config=True, help="Seconds beyond a run's own limit to wait for its result.")
    rewrite_secret = Unicode(
        "",
        config=True,
        help="The key that seeds the rewrites of variants (QA_ARENA_REWRITE_SECRET): give every worker the same "
        "one, so that a submission is graded alike everywhere. Empty: a key kept in rewrite_secret_file.",
    )
    collect_once = Bool(
        True,
        config=True,
        help="Collect a suite once per submission and fork every run from there, when its top level is data "
        "(collection.py); False: every run collects for itself. Verdicts are the same either way.",
    )
    rewrite_secret_file = Unicode(
        "", config=True, help="Where the key is kept when rewrite_secret is empty (default: the user's cache)."
    )

    @validate("sandbox_class")
    def _check_sandbox(self, proposal):
        if proposal.value != "auto":
            resolve_sandbox_class(proposal.value)
        return proposal.value

    def backend_name(self) -> str:
        if self.sandbox_class == "auto":
            return "docker" if docker_available() else "local"
        return self.sandbox_class

    def make_sandbox(self) -> Sandbox:
        return resolve_sandbox_class(self.backend_name())(parent=self)

    def grade(self, problem: Problem, tests_source: str, matrix: bool = False) -> Verdict:
        """Grade a suite; never raises for infrastructure trouble: that is an ERROR verdict."""
        started = time.monotonic()
        try:
            sandbox = self.make_sandbox()
        except Exception as exc:  # an unusable backend is an infrastructure error too
            return error_verdict(problem, f"no sandbox: {exc}")
        fingerprint = None
        try:
            # read once: the runs get exactly the sources the verdict's fingerprint names
            sources = {variant: variant.source for variant in problem.variants}
            fingerprint = problem_fingerprint(problem, sources)
            plan = present(problem, sources, tests_source, self.problem_key(problem, fingerprint), self.log)
            sandbox.start()
            tokens: dict[str, str] = {}  # run token -> run key; a token says nothing about its variant
            once, note = self._placeholders(problem, tests_source, plan.correct + plan.mutants)
            request = {"tests": tests_source, "preload": list(plan.preload), "collect_once": once}
            self._submit(sandbox, problem, plan.correct, request, None, tokens)
            later = None if matrix else "later"
            self._submit(sandbox, problem, plan.mutants, request, later, tokens)
            results = self._collect(sandbox, problem, plan.correct, tokens, {})
            correct = {run.key: results[run.key] for run in plan.correct}
            tests, invalid = test_validity(problem, correct, plan.twins)
            valid = [t for t in tests if t not in invalid]
            mutants: dict[str, RunOutcome] = {}
            if valid:  # the early stop: a mutant's run ends at its first failing valid test
                sandbox.send({"op": "stop_on", "tests": valid})
                results = self._collect(sandbox, problem, plan.mutants, tokens, results)
                mutants = {m.id: results[m.id] for m in problem.mutants}
            verdict = decide(problem, correct, mutants, self.base_score, self.kill_score, plan.twins)
            verdict.collection, verdict.collection_note = _collection([*correct.values(), *mutants.values()], note)
        except INFRASTRUCTURE_ERRORS as exc:
            self.log.warning("grading %s failed: %s", problem.slug, exc)
            verdict = error_verdict(problem, f"the grader could not grade: {exc}")
        except Exception as exc:  # e.g. the docker SDK's own errors
            self.log.exception("grading %s failed", problem.slug)
            verdict = error_verdict(problem, f"the grader could not grade: {type(exc).__name__}: {exc}")
        finally:
            sandbox.stop()
        verdict.duration_s = time.monotonic() - started
        verdict.problem_sha256 = fingerprint  # which version of the problem this is about (None: not read)
        return verdict

    def run_all(self, problem: Problem, tests_source: str, runs: tuple[PlannedRun, ...]) -> dict[str, RunOutcome]:
        """Every planned run of `tests_source`, in full, in one sandbox (validation: no early stop, no verdict).
        Raises SandboxError (or OSError) when the sandbox cannot be used."""
        sandbox = self.make_sandbox()
        try:
            sandbox.start()
            preload = preload_modules(problem, {v: v.source for v in problem.variants})
            once, _ = self._placeholders(problem, tests_source, runs)
            request = {"tests": tests_source, "preload": list(preload), "collect_once": once}
            tokens: dict[str, str] = {}
            self._submit(sandbox, problem, runs, request, None, tokens)
            return self._collect(sandbox, problem, runs, tokens, {})
        finally:
            sandbox.stop()

    def _placeholders(
        self, problem: Problem, tests_source: str, runs: tuple[PlannedRun, ...]
    ) -> tuple[list[str] | None, str]:
        if not self.collect_once:
            return None, "collect-once is off (Judge.collect_once)"
        return placeholders_for(tests_source, problem.module, {run.source for run in runs})

    def problem_key(self, problem: Problem, fingerprint: str) -> bytes:
        """The problem's secret: its rewrites cannot be computed from its (leaked) directory."""
        return derive_seed(self._secret(), "problem", problem.slug, fingerprint)

    def _secret(self) -> bytes:
        if self.rewrite_secret:
            return self.rewrite_secret.encode()
        path = Path(self.rewrite_secret_file or user_cache_dir() / "rewrite-secret")
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(key)
        try:  # in place whole or not at all: two workers starting at once keep the first one's key
            os.link(partial, path)
        except FileExistsError:
            key = path.read_bytes()
        finally:
            partial.unlink(missing_ok=True)
        return key

    def _submit(
        self,
        sandbox: Sandbox,
        problem: Problem,
        runs: tuple[PlannedRun, ...],
        shared: dict,
        stop_on: str | None,
        tokens: dict[str, str],
    ) -> None:
        """Queue one run per planned run ('later': the early-stop policy follows once validity is known);
        `shared`: what every run of the submission gets (tests, preload, collect_once)."""
        order = list(runs)
        if self.shuffle:
            random.SystemRandom().shuffle(order)
        for run in order:
            token = uuid.uuid4().hex
            tokens[token] = run.key
            request = {
                "op": "run",
                "run": token,
                "module": problem.module,
                "variant": run.source,
                "timeout_s": problem.timeout_s,
                "stop_on": stop_on,
                "seed": run.seed,
                "order": run.order,
            }
            sandbox.send(request | {key: value for key, value in shared.items() if value is not None})

    def _collect(
        self,
        sandbox: Sandbox,
        problem: Problem,
        wanted: tuple[PlannedRun, ...],
        tokens: dict[str, str],
        results: dict[str, RunOutcome],
    ) -> dict[str, RunOutcome]:
        """Receive results until every wanted run has one (others that arrive meanwhile are kept too)."""
        while any(run.key not in results for run in wanted):
            event = sandbox.receive(problem.timeout_s + self.event_slack_s)
            if event.get("event") == "error":
                raise SandboxError(f"the runner refused a request: {event.get('message')}")
            key = tokens.pop(str(event.get("run")), None)
            if event.get("event") != "result" or key is None:
                raise SandboxError(f"unexpected event from the runner: {str(event)[:200]}")
            results[key] = parse_result(event)
        return results


def _collection(runs: list[RunOutcome], note: str) -> tuple[str | None, str]:
    """How the runs collected: "once" when all were forked from one collection, else "each" and why."""
    if not runs:
        return None, ""
    if all(run.collection == "once" for run in runs):
        return "once", ""
    return "each", note or next((run.collection_note for run in runs if run.collection_note), "")
