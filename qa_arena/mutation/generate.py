"""`qa-arena mutants generate`: propose mutants of the golden, screen them, write candidates to accept.

1. propose: every mutation our operators can make to golden.py that still compiles;
2. screen: run the reference tests on all of them at once (the judge, sandboxed, full matrix) and
   fingerprint each on inputs Hypothesis generates (probe.py);
   - *likely equivalent*: no reference test kills it and it behaves like the golden on every input;
   - *duplicate of X*: it behaves like an existing mutant, or like a candidate kept before it;
3. keep up to --max of the rest, in an order fixed by the seed, and write them to candidates/.
"""

from __future__ import annotations

import difflib
import json
import random
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from qa_arena.grading.judge import Judge
from qa_arena.grading.probe import run_probe
from qa_arena.grading.problem import Problem, ProblemError, load_problem
from qa_arena.grading.verdict import ERROR
from qa_arena.mutation.operators import make_operator, mutate, operator_specs

CANDIDATES_DIR = "candidates"
INDEX = "candidates.toml"


@dataclass
class Candidate:
    name: str
    operator: str
    category: str
    line: int
    change: str
    source: str
    hint: str
    killed_by: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    status: str = "proposed"  # proposed | kept | likely equivalent | duplicate of X | not selected


def _changed_line(original: str, mutated: str) -> tuple[int, str]:
    before, after = original.splitlines(), mutated.splitlines()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            old = " / ".join(line.strip() for line in before[i1:i2]) or "(nothing)"
            new = " / ".join(line.strip() for line in after[j1:j2]) or "(removed)"
            return i1 + 1, f"{old}  ->  {new}"
    return 0, ""


def propose(problem: Problem) -> list[Candidate]:
    """Every compiling mutation of the golden, once per distinct source, in a stable order."""
    golden = problem.golden.source
    seen = {golden}
    candidates = []
    for spec in operator_specs():
        operator = make_operator(spec.name)
        occurrence = 0
        while (code := mutate(golden, operator, occurrence)) is not None:
            occurrence += 1
            if code in seen:
                continue
            try:
                compile(code, "<candidate>", "exec")
            except SyntaxError:
                continue
            seen.add(code)
            line, change = _changed_line(golden, code)
            slug = spec.category.replace(" ", "_")
            name = f"{slug}_l{line}_{sum(1 for c in candidates if c.category == spec.category and c.line == line) + 1}"
            candidates.append(Candidate(name, spec.name, spec.category, line, change, code, spec.hint))
    return candidates


def _reference_kills(problem: Problem, candidates: list[Candidate], judge: Judge) -> dict[str, list[str]]:
    """killed_by for every candidate and existing mutant, from one matrix run of the reference tests."""
    if problem.reference_tests is None:
        raise ProblemError(f"{problem.root}: mutant screening needs reference_tests.py")
    with tempfile.TemporaryDirectory(prefix="qa-arena-screen-") as tmp:
        root = Path(tmp) / problem.slug
        (root / "wheats").mkdir(parents=True)
        (root / "mutants").mkdir()
        shutil.copyfile(problem.golden.path, root / "golden.py")
        for wheat in problem.wheats:
            shutil.copyfile(wheat.path, root / "wheats" / wheat.path.name)
        for mutant in problem.mutants:
            (root / "mutants" / f"existing__{mutant.id}.py").write_text(mutant.source)
        for candidate in candidates:
            (root / "mutants" / f"{candidate.name}.py").write_text(candidate.source)
        shutil.copyfile(problem.reference_tests, root / "reference_tests.py")
        keys = ("slug", "title", "difficulty", "module", "description", "timeout_s")
        (root / "problem.toml").write_text("".join(f"{k} = {json.dumps(getattr(problem, k))}\n" for k in keys))

        verdict = judge.grade(load_problem(root), problem.reference_tests.read_text(), matrix=True)
    if verdict.status == ERROR or verdict.valid_tests == 0:
        raise ProblemError(f"the reference tests cannot screen candidates: {verdict.message or verdict.status}")
    return {v.id: v.killed_by for v in verdict.variants if v.kind == "mutant"}


def _fingerprints(problem: Problem, sources: dict[str, str], seed: int, examples: int) -> dict[str, str] | None:
    return run_probe(problem, sources, "fingerprint", seed, examples).get("fingerprints")


