"""`qa-arena problems validate`: is a problem gradeable, and do its reference tests tell every variant apart?

A problem is INVALID for faults of its own; when the grader itself could not run (no judge image, no
sandbox) nothing is known about the problem: that is an ERROR of the machine, reported apart.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from qa_arena.grading.judge import INFRASTRUCTURE_ERRORS, Judge
from qa_arena.grading.presentation import PlannedRun
from qa_arena.grading.probe import run_probe
from qa_arena.grading.problem import Problem, ProblemError, load_problem
from qa_arena.grading.rewrite import RewriteError, derive_seed, rewrite_variant
from qa_arena.grading.runs import RunOutcome
from qa_arena.grading.verdict import ERROR

REWRITE_SEEDS = 20  # rewrites of every variant checked against the reference tests
WHERE = {"golden": "the golden", "wheat": "a wheat", "twin": "a twin (a rewrite of the golden)",
         "flaky": "one of the golden's two runs (flaky)"}  # fmt: skip


@dataclass
class ValidationReport:
    path: Path
    slug: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    grader_error: str = ""  # the grader could not run: the problem was not checked

    @property
    def ok(self) -> bool:
        return not self.errors and not self.grader_error


def validate_problem(path: str | Path, judge: Judge, rewrite_seeds: int = REWRITE_SEEDS) -> ValidationReport:
    report = ValidationReport(Path(path))
    try:
        problem = load_problem(path)
    except ProblemError as exc:
        report.errors.append(str(exc))
        return report
    report.slug = problem.slug
    golden_source = problem.golden.source
    for variant in (*problem.wheats, *problem.mutants):
        if variant.source.strip() == golden_source.strip():
            report.errors.append(f"{variant.kind} {variant.id} is identical to golden.py")
    report.warnings += [f"mutant {m.id} has no hint" for m in problem.mutants if not m.hint]
    if len(problem.wheats) < 2:
        report.warnings.append(f"only {len(problem.wheats)} wheat(s): over-specified tests may go unnoticed")
    compare_correct_variants(problem, report)
    if problem.reference_tests is None:
        report.errors.append("no reference_tests.py: the problem's behaviour cannot be checked")
        return report
    verdict = judge.grade(problem, problem.reference_tests.read_text(encoding="utf-8"), matrix=True)
    if verdict.status == ERROR:
        report.grader_error = (
            f"{verdict.message}. The problem was not checked: fix the grader (for Docker: a running engine "
            "and `qa-arena image build`), or validate with `--backend local`"
        )
        return report
    for test in verdict.invalid_tests:
        where = WHERE.get(test.failed_on, test.failed_on)
        detail = f" ({test.reason})" if test.reason else ""
        report.errors.append(f"reference test {test.name} fails on {where}{detail}")
    if verdict.valid_tests == 0:
        report.errors.append(f"no reference test passes on every correct variant: {verdict.message}")
        check_rewrites(problem, judge, report, rewrite_seeds)  # a rewrite of the golden may be why
        return report
    for wheat in (v for v in verdict.variants if v.kind == "wheat" and v.outcome != "passed"):
        report.errors.append(f"wheat {wheat.id} disagrees with the golden on the reference tests ({wheat.outcome})")
    behaviours: dict[tuple, list[str]] = {}
    for mutant in (v for v in verdict.variants if v.kind == "mutant"):
        if not mutant.killed_by:
            report.errors.append(f"mutant {mutant.id} survives the reference tests: possibly equivalent to the golden")
        else:
            behaviours.setdefault(tuple(sorted(mutant.killed_by)), []).append(mutant.id)
    for same in behaviours.values():
        if len(same) > 1:
            report.errors.append(f"mutants {', '.join(same)} behave identically on the reference tests")
    check_rewrites(problem, judge, report, rewrite_seeds)
    return report


def check_rewrites(problem: Problem, judge: Judge, report: ValidationReport, seeds: int = REWRITE_SEEDS) -> None:
    """Each variant's rewrites (`seeds` of each; the golden's are its twins) must pass and fail the reference
    tests exactly as its file does. A rewrite that does not is reported with what it changed."""
    reference = problem.reference_tests.read_text(encoding="utf-8") if problem.reference_tests else ""
    runs = [PlannedRun(f"file:{v.id}", v, v.source, 0) for v in problem.variants]
    rewrites: dict[str, str] = {}
    for i in range(seeds):
        for variant in problem.variants:
            key = f"{i}:{variant.id}"
            try:
                rewrites[key] = rewrite_variant(variant.source, derive_seed(b"validate", problem.slug, key))
            except (RewriteError, SyntaxError, ValueError, RecursionError) as exc:
                report.errors.append(f"{variant.kind} {variant.id} cannot be rewritten (seed {i}): {exc}")
                return
            runs.append(PlannedRun(key, variant, rewrites[key], 0))
    try:
        outcomes = judge.run_all(problem, reference, tuple(runs))
    except INFRASTRUCTURE_ERRORS as exc:
        report.grader_error = f"the rewrites were not checked: {exc}"
        return
    for variant in problem.variants:
        expected = _passing(outcomes[f"file:{variant.id}"])
        for i in range(seeds):
            key = f"{i}:{variant.id}"
            got = _passing(outcomes[key])
            if got != expected:
                changed = sorted(expected ^ got)
                what = (
                    "a twin (a rewrite of the golden)" if variant.kind == "golden" else f"{variant.kind} {variant.id}"
                )
                report.errors.append(
                    f"the rewrite of {what} with seed {i} changes the outcome of {', '.join(changed[:3])}: a "
                    f"rewrite must behave like its file. Please report it to QA Arena with this rewrite:\n"
                    + _diff(variant.source, rewrites[key])
                )
                break


def _passing(run: RunOutcome) -> frozenset[str]:
    return frozenset(t for t in run.collected if run.passes(t)) | ({"<collection>"} if run.collect_error else set())


def _diff(source: str, rewrite: str, limit: int = 60) -> str:
    """The rewrite against its file (both as ast.unparse writes them, so that only the rewrite's changes show)."""
    lines = difflib.unified_diff(ast.unparse(ast.parse(source)).splitlines(), rewrite.strip().splitlines(),
                                 "file", "rewrite", lineterm="")  # fmt: skip
    return "\n".join(list(lines)[:limit])


def compare_correct_variants(problem: Problem, report: ValidationReport, examples: int = 300) -> None:
    """Differential check: every wheat must do what the golden does on generated inputs (problem.toml's
    [generate]), not only on the reference tests: two correct variants that disagree mean a specification
    that allows both, or a wheat that is wrong, and a student's faithful test would be called invalid."""
    if not problem.wheats:
        return
    sources = {"golden": problem.golden.source, **{w.id: w.source for w in problem.wheats}}
    try:
        answer = run_probe(problem, sources, "compare", examples=examples)
    except ProblemError as exc:
        report.errors.append(str(exc))
        return
    if "error" in answer:
        report.warnings.append(f"correct variants compared on the reference tests only: {answer['error']}")
        return
    for wheat_id, found in answer["disagreements"].items():
        if isinstance(found, str):
            report.errors.append(f"wheat {wheat_id}: {found}")
        elif found:
            report.errors.append(
                f"wheat {wheat_id} disagrees with the golden on generated input {found['input']}: the golden "
                f"{found['golden']}, {wheat_id} {found['variant']} (fix the wheat, or the golden and the specification)"
            )
