"""`qa-arena mutants generate|accept`: propose mutants of a golden, screen them, keep the ones you accept."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from qa_arena.command import EXIT_OK, BadInput, make_judge
from qa_arena.grading.problem import ProblemError, load_problem


def add_parsers(sub) -> None:
    mutants = sub.add_parser("mutants", help="generate mutants from the golden").add_subparsers(
        dest="action", required=True
    )
    gen = mutants.add_parser("generate", help="propose mutants, screen them, write candidates/ to review")
    gen.add_argument("problem", help="problem directory")
    gen.add_argument("--max", type=int, default=10, help="candidates to keep (default 10)")
    gen.add_argument("--seed", type=int, default=0, help="fixes which candidates are kept (default 0)")
    gen.add_argument("--backend", help="sandbox for the reference tests: docker, local, auto")
    gen.set_defaults(func=cmd_mutants_generate)
    acc = mutants.add_parser("accept", help="move kept candidates into mutants/ and list them in problem.toml")
    acc.add_argument("problem", help="problem directory")
    acc.add_argument("names", nargs="+", metavar="NAME")
    acc.set_defaults(func=cmd_mutants_accept)


def cmd_mutants_generate(args) -> int:
    from qa_arena.mutation.generate import generate

    try:
        problem = load_problem(args.problem)
    except ProblemError as exc:
        raise BadInput(str(exc)) from exc
    console = Console()
    with console.status("proposing and screening mutants (reference tests in the sandbox, generated inputs)"):
        try:
            candidates, screening = generate(problem, make_judge(args), args.max, args.seed)
        except ProblemError as exc:
            raise BadInput(str(exc)) from exc
    kept = [c for c in candidates if c.status == "kept"]
    table = Table("candidate", "category", "line", "change", "killed by ref. tests", title=f"{problem.slug}: kept")
    for c in kept:
        table.add_row(c.name, c.category, str(c.line), c.change[:70], str(len(c.killed_by)))
    console.print(table)
    dropped = {}
    for c in candidates:
        if c.status != "kept":
            key = c.status.split(" of ")[0]
            dropped[key] = dropped.get(key, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in dropped.items())
    console.print(f"{len(candidates)} proposed; kept {len(kept)}; {summary}", soft_wrap=True)
    console.print(f"screened by {screening}; written to {problem.root / 'candidates'}", soft_wrap=True)
    surviving = [c.name for c in kept if not c.killed_by]
    if surviving:
        console.print(f"not killed by the reference tests (add tests for them): {', '.join(surviving)}", soft_wrap=True)
    return EXIT_OK


def cmd_mutants_accept(args) -> int:
    from qa_arena.mutation.generate import accept

    try:
        for name in accept(Path(args.problem), args.names):
            print(f"accepted {name}: mutants/{name}.py (edit its hint in problem.toml)")
    except ProblemError as exc:
        raise BadInput(str(exc)) from exc
    return EXIT_OK
