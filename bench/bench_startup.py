"""Benchmark: how long QA Arena's commands take to start, with and without jsonschema's IRI checker.

jupyter-events asks for `jsonschema[format-nongpl]`, which brings rfc3987-syntax: on import it builds
an Earley parser for IRIs. nbformat imports jsonschema, so every nbgrader command, every Jupyter server
and `qa-arena judge` on a notebook pays for it. deploy/setup.sh and the runtime image remove it
(nothing here validates IRIs). This bench measures, side by side in one run, the start-up of

  import nbformat          what `qa-arena judge NOTEBOOK`, nbgrader and Jupyter all load
  nbgrader --version       the command instructors and the tests run dozens of times per course
  qa-arena --help          the CLI itself

as installed (without the checker, after setup.sh) and with it (rfc3987-syntax installed into a
temporary directory on PYTHONPATH, from the machine's package index), prints the ratios and writes a plot.

    .venv/bin/python bench/bench_startup.py [--repeat N] [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
console = Console()

COMMANDS = {
    "import nbformat": [sys.executable, "-c", "import nbformat"],
    "nbgrader --version": [str(BIN / "nbgrader"), "--version"],
    "qa-arena --help": [str(BIN / "qa-arena"), "--help"],
}


def seconds(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def checker_dir(target: Path) -> Path:
    """rfc3987-syntax (and its parser library) installed into target, from the configured index."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--target", str(target), "rfc3987-syntax"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"cannot install rfc3987-syntax for the comparison: {result.stderr.strip()[-500:]}")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command in each setting (median)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()

    if importlib.util.find_spec("rfc3987_syntax") is not None:
        console.print("[yellow]rfc3987-syntax is installed in this environment: run deploy/setup.sh first; "
                      "both columns measure the checker loaded.[/]")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="qa-arena-bench-startup-") as tmp:
        plain = dict(os.environ)
        with_checker = {**plain, "PYTHONPATH": str(checker_dir(Path(tmp)))}
        settings = {"as installed": plain, "with the IRI checker": with_checker}
        times: dict[str, dict[str, list[float]]] = {name: {s: [] for s in settings} for name in COMMANDS}
        runs = [(name, s) for _ in range(args.repeat) for name in COMMANDS for s in settings]  # interleaved
        for name, setting in track(runs, description="starting commands", console=console):
            times[name][setting].append(seconds(COMMANDS[name], settings[setting]))

    medians = {name: {s: statistics.median(v) for s, v in row.items()} for name, row in times.items()}
    table = Table(title=f"start-up, median of {args.repeat} (seconds)")
    for column in ("command", *settings, "ratio"):
        table.add_column(column, justify="left" if column == "command" else "right")
    for name, row in medians.items():
        ratio = row["with the IRI checker"] / row["as installed"]
        table.add_row(name, *(f"{row[s]:.2f}" for s in settings), f"{ratio:.1f}x faster")
    console.print(table)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot(medians, out / "startup.png")
    console.print(f"plot: {out / 'startup.png'}")
    return 0


def plot(medians: dict[str, dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(medians)
    settings = list(next(iter(medians.values())))
    fig, ax = plt.subplots(figsize=(7, 3))
    height = 0.38
    for i, (setting, color) in enumerate(zip(settings, ["#2a7", "#999"], strict=False)):
        ys = [y + (i - 0.5) * height for y in range(len(names))]
        values = [medians[n][setting] for n in names]
        ax.barh(ys, values, height=height, color=color, label=setting)
        for y, value in zip(ys, values, strict=True):
            ax.annotate(f"{value:.2f} s", (value, y), xytext=(3, 0), textcoords="offset points", va="center")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("seconds to start (median)")
    ax.set_xlim(right=max(max(row.values()) for row in medians.values()) * 1.25)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main())
