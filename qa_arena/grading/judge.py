"""The judge: grade one pytest suite against a problem's correct variants and mutants.

Runs go to one sandbox per submission. The correct variants run first (in random
order) to learn which tests are valid; then every mutant runs the same suite, and
the runner stops a mutant's run at its first failing valid test (unless a full
test x mutant matrix is asked for). Runs cannot tell which kind of variant they
test: the runner gives each the same paths, environment and PIDs, and the early
stop is enforced from outside the run.
"""

from __future__ import annotations

import random
import time
import uuid

from traitlets import Bool, Float, Unicode, validate
from traitlets.config import LoggingConfigurable

from qa_arena.grading.problem import Problem, Variant, problem_fingerprint
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
            sandbox.start()
            tokens: dict[str, Variant] = {}  # run token -> variant; a token says nothing about its variant
            self._submit(sandbox, problem, problem.correct_variants, sources, tests_source, None, tokens)
            later = None if matrix else "later"
            self._submit(sandbox, problem, problem.mutants, sources, tests_source, later, tokens)
            results = self._collect(sandbox, problem, problem.correct_variants, tokens, {})
            correct = {v.id: results[v.id] for v in problem.correct_variants}
            tests, invalid = test_validity(problem, correct)
            valid = [t for t in tests if t not in invalid]
            mutants: dict[str, RunOutcome] = {}
            if valid:  # the early stop: a mutant's run ends at its first failing valid test
                sandbox.send({"op": "stop_on", "tests": valid})
                results = self._collect(sandbox, problem, problem.mutants, tokens, results)
                mutants = {m.id: results[m.id] for m in problem.mutants}
            verdict = decide(problem, correct, mutants, self.base_score, self.kill_score)
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

    def _submit(
        self,
        sandbox: Sandbox,
        problem: Problem,
        variants: tuple[Variant, ...],
        sources: dict[Variant, str],
        tests_source: str,
        stop_on: str | None,
        tokens: dict[str, Variant],
    ) -> None:
        """Queue one run per variant ('later': the early-stop policy follows once validity is known)."""
        order = list(variants)
        if self.shuffle:
            random.SystemRandom().shuffle(order)
        for variant in order:
            token = uuid.uuid4().hex
            tokens[token] = variant
            request = {"op": "run", "run": token, "module": problem.module, "variant": sources[variant],
                       "tests": tests_source, "timeout_s": problem.timeout_s, "stop_on": stop_on}  # fmt: skip
            sandbox.send(request)

    def _collect(
        self,
        sandbox: Sandbox,
        problem: Problem,
        wanted: tuple[Variant, ...],
        tokens: dict[str, Variant],
        results: dict[str, RunOutcome],
    ) -> dict[str, RunOutcome]:
        """Receive results until every wanted variant has one (others that arrive meanwhile are kept too)."""
        while any(v.id not in results for v in wanted):
            event = sandbox.receive(problem.timeout_s + self.event_slack_s)
            if event.get("event") == "error":
                raise SandboxError(f"the runner refused a request: {event.get('message')}")
            variant = tokens.pop(str(event.get("run")), None)
            if event.get("event") != "result" or variant is None:
                raise SandboxError(f"unexpected event from the runner: {str(event)[:200]}")
            results[variant.id] = parse_result(event)
        return results
