"""Benchmark: what grading one submission costs, judge vs the obvious alternatives, side by side in one run.

Compares, on (a) a 20-mutant problem with a 16-case suite and (b) a large suite of several hundred
parametrized tests:

  docker run per variant     a fresh container running `python -m pytest` for every variant (the naive design)
  process per variant        a fresh `python -m pytest` process for every variant, no sandbox at all
  judge (local)              QA Arena's judge, local backend (namespaces, cgroups, unprivileged runs)
  judge (docker, cold)       QA Arena's judge, one new locked-down container per submission
  judge (docker, pool)       the same with a pre-started container (steady state of a grading worker)
  ... each run collects      the judge with collect-once off: every run collects the suite itself (as before #17)
  qa-arena judge CLI         `qa-arena judge ... --backend docker --json` as a user runs it (process start included)
  collected once (floor)     the suite collected once in this process, each variant swapped in and the collected
                             tests called: no isolation, no second collection; what pytest itself costs

and checks that the judge's kills equal those of a process per variant. Prints ratios and writes a plot.

    .venv/bin/python bench/bench_judge.py [--quick] [--repeat N] [--out DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa_arena.grading.judge import Judge  # noqa: E402
from qa_arena.grading.problem import Problem, load_problem  # noqa: E402
from qa_arena.grading.sandbox import docker_available  # noqa: E402

console = Console()

GOLDEN_GRADES = '''
def letter(score):
    """Letter grade of a score from 0 to 100."""
    if not isinstance(score, int) or isinstance(score, bool):
        raise TypeError("score must be an int")
    if score < 0 or score > 100:
        raise ValueError("score out of range")
    if score >= 90:
        return "A"
    if score >= 80:
        return "B"
    if score >= 70:
        return "C"
    if score >= 60:
        return "D"
    return "F"
'''

# 20 mutants: boundaries, constants, comparisons, exception types and removed checks.
MUTATIONS = [
    ("score >= 90", "score > 90"),
    ("score >= 80", "score > 80"),
    ("score >= 70", "score > 70"),
    ("score >= 60", "score > 60"),
    ("score >= 90", "score >= 91"),
    ("score >= 80", "score >= 81"),
    ("score >= 70", "score >= 71"),
    ("score >= 60", "score >= 61"),
    ("score >= 90", "score >= 89"),
    ("score >= 80", "score >= 79"),
    ("score >= 70", "score >= 69"),
    ("score >= 60", "score >= 59"),
    ("score < 0", "score < -1"),
    ("score > 100", "score > 101"),
    ("raise ValueError", "raise TypeError"),
    ("raise TypeError", "raise ValueError"),
    ('return "F"', 'return "E"'),
    ('return "A"', 'return "a"'),
    ("or isinstance(score, bool)", ""),
    ("score < 0 or ", ""),
]

SUITE_16 = """
import pytest
from grades import letter

@pytest.mark.parametrize("score,expected", [(0, "F"), (59, "F"), (60, "D"), (69, "D"), (70, "C"), (79, "C"),
                                            (80, "B"), (89, "B"), (90, "A"), (100, "A")])
def test_letter(score, expected):
    assert letter(score) == expected

@pytest.mark.parametrize("bad", [-1, 101])
def test_range(bad):
    with pytest.raises(ValueError):
        letter(bad)

@pytest.mark.parametrize("bad", [1.5, "90", True, None])
def test_type(bad):
    with pytest.raises(TypeError):
        letter(bad)
