"""`qa-arena problems validate`: is a problem gradeable, and do its reference tests tell every variant apart?

A problem is INVALID for faults of its own; when the grader itself could not run (no judge image, no
sandbox) nothing is known about the problem: that is an ERROR of the machine, reported apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qa_arena.grading.judge import Judge
from qa_arena.grading.probe import run_probe
from qa_arena.grading.problem import Problem, ProblemError, load_problem
from qa_arena.grading.verdict import ERROR


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


def validate_problem(path: str | Path, judge: Judge) -> ValidationReport:
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
        where = "the golden" if test.failed_on == "golden" else "a wheat"
        detail = f" ({test.reason})" if test.reason else ""
        report.errors.append(f"reference test {test.name} fails on {where}{detail}")
    if verdict.valid_tests == 0:
        report.errors.append(f"no reference test passes on every correct variant: {verdict.message}")
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
    return report


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
