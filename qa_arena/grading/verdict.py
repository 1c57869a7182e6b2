"""From run outcomes to a verdict: which tests are valid, which mutants are killed, the score.

This table is the grading contract (see the judge issue):

- a test is valid when it passes on the golden, twice (the second time in reverse order, with another
  random seed), on every wheat and on every twin (a rewrite of the golden, presentation.py);
- a test reported with different outcomes by the golden's two runs is *flaky*: neither valid nor a killer
  (a test the repeat did not reach, after a timeout or a crash, is no evidence either way);
- a mutant is killed when a valid test does not pass on it (failure, error, timeout,
  or no report because the run crashed or was stopped);
- SUCCESS when at least one test is valid: score = base + span * kill_ratio;
  FAILURE when none is (score 0); ERROR when the grader could not grade (score None).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa_arena.grading.presentation import REPEAT
from qa_arena.grading.problem import Problem, Variant
from qa_arena.grading.runs import RunOutcome

SUCCESS, FAILURE, ERROR = "SUCCESS", "FAILURE", "ERROR"
TIMED_OUT = "timed out"  # an invalid test's reason: its run on that correct variant ran out of time first


@dataclass
class VariantResult:
    id: str
    kind: str
    outcome: str  # passed | failed | error | timeout
    killed_by: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "outcome": self.outcome,
            "killed_by": self.killed_by,
            "duration_s": round(self.duration_s, 4),
        }


@dataclass
class InvalidTest:
    name: str
    failed_on: str  # golden | flaky | wheat | twin
    reason: str = ""  # a short failure summary, only ever from the golden's run


@dataclass
class Verdict:
    problem: str
    status: str
    score: float | None
    kill_ratio: float = 0.0
    killed: int = 0
    total: int = 0
    tests: list[dict] = field(default_factory=list)
    invalid_tests: list[InvalidTest] = field(default_factory=list)
    variants: list[VariantResult] = field(default_factory=list)
    duration_s: float = 0.0
    message: str = ""
    hints: list[str] = field(default_factory=list)  # of surviving mutants, for the student view
    surviving_weight: float = 0.0
    problem_sha256: str | None = None  # problem_fingerprint of the version graded (None: not known)
    collection: str | None = None  # "once" (collect-once) or "each"; None: no run was made
    collection_note: str = ""  # why the runs collected each for themselves (staff only)

    @property
    def valid_tests(self) -> int:
        return sum(1 for t in self.tests if t["valid"])

    def to_dict(self) -> dict:
        return {
            "problem": self.problem,
            "status": self.status,
            "score": self.score,
            "kill_ratio": round(self.kill_ratio, 6),
            "killed": self.killed,
            "total": self.total,
            "valid_tests": self.valid_tests,
            "invalid_tests": [
                {"name": t.name, "failed_on": t.failed_on, "reason": t.reason} for t in self.invalid_tests
            ],
            "tests": self.tests,
            "variants": [v.to_dict() for v in self.variants],
            "duration_s": round(self.duration_s, 4),
            "message": self.message,
            "problem_sha256": self.problem_sha256,
            "collection": self.collection,
            "collection_note": self.collection_note,
        }

    @classmethod
    def from_dict(cls, data: dict, problem: Problem | None = None) -> Verdict:
        """The verdict `to_dict` wrote (stored JSON); with its problem, the hints of surviving mutants too."""
        variants = [VariantResult(v["id"], v["kind"], v["outcome"], list(v.get("killed_by", [])),
                                  v.get("duration_s", 0.0)) for v in data.get("variants", [])]  # fmt: skip
        invalid = [InvalidTest(t["name"], t["failed_on"], t.get("reason", "")) for t in data.get("invalid_tests", [])]
        verdict = cls(
            problem=data["problem"],
            status=data["status"],
            score=data.get("score"),
            kill_ratio=data.get("kill_ratio", 0.0),
            killed=data.get("killed", 0),
            total=data.get("total", 0),
            tests=list(data.get("tests", [])),
            invalid_tests=invalid,
            variants=variants,
            duration_s=data.get("duration_s", 0.0),
            message=data.get("message", ""),
            problem_sha256=data.get("problem_sha256"),  # absent from verdicts stored before it was written
            collection=data.get("collection"),
            collection_note=data.get("collection_note", ""),
        )
        if problem is not None and verdict.status == SUCCESS:
            killed = {v.id for v in variants if v.kind == "mutant" and v.killed_by}
            survivors = [m for m in problem.mutants if m.id not in killed]
            verdict.hints = [m.hint for m in survivors if m.hint]
            verdict.surviving_weight = sum(m.weight for m in survivors)
        return verdict


def error_verdict(problem: Problem, message: str, duration_s: float = 0.0) -> Verdict:
    return Verdict(problem.slug, ERROR, None, total=len(problem.mutants), message=message, duration_s=duration_s)


def _correct_outcome(run: RunOutcome, tests: list[str]) -> str:
    if run.timed_out:
        return "timeout"
    if run.crashed or run.collect_error:
        return "error"
    return "passed" if all(run.passes(t) for t in tests) else "failed"


def _failure_reason(run: RunOutcome, test: str) -> str:
    if test in run.messages:
        return run.messages[test] or "failed"
    if test not in run.collected:
        return "not collected"
    if run.timed_out:
        return TIMED_OUT
    return "did not finish (the test process ended early)"


def test_validity(
    problem: Problem, correct: dict[str, RunOutcome], twins: tuple[Variant, ...] = ()
) -> tuple[list[str], dict[str, InvalidTest]]:
    """All test ids (golden's collection order first) and the invalid ones with where they failed.

    `correct` holds the runs of the golden, of its repeat (REPEAT, when it ran), of the wheats and of `twins`.
    """
    golden = correct["golden"]
    repeat = correct.get(REPEAT)
    others = (*problem.wheats, *twins)
    tests = list(golden.collected)
    for variant in others:
        tests += [t for t in correct[variant.id].collected if t not in tests]
    invalid: dict[str, InvalidTest] = {}
    for test in tests:
        if repeat is not None and test in repeat.outcomes and repeat.passes(test) != golden.passes(test):
            invalid[test] = InvalidTest(test, "flaky")
        elif not golden.passes(test):
            invalid[test] = InvalidTest(test, "golden", _failure_reason(golden, test))
        elif failed := next((v for v in others if not correct[v.id].passes(test)), None):
            run = correct[failed.id]  # its fate only, never its messages: a wheat's output is not to be seen
            slow = run.timed_out and test not in run.outcomes
            invalid[test] = InvalidTest(test, failed.kind, TIMED_OUT if slow else "")
    return tests, invalid


def judge_mutant(variant: Variant, run: RunOutcome, valid: list[str]) -> VariantResult:
    reported = [t for t in valid if t in run.outcomes and not run.passes(t)]
    killed_by = list(reported)
    if not run.stopped_early and not run.complete and (missing := run.first_unreported(valid)):
        killed_by.append(missing)  # the test that was running when the run died or timed out
    if run.collect_error and not killed_by:  # the suite, valid on the correct variants, cannot even be
        killed_by = list(valid)  # collected on this one (it fails on import): no valid test passes on it
    if run.timed_out:
        outcome = "timeout"
    elif reported:
        outcome = "failed"
    elif killed_by or run.collect_error:
        outcome = "error"
    else:
        outcome = "passed"
    return VariantResult(variant.id, "mutant", outcome, killed_by, run.duration_s)


def decide(
    problem: Problem,
    correct: dict[str, RunOutcome],
    mutants: dict[str, RunOutcome],
    base: float = 30.0,
    span: float = 70.0,
    twins: tuple[Variant, ...] = (),
) -> Verdict:
    """The verdict for runs of every correct variant (with the golden's repeat and `twins`, when they ran)
    and (when any test is valid) every mutant."""
    for variant_id, run in {**correct, **mutants}.items():
        if run.setup_error:
            return error_verdict(problem, f"the sandbox could not set up the run of {variant_id}: {run.setup_error}")
    tests, invalid = test_validity(problem, correct, twins)
    valid = [t for t in tests if t not in invalid]
    verdict = Verdict(problem.slug, FAILURE, 0.0, total=len(problem.mutants))
    verdict.tests = [{"name": t, "valid": t not in invalid} for t in tests]
    verdict.invalid_tests = list(invalid.values())
    verdict.variants = [
        VariantResult(v.id, v.kind, _correct_outcome(correct[v.id], tests), [], correct[v.id].duration_s)
        for v in (*problem.correct_variants, *twins)
    ]
    golden = correct["golden"]
    if not valid:
        if golden.collect_error:
            verdict.message = f"the tests could not be collected: {golden.collect_error}"
        elif not tests:
            verdict.message = "no tests were collected (name test functions test_*)"
        else:
            verdict.message = "no test passes on every correct implementation"
        return verdict
    total_weight = sum(m.weight for m in problem.mutants)
    killed_weight = 0.0
    for mutant in problem.mutants:
        result = judge_mutant(mutant, mutants[mutant.id], valid)
        verdict.variants.append(result)
        if result.killed_by:
            verdict.killed += 1
            killed_weight += mutant.weight
        elif mutant.hint:
            verdict.hints.append(mutant.hint)
    verdict.kill_ratio = killed_weight / total_weight if total_weight else 0.0
    verdict.surviving_weight = total_weight - killed_weight
    verdict.status = SUCCESS
    verdict.score = round(base + span * verdict.kill_ratio, 2)
    return verdict
