"""Benchmark: a real library graded as a student suite — inflection 0.5.1 with its own test suite, 30 mutants.

The problem is built here: inflection's module as the golden, 30 of the mutants our operators propose for
it (`qa_arena.mutation.generate.propose`, a fixed seed: the same 30 every run), and inflection's own
test_inflection.py (hundreds of parametrized tests) as the suite. Side by side, in one run:

  process per variant     a fresh `python -m pytest` for every variant (what the judge must agree with)
  judge (local)           QA Arena's judge, local backend
  judge (docker, pool)    the judge with a pre-started container (steady state of a grading worker)
  floor                   bench_judge's floor: collected once in one process, no isolation

It prints the seconds per submission, the ratios against a process per variant, and whether every mutant's
verdict (killed or not) is the same as with a process per variant; writes bench/results/library.{json,png}.
The sdist comes from the machine's package index (`pip download`).

    .venv/bin/python bench/bench_library.py [--repeat N] [--mutants 30] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_judge import (  # noqa: E402
    collected_once_floor,
    judge_with,
    measure,
    plot,
    process_per_variant,
    wait_for_pool,
)

from qa_arena.grading.problem import Problem, load_problem  # noqa: E402
from qa_arena.grading.sandbox import docker_available  # noqa: E402
from qa_arena.mutation.generate import propose  # noqa: E402

console = Console()
PACKAGE, VERSION = "inflection", "0.5.1"


def fetch_sdist(directory: Path) -> Path:
    """inflection's source distribution, unpacked: its module and its test suite."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={VERSION}", "--no-deps", "--no-binary", ":all:",
         "-d", str(directory), "-q"],
        capture_output=True, text=True,
    )  # fmt: skip
    archives = list(directory.glob(f"{PACKAGE}-{VERSION}.tar.gz"))
    if not archives:
        raise SystemExit(f"bench_library: cannot download {PACKAGE} {VERSION}'s sdist: {done.stderr.strip()[-500:]}")
    with tarfile.open(archives[0]) as archive:
        archive.extractall(directory, filter="data")
    return directory / f"{PACKAGE}-{VERSION}"


def make_problem(sdist: Path, directory: Path, mutants: int) -> Problem:
    (directory / "mutants").mkdir(parents=True)
    shutil.copy(sdist / PACKAGE / "__init__.py", directory / "golden.py")
    header = [
        f'slug = "{PACKAGE}"',
        f'title = "{PACKAGE} {VERSION}"',
        'difficulty = "Hard"',
        f'module = "{PACKAGE}"',
        'description = "the inflection library"',
        "timeout_s = 30",
    ]
    # a problem loads with one mutant at least: a stand-in, for `propose` (which reads the golden only)
    shutil.copy(directory / "golden.py", directory / "mutants" / "stand_in.py")
    (directory / "problem.toml").write_text("\n".join([*header, "[[mutants]]", 'file = "mutants/stand_in.py"']) + "\n")
    candidates = propose(load_problem(directory))
    (directory / "mutants" / "stand_in.py").unlink()
    chosen = random.Random(0).sample(candidates, min(mutants, len(candidates)))
    toml = list(header)
    for candidate in chosen:
        (directory / "mutants" / f"{candidate.name}.py").write_text(candidate.source)
        toml += ["[[mutants]]", f'file = "mutants/{candidate.name}.py"', f'hint = "{candidate.category}"']
    (directory / "problem.toml").write_text("\n".join(toml) + "\n")
    return load_problem(directory)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mutants", type=int, default=30)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="qa-bench-library-"))
    try:
        sdist = fetch_sdist(tmp / "download")
        problem = make_problem(sdist, tmp / PACKAGE, args.mutants)
        suite = (sdist / "test_inflection.py").read_text()
        methods = {"process per variant": (process_per_variant, None), "judge (local)": (judge_with("local"), None)}
        if docker_available():
            methods["judge (docker, pool)"] = (judge_with("docker", pool=1), lambda: wait_for_pool(1))
            judge_with("docker", pool=1)(problem, suite)  # warm the pool once
        methods["floor (collected once, no isolation)"] = (collected_once_floor, None)
        seconds: dict[str, float] = {}
        kills: dict[str, set[str]] = {}
        for name, (fn, before) in methods.items():
            console.print(f"[dim]{PACKAGE}: {name} ...[/dim]")
            seconds[name], kills[name] = measure(fn, problem, suite, args.repeat, before)
        reference = kills["process per variant"]
        table = Table(
            title=f"{PACKAGE} {VERSION}: its own suite, {len(problem.mutants)} mutants, median of {args.repeat}"
        )
        for column in ("method", "seconds / submission", "process per variant / this", "verdicts equal"):
            table.add_column(column, justify="right")
        for name, value in sorted(seconds.items(), key=lambda kv: -kv[1]):
            same = (
                f"{sum((m.id in kills[name]) == (m.id in reference) for m in problem.mutants)}/{len(problem.mutants)}"
            )
            table.add_row(name, f"{value:.3f}", f"{seconds['process per variant'] / value:.1f}x", same)
        console.print(table)
        console.print(f"killed by the suite: {len(reference)} of {len(problem.mutants)} mutants")
        equal = all(k == reference for k in kills.values())
        console.print(f"[bold]Every verdict equal to a process per variant:[/bold] {equal}")
        record = {"seconds": seconds, "killed": {k: sorted(v) for k, v in kills.items()}, "equal": equal}
        (out / "library.json").write_text(json.dumps(record, indent=1))
        plot({f"{PACKAGE} {VERSION}, {len(problem.mutants)} mutants": seconds}, out / "library.png")
        console.print(f"results: {out / 'library.json'}, plot: {out / 'library.png'}")
        return 0 if equal else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if docker_available():
            from qa_arena.grading.sandbox.docker import DockerSandbox

            DockerSandbox.drain_pools()


if __name__ == "__main__":
    sys.exit(main())