def screen(problem: Problem, candidates: list[Candidate], judge: Judge, seed: int, examples: int = 200) -> str:
    """Set each candidate's status; return how behaviour on generated inputs was judged (for the report)."""
    kills = _reference_kills(problem, candidates, judge)
    sources = {"golden": problem.golden.source}
    sources.update({f"existing__{m.id}": m.source for m in problem.mutants})
    sources.update({c.name: c.source for c in candidates})
    prints = _fingerprints(problem, sources, seed, examples)
    screening = "reference tests and generated inputs" if prints else "reference tests only (no input strategy)"
    golden_print = prints["golden"] if prints else None
    known: dict[tuple, str] = {}
    for mutant in problem.mutants:
        key = f"existing__{mutant.id}"
        known[(tuple(sorted(kills.get(key, []))), prints[key] if prints else None)] = mutant.id
    for candidate in candidates:
        candidate.killed_by = kills.get(candidate.name, [])
        candidate.fingerprint = prints.get(candidate.name) if prints else None
        behaviour = (tuple(sorted(candidate.killed_by)), candidate.fingerprint)
        if not candidate.killed_by and candidate.fingerprint == golden_print:
            candidate.status = "likely equivalent"
        elif behaviour in known:
            candidate.status = f"duplicate of {known[behaviour]}"
        else:
            known[behaviour] = candidate.name
    return screening


def generate(problem: Problem, judge: Judge, max_candidates: int = 10, seed: int = 0) -> tuple[list[Candidate], str]:
    """Propose, screen (in the seed's order, so duplicates keep the first) and write up to `max_candidates`."""
    candidates = propose(problem)
    random.Random(seed).shuffle(candidates)
    screening = screen(problem, candidates, judge, seed)
    kept = 0
    for candidate in candidates:
        if candidate.status == "proposed":
            candidate.status = "kept" if kept < max_candidates else "not selected"
            kept += candidate.status == "kept"
    write_candidates(problem, candidates, seed)
    return candidates, screening


def _toml_value(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings, numbers and lists are valid TOML


def write_candidates(problem: Problem, candidates: list[Candidate], seed: int) -> Path:
    target = problem.root / CANDIDATES_DIR
    if target.exists():
        shutil.rmtree(target)
    target.mkdir()
    lines = [
        f"# Written by `qa-arena mutants generate --seed {seed}`: review, then accept with",
        f"# `qa-arena mutants accept {problem.root} NAME...` (moves the file to mutants/ and lists it).",
        "",
    ]
    for candidate in candidates:
        table = "candidates" if candidate.status == "kept" else "dropped"
        fields = {"name": candidate.name, "operator": candidate.operator, "category": candidate.category,
                  "line": candidate.line, "change": candidate.change, "status": candidate.status,
                  "killed_by_reference_tests": len(candidate.killed_by)}  # fmt: skip
        if table == "candidates":
            (target / f"{candidate.name}.py").write_text(candidate.source)
            fields |= {"file": f"{CANDIDATES_DIR}/{candidate.name}.py", "weight": 1.0, "hint": candidate.hint}
        lines.append(f"[[{table}]]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in fields.items()]
        lines.append("")
    (target / INDEX).write_text("\n".join(lines))
    return target


def accept(problem_root: Path, names: list[str]) -> list[str]:
    """Move kept candidates into mutants/ and list them in problem.toml with their hint draft."""
    index = problem_root / CANDIDATES_DIR / INDEX
    if not index.is_file():
        raise ProblemError(f"{problem_root}: no {CANDIDATES_DIR}/{INDEX}: run `qa-arena mutants generate` first")
    kept = {c["name"]: c for c in tomllib.loads(index.read_text()).get("candidates", [])}
    unknown = [n for n in names if n not in kept]
    if unknown:
        raise ProblemError(f"not kept candidates of this problem: {', '.join(unknown)}")
    toml = problem_root / "problem.toml"
    text = toml.read_text().rstrip("\n") + "\n"
    for name in names:
        source = problem_root / kept[name]["file"]
        destination = problem_root / "mutants" / f"{name}.py"
        if destination.exists():
            raise ProblemError(f"{destination} already exists")
        destination.parent.mkdir(exist_ok=True)
        shutil.move(source, destination)
        text += (f"\n[[mutants]]\nfile = {_toml_value(f'mutants/{name}.py')}\n"
                 f"weight = {kept[name]['weight']}\nhint = {_toml_value(kept[name]['hint'])}\n")  # fmt: skip
    toml.write_text(text)
    return names