"""


def large_suite(cases: int) -> str:
    """Several hundred parametrized tests: every score, plus out-of-range values."""
    return (
        "import pytest\nfrom grades import letter\n\n"
        "def expected(s):\n"
        "    return 'A' if s >= 90 else 'B' if s >= 80 else 'C' if s >= 70 else 'D' if s >= 60 else 'F'\n\n"
        f"@pytest.mark.parametrize('score', [s % 101 for s in range({cases})])\n"
        "def test_every_score(score):\n    assert letter(score) == expected(score)\n\n"
        "@pytest.mark.parametrize('bad', list(range(-20, 0)) + list(range(101, 121)))\n"
        "def test_out_of_range(bad):\n    with pytest.raises(ValueError):\n        letter(bad)\n"
    )


def make_problem(directory: Path) -> Problem:
    (directory / "wheats").mkdir(parents=True)
    (directory / "mutants").mkdir()
    (directory / "golden.py").write_text(GOLDEN_GRADES)
    wheat = GOLDEN_GRADES.replace('    return "F"\n', '    else:\n        return "F"\n')
    (directory / "wheats" / "else_branch.py").write_text(wheat)
    toml = [
        'slug = "grades"',
        'title = "Letter grades"',
        'difficulty = "Easy"',
        'module = "grades"',
        'description = "letter(score)"',
        "timeout_s = 10",
    ]
    for i, (old, new) in enumerate(MUTATIONS):
        assert old in GOLDEN_GRADES, old
        (directory / "mutants" / f"m{i:02d}.py").write_text(GOLDEN_GRADES.replace(old, new, 1))
        toml += ["[[mutants]]", f'file = "mutants/m{i:02d}.py"', f'hint = "mutation {i}"']
    (directory / "problem.toml").write_text("\n".join(toml) + "\n")
    return load_problem(directory)


# ------------------------------------------------------------------ baselines --


def junit_outcomes(path: Path) -> dict[str, bool]:
    """Test name -> passed, from a JUnit XML report."""
    outcomes = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        failed = any(child.tag in ("failure", "error") for child in case)
        outcomes[case.get("name")] = not failed
    return outcomes


def kills_from_outcomes(problem: Problem, outcomes: dict[str, dict[str, bool]]) -> set[str]:
    tests = set(outcomes["golden"])
    valid = {t for t in tests if all(outcomes[v.id].get(t, False) for v in problem.correct_variants)}
    return {m.id for m in problem.mutants if any(not outcomes[m.id].get(t, False) for t in valid)}


def per_variant(problem: Problem, suite: str, run_one: Callable[[Path, Path], None]) -> set[str]:
    outcomes = {}
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        for variant in problem.variants:
            work = Path(tmp) / variant.id
            work.mkdir()
            (work / f"{problem.module}.py").write_text(variant.source)
            (work / "test_suite.py").write_text(suite)
            out = work / "out"
            out.mkdir(mode=0o777)
            out.chmod(0o777)
            run_one(work, out)
            outcomes[variant.id] = junit_outcomes(out / "report.xml")
    return kills_from_outcomes(problem, outcomes)


PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "--junitxml=out/report.xml", "test_suite.py"]


def process_per_variant(problem: Problem, suite: str) -> set[str]:
    # pytest's own plugins only, as in the judge's runs: third-party plugins of this venv (hypothesis...) would
    # slow the baseline down and flatter the judge
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

    def run(work: Path, _out: Path) -> None:
        subprocess.run([sys.executable, "-m", "pytest", *PYTEST_ARGS], cwd=work, capture_output=True, env=env)

    return per_variant(problem, suite, run)


def docker_run_per_variant(problem: Problem, suite: str) -> set[str]:
    def run(work: Path, _out: Path) -> None:
        subprocess.run(
            [
                "docker",
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                f"{work}:/w",
                "-w",
                "/w",
                "--entrypoint",
                "/opt/venv/bin/python",
                "qa-arena/judge:latest",
                "-m",
                "pytest",
                *PYTEST_ARGS,
            ],
            capture_output=True,
            check=False,
        )

    return per_variant(problem, suite, run)


def collected_once_floor(problem: Problem, suite: str) -> set[str]:
    """The floor of any judge: the suite collected once, in this process, against the golden; then for each
    variant its module is executed, the test module's names that held the golden's objects are pointed at the
    variant's, and the collected items are run (pytest's runtestprotocol). No isolation, no process start, no
    second collection: what remains is pytest setting up, calling and reporting the tests themselves."""
    import types

    from _pytest.config import _prepareconfig
    from _pytest.main import Session
    from _pytest.runner import runtestprotocol

    golden = next(v for v in problem.variants if v.kind == "golden")
    outcomes: dict[str, dict[str, bool]] = {}
    with tempfile.TemporaryDirectory(prefix="qa-bench-floor-") as tmp:
        work = Path(tmp)
        (work / f"{problem.module}.py").write_text(golden.source)
        (work / "test_suite.py").write_text(suite)
        sys.path.insert(0, str(work))
        args = ["-q", "-p", "no:cacheprovider", "--import-mode=importlib", "-c", os.devnull, "--tb=line",
                f"--rootdir={work}", str(work / "test_suite.py")]  # fmt: skip
        autoload = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # as in the judge's runs: pytest's own plugins only
        config = _prepareconfig(args)
        try:
            with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
                config._do_configure()
                session = Session.from_config(config)
                config.hook.pytest_sessionstart(session=session)
                items = session.perform_collect()
                placeholder = sys.modules[problem.module]
                tests_module = items[0].module
                held = {name: getattr(placeholder, name) for name in dir(placeholder) if not name.startswith("__")}
                valid: set[str] | None = None  # known once the correct variants ran: then the judge's early stop
                for variant in (*problem.correct_variants, *problem.mutants):
                    if variant.kind == "mutant" and valid is None:
                        valid = {t for t in outcomes[golden.id] if all(seen[t] for seen in outcomes.values())}
                    module = types.ModuleType(problem.module)
                    try:
                        exec(compile(variant.source, f"{problem.module}.py", "exec"), module.__dict__)
                    except Exception:  # a variant that fails on import fails every test, as in a run of its own
                        outcomes[variant.id] = {item.name: False for item in items}
                        continue
                    sys.modules[problem.module] = module
                    for name, value in list(vars(tests_module).items()):
                        if value is placeholder:
                            setattr(tests_module, name, module)
                        for held_name, held_value in held.items():
                            if value is held_value and hasattr(module, held_name):
                                setattr(tests_module, name, getattr(module, held_name))
                    held = {name: getattr(module, name) for name in dir(module) if not name.startswith("__")}
                    placeholder = module
                    passed: dict[str, bool] = {}
                    for index, item in enumerate(items):
                        following = items[index + 1] if index + 1 < len(items) else None
                        reports = runtestprotocol(item, nextitem=following, log=False)
                        passed[item.name] = not any(report.failed for report in reports)
                        if valid is not None and item.name in valid and not passed[item.name]:
                            session._setupstate.teardown_exact(None)
                            break
                    outcomes[variant.id] = passed
                config.hook.pytest_sessionfinish(session=session, exitstatus=0)
        finally:
            config._ensure_unconfigure()
            if autoload is None:
                del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
            sys.path.remove(str(work))
            for name in [n for n in sys.modules if n == problem.module or "test_suite" in n]:
                del sys.modules[name]
    return kills_from_outcomes(problem, outcomes)


COLLECTIONS: Counter[str] = Counter()  # how the judge's gradings collected: "once", or "each: why"


def judge_with(backend: str, pool: int = 0, collect_once: bool = True) -> Callable[[Problem, str], set[str]]:
    config = Config()
    config.Judge.sandbox_class = backend
    config.Judge.collect_once = collect_once
    config.DockerSandbox.pool_size = pool
    judge = Judge(config=config)

    def grade(problem: Problem, suite: str) -> set[str]:
        verdict = judge.grade(problem, suite)
        assert verdict.status == "SUCCESS", verdict.message
        if collect_once:
            COLLECTIONS[verdict.collection if verdict.collection == "once" else f"each: {verdict.collection_note}"] += 1
        return {v.id for v in verdict.variants if v.kind == "mutant" and v.killed_by}

    return grade


def judge_cli(backend: str) -> Callable[[Problem, str], set[str]]:
    """`qa-arena judge PROBLEM TESTS --backend B --json` as a user runs it: process start and imports included."""

    def grade(problem: Problem, suite: str) -> set[str]:
        with tempfile.TemporaryDirectory(prefix="qa-bench-cli-") as tmp:
            tests = Path(tmp) / "test_suite.py"
            tests.write_text(suite)
            command = [str(Path(sys.executable).parent / "qa-arena"), "judge", str(problem.root), str(tests)]
            done = subprocess.run([*command, "--backend", backend, "--json"], capture_output=True, text=True)
        verdict = json.loads(done.stdout)
        assert verdict["status"] == "SUCCESS", verdict["message"]
        return {v["id"] for v in verdict["variants"] if v["kind"] == "mutant" and v["killed_by"]}

    return grade


def wait_for_pool(size: int, timeout: float = 60) -> None:
    from qa_arena.grading.sandbox.docker import DockerSandbox

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(pool.qsize() >= size for pool in DockerSandbox._pools.values()) and DockerSandbox._pools:
            return
        time.sleep(0.05)


# ----------------------------------------------------------------------- main --


def measure(fn, problem, suite, repeat, before=None) -> tuple[float, set[str]]:
    times, kills = [], set()
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        kills = fn(problem, suite)
        times.append(time.perf_counter() - started)
    return statistics.median(times), kills


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition, a smaller large suite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    have_docker = docker_available()

    tmp = Path(tempfile.mkdtemp(prefix="qa-bench-problem-"))
    try:
        problem = make_problem(tmp / "grades")
        suites = {"20 mutants, 16 tests": SUITE_16, "large suite": large_suite(200 if args.quick else 600)}
        methods: dict[str, tuple[Callable, Callable | None]] = {"process per variant": (process_per_variant, None)}
        if have_docker:
            methods["docker run per variant"] = (docker_run_per_variant, None)
        methods["judge (local)"] = (judge_with("local"), None)
        methods["judge (local), each run collects"] = (judge_with("local", collect_once=False), None)
        if have_docker:
            methods["judge (docker, cold)"] = (judge_with("docker"), None)
            methods["qa-arena judge CLI (docker, cold)"] = (judge_cli("docker"), None)
            methods["judge (docker, pool)"] = (judge_with("docker", pool=1), lambda: wait_for_pool(1))
            methods["judge (docker, pool), each run collects"] = (
                judge_with("docker", pool=1, collect_once=False),
                lambda: wait_for_pool(1),
            )
            judge_with("docker", pool=1)(problem, SUITE_16)  # warm the pool once
        methods["collected once, no isolation (floor)"] = (collected_once_floor, None)

        results: dict[str, dict[str, float]] = {}
        agreement: dict[str, bool] = {}
        for suite_name, suite in suites.items():
            reference = None
            for name, (fn, before) in methods.items():
                if suite_name == "large suite" and name == "docker run per variant" and args.quick:
                    continue
                console.print(f"[dim]{suite_name}: {name} ...[/dim]")
                seconds, kills = measure(fn, problem, suite, repeat, before)
                results.setdefault(suite_name, {})[name] = seconds
                if name == "process per variant":
                    reference = kills
                agreement[f"{suite_name}: {name}"] = kills == reference

        for suite_name, row in results.items():
            table = Table(title=f"{suite_name} — {len(problem.variants)} variants, median of {repeat}")
            table.add_column("method")
            table.add_column("seconds / submission", justify="right")
            table.add_column("vs judge (docker, pool)", justify="right")
            pooled = row.get("judge (docker, pool)") or row["judge (local)"]
            for name, seconds in sorted(row.items(), key=lambda kv: -kv[1]):
                table.add_row(name, f"{seconds:.3f}", f"{seconds / pooled:.1f}x")
            console.print(table)

        ratios = {}
        small, large = results["20 mutants, 16 tests"], results["large suite"]
        if have_docker:
            ratios["docker run per variant / judge (docker, cold)"] = (
                small["docker run per variant"] / small["judge (docker, cold)"]
            )
            ratios["docker run per variant / qa-arena judge CLI (docker, cold)"] = (
                small["docker run per variant"] / small["qa-arena judge CLI (docker, cold)"]
            )
            ratios["docker run per variant / judge (docker, pool)"] = (
                small["docker run per variant"] / small["judge (docker, pool)"]
            )
            ratios["large suite: process per variant / judge (docker, pool)"] = (
                large["process per variant"] / large["judge (docker, pool)"]
            )
        ratios["large suite: process per variant / judge (local)"] = (
            large["process per variant"] / large["judge (local)"]
        )
        best = "judge (docker, pool)" if have_docker else "judge (local)"
        for suite_name, row in results.items():
            ratios[f"{suite_name}: collect-once, {best} / each run collects"] = (
                row[f"{best}, each run collects"] / row[best]
            )
        console.print("[bold]Ratios (higher is better for the judge):[/bold]")
        for name, value in ratios.items():
            console.print(f"  {name}: {value:.1f}x")
        console.print(f"[bold]How the judge's gradings collected:[/bold] {dict(COLLECTIONS)}")
        same = all(agreement.values())
        console.print(f"[bold]Verdicts identical to a process per variant:[/bold] {same}")
        for name, ok in agreement.items():
            if not ok:
                console.print(f"  differs: {name}")
        (out / "judge.json").write_text(
            json.dumps(
                {"seconds": results, "ratios": ratios, "agreement": agreement, "collections": COLLECTIONS}, indent=2
            )
        )
        plot(results, out / "judge.png")
        console.print(f"results: {out / 'judge.json'}, plot: {out / 'judge.png'}")
        return 0 if same else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if have_docker:
            from qa_arena.grading.sandbox.docker import DockerSandbox

            DockerSandbox.drain_pools()


def plot(results: dict[str, dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4), squeeze=False)
    for ax, (suite, row) in zip(axes[0], results.items(), strict=True):
        names = sorted(row, key=row.get)
        ax.barh(names, [row[n] for n in names], color=["#2a7" if n.startswith("judge") else "#999" for n in names])
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        for y, name in enumerate(names):
            ax.annotate(f"{row[name]:.2f} s", (row[name], y), xytext=(3, 0), textcoords="offset points", va="center")
        ax.set_xlim(right=max(row.values()) * 4)
        ax.set_xlabel("seconds per submission (log scale)")
        ax.set_title(suite)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main())
