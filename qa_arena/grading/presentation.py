"""What each run of a submission gets: which variant, as which text, with which random seed and test order.

Every variant is presented as a rewrite (`rewrite.py`) seeded by the submission and a per-problem secret:
the same submission is graded the same way twice, another submission sees other text and bytecode. The
correct runs are the golden (twice: in collection order, then reversed with another random seed, so that
a flaky test shows), the wheats and `problem.twins` twins, rewrites of the golden with other seeds.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from qa_arena.grading.problem import Problem, Variant
from qa_arena.grading.rewrite import derive_seed, imported_modules, rewrite_variant

REPEAT = "golden~repeat"  # the golden's second run: reversed order, another seed (not an id a file can have)


@dataclass(frozen=True)
class PlannedRun:
    key: str  # the variant's id, or REPEAT
    variant: Variant
    source: str  # the rewrite the run gets
    seed: int  # random.seed of the run
    order: str = "normal"  # or "reverse"


@dataclass(frozen=True)
class Presentation:
    correct: tuple[PlannedRun, ...]
    mutants: tuple[PlannedRun, ...]
    twins: tuple[Variant, ...]
    preload: tuple[str, ...]  # modules every run imports first, so that sys.modules tells no variant apart


def twin_variants(problem: Problem, count: int) -> tuple[Variant, ...]:
    assert problem.golden is not None
    return tuple(Variant(f"twin-{i}", "twin", problem.golden.path) for i in range(1, count + 1))


def present(
    problem: Problem,
    sources: dict[Variant, str],
    tests_source: str,
    problem_key: bytes,
    log: logging.Logger | None = None,
) -> Presentation:
    """The runs of one submission. `problem_key` is the problem's secret (Judge.problem_key)."""
    assert problem.golden is not None
    tests_digest = hashlib.sha256(tests_source.encode("utf-8", "surrogatepass")).hexdigest()
    seed = derive_seed(problem_key, "submission", tests_digest)
    same, other = (int.from_bytes(derive_seed(seed, "random", str(i))[:8], "big") for i in (1, 2))

    def rewritten(variant: Variant, source: str, label: str) -> str:
        try:
            return rewrite_variant(source, derive_seed(seed, "variant", label))
        except (SyntaxError, ValueError, RecursionError) as exc:  # ours: the variant itself compiles
            (log or logging.getLogger(__name__)).warning("%s: %s not rewritten: %s", problem.slug, variant.id, exc)
            return source

    golden = rewritten(problem.golden, sources[problem.golden], "golden")
    twins = twin_variants(problem, problem.twins)
    correct = [
        PlannedRun("golden", problem.golden, golden, same),
        PlannedRun(REPEAT, problem.golden, golden, other, "reverse"),
        *(PlannedRun(w.id, w, rewritten(w, sources[w], f"wheat:{w.id}"), same) for w in problem.wheats),
        *(PlannedRun(t.id, t, rewritten(t, sources[problem.golden], t.id), same) for t in twins),
    ]
    mutants = tuple(PlannedRun(m.id, m, rewritten(m, sources[m], f"mutant:{m.id}"), same) for m in problem.mutants)
    return Presentation(tuple(correct), mutants, twins, preload_modules(problem, sources))


def preload_modules(problem: Problem, sources: dict[Variant, str]) -> tuple[str, ...]:
    """What every run imports before the tests: each module that some variant imports."""
    return tuple(name for name in imported_modules(list(sources.values())) if name != problem.module)
