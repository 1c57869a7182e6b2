"""Benchmark: what grading on behaviour costs a submission, measured side by side in one run.

Compares, on bench_judge's 20-mutant problem and its 16-case suite, the pooled docker judge (the local
judge when no engine answers):

  twins = 0        every variant rewritten, the golden run twice (flaky tests), no twin
  twins = k        the same with k twins (rewrites of the golden run as correct variants; default 2)
  rewrites only    the host's part: rewriting every variant and twin for one submission (present())

and prints the twins' share of a submission's time (the target: within 15 %) and the rewrites' share,
checks that both judges kill the same mutants, and writes a plot.

    .venv/bin/python bench/bench_twins.py [--repeat N] [--twins K] [--out DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_judge import SUITE_16 as SUITE  # noqa: E402
from bench_judge import judge_with, make_problem, measure, wait_for_pool  # noqa: E402

from qa_arena.grading.presentation import present  # noqa: E402
from qa_arena.grading.sandbox import docker_available  # noqa: E402

console = Console()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--twins", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    backend = "docker" if docker_available() else "local"
    with tempfile.TemporaryDirectory(prefix="qa-bench-twins-") as tmp:
        problem = make_problem(Path(tmp) / "grades")
        without = dataclasses.replace(problem, twins=0)
        with_twins = dataclasses.replace(problem, twins=args.twins)
        grade = judge_with(backend, pool=1 if backend == "docker" else 0)
        grade(problem, SUITE)  # warm up: image, pool, imports
        rows: dict[str, float] = {}
        kills = {}
        for _ in range(args.repeat):  # interleaved, so that the machine's drift hits both alike
            for label, variant in (("twins = 0", without), (f"twins = {args.twins}", with_twins)):
                if backend == "docker":
                    wait_for_pool(1)
                started = time.perf_counter()
                kills[label] = grade(variant, SUITE)
                rows.setdefault(label, []).append(time.perf_counter() - started)  # type: ignore[attr-defined]
        medians = {label: statistics.median(times) for label, times in rows.items()}  # type: ignore[arg-type]
        sources = {v: v.source for v in with_twins.variants}
        rewrite_s, _ = measure(
            lambda p, suite: present(p, sources, suite, b"bench-key"), with_twins, SUITE, args.repeat
        )
    base, full = medians["twins = 0"], medians[f"twins = {args.twins}"]
    table = Table(title=f"one submission, 20 mutants, 16 tests, {backend} judge (pool), median of {args.repeat}")
    for column in ("what", "s / submission", "share of a submission"):
        table.add_column(column)
    table.add_row("twins = 0", f"{base:.3f}", "")
    table.add_row(f"twins = {args.twins}", f"{full:.3f}", "")
    twins_share = (full - base) / full
    table.add_row(f"the {args.twins} twins' runs", f"{full - base:+.3f}", f"{twins_share:.1%} (target <= 15 %)")
    table.add_row("rewrites (host, in both rows)", f"{rewrite_s:.3f}", f"{rewrite_s / full:.1%}")
    console.print(table)
    same = kills["twins = 0"] == kills[f"twins = {args.twins}"]
    console.print(f"kills equal with and without twins: {same} ({len(kills['twins = 0'])} of 20)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot({"twins = 0": base, f"twins = {args.twins}": full, "rewrites": rewrite_s}, out / "bench_twins.png")
    return 0 if same else 1


def plot(values: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh(list(values), list(values.values()), color=["#888", "#3a7", "#47c"])
    ax.set_xlabel("seconds per submission (median)")
    ax.set_title("what grading on behaviour costs")
    fig.tight_layout()
    fig.savefig(path)
    console.print(f"plot: {path}")


if __name__ == "__main__":
    raise SystemExit(main())
