"""Tests that recognise variants by their code, written from the leaked problem directory, score at most 30.

Each submission is one test holding the fingerprints of the problem's files (computed here, from the
directory, as a student with a leaked copy would) and either passes only on the correct variants'
fingerprints ("correct") or fails only on the mutants' ("mutant"). Without rewrites and twins each one
scores 100 (seen on main before them). Both backends.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qa_arena.grading.problem import load_problem
from tests.support.paths import ADDER, PROBLEMS

pytestmark = pytest.mark.hostile

FINGERPRINTS = {
    "source": """
def fingerprint(mod):
    return hashlib.sha256(re.sub(r"#.*|\\s+", "", inspect.getsource(mod)).encode()).hexdigest()
""",
    "file": """
def fingerprint(mod):
    return hashlib.sha256(open(mod.__file__, "rb").read()).hexdigest()
""",
    "file_size": """
def fingerprint(mod):
    return os.path.getsize(mod.__file__)
""",
    "bytecode": """
def _code(code):
    consts = tuple(_code(c) if hasattr(c, "co_code") else repr(c) for c in code.co_consts)
    return (code.co_code.hex(), code.co_names, consts)

def fingerprint(mod):
    parts = []
    for name, value in sorted(vars(mod).items()):
        if name.startswith("__"):
            continue
        if hasattr(value, "__code__"):
            parts.append((name, _code(value.__code__)))
        elif isinstance(value, re.Pattern):
            parts.append((name, value.pattern))
        elif isinstance(value, (int, float, str, tuple, frozenset, dict)):
            parts.append((name, repr(value)))
    return hashlib.sha256(repr(parts).encode()).hexdigest()
""",
    "code_object": """
def fingerprint(mod):
    codes = [v.__code__ for v in vars(mod).values() if hasattr(v, "__code__")]
    return hashlib.sha256(repr([(c.co_code, c.co_consts, c.co_varnames) for c in codes]).encode()).hexdigest()
""",
    "dis": """
def fingerprint(mod):
    text = "".join(dis.Bytecode(v).dis() for _, v in sorted(vars(mod).items()) if inspect.isfunction(v))
    return hashlib.sha256(re.sub(r" at 0x[0-9a-f]+|file \\"[^\\"]*\\"", "", text).encode()).hexdigest()
""",
    "repr": """
def fingerprint(mod):
    functions = [v for _, v in sorted(vars(mod).items()) if inspect.isfunction(v)]
    return repr([re.sub(r" at 0x[0-9a-f]+|file \\"[^\\"]*\\", ", "", repr(f.__code__)) for f in functions])
""",
    "names_and_constants": """
def fingerprint(mod):
    codes = [v.__code__ for _, v in sorted(vars(mod).items()) if hasattr(v, "__code__")]
    return repr([(c.co_names, c.co_varnames, [k for k in c.co_consts if not hasattr(k, "co_code")]) for c in codes])
""",
    "dict_order": """
def fingerprint(mod):
    return repr([name for name in vars(mod) if not name.startswith("__")])
""",
    "line_numbers": """
def fingerprint(mod):
    lines = []
    for _, f in sorted(vars(mod).items()):
        if inspect.isfunction(f):
            try:
                f(*[None] * f.__code__.co_argcount)
            except Exception as exc:
                lines.append(traceback.extract_tb(exc.__traceback__)[-1].lineno)
            lines.append(f.__code__.co_firstlineno)
    return repr(lines)
""",
}
IMPORTS = "import dis, hashlib, inspect, os, re, sys, traceback\n"
CASES = [(kind, mode) for kind in FINGERPRINTS for mode in ("correct", "mutant")]


def leaked_fingerprints(problem_dir: Path, kind: str) -> tuple[set, set]:
    """The fingerprints of the correct variants and of the mutants, as the files in the directory give them."""
    problem = load_problem(problem_dir)
    namespace: dict = {}
    exec(IMPORTS + FINGERPRINTS[kind], namespace)
    found: dict[str, set] = {"correct": set(), "mutant": set()}
    for i, variant in enumerate(problem.variants):
        spec = importlib.util.spec_from_file_location(f"leaked_{kind}_{i}", variant.path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found["correct" if variant.correct else "mutant"].add(namespace["fingerprint"](module))
    return found["correct"], found["mutant"]


def fingerprinting_suite(problem_dir: Path, kind: str, mode: str) -> str:
    module = load_problem(problem_dir).module
    correct, mutants = leaked_fingerprints(problem_dir, kind)
    assert mutants - correct or kind in ("dict_order", "file_size", "repr"), f"{kind} tells no mutant apart here"
    check = "assert fingerprint(mod) in CORRECT" if mode == "correct" else "assert fingerprint(mod) not in MUTANTS"
    return IMPORTS + textwrap.dedent(f"""
        import {module} as mod
        CORRECT = {sorted(correct, key=repr)!r}
        MUTANTS = {sorted(mutants, key=repr)!r}
        {{fingerprint}}
        def test_recognise():
            {check}
        """).replace("{fingerprint}", FINGERPRINTS[kind])


def sys_modules_suite(problem_dir: Path) -> str:
    """Fails where a module that only mutants import has been imported."""
    problem = load_problem(problem_dir)
    from qa_arena.grading.rewrite import imported_modules

    only_mutants = set(imported_modules([m.source for m in problem.mutants])) - set(
        imported_modules([v.source for v in problem.correct_variants])
    )
    return IMPORTS + textwrap.dedent(f"""
        import {problem.module}

        def test_recognise():
            assert not {sorted(only_mutants)!r} or not set({sorted(only_mutants)!r}) & set(sys.modules)
        """)


def grade(problem_dir: Path, suite: str, backend: str, tmp_path: Path) -> dict:
    tests = tmp_path / "suite.py"
    tests.write_text(suite)
    proc = subprocess.run(
        [sys.executable, "-m", "qa_arena", "judge", str(problem_dir), str(tests), "--backend", backend, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.fixture(params=["local", pytest.param("docker", marks=pytest.mark.docker)])
def backend(request):
    if request.param == "docker":
        request.getfixturevalue("judge_image")
    return request.param


@pytest.mark.parametrize("problem_dir", [ADDER, PROBLEMS / "durations"], ids=["adder", "durations"])
@pytest.mark.parametrize(("kind", "mode"), CASES, ids=[f"{k}-{m}" for k, m in CASES])
def test_fingerprinting_scores_at_most_30(tmp_path, backend, problem_dir, kind, mode):
    verdict = grade(problem_dir, fingerprinting_suite(problem_dir, kind, mode), backend, tmp_path)
    assert verdict["status"] in ("SUCCESS", "FAILURE"), verdict["message"]
    assert verdict["score"] <= 30, verdict
    assert verdict["killed"] == 0, verdict["variants"]


def test_sys_modules_scores_at_most_30(tmp_path, backend):
    problem_dir = PROBLEMS / "word_count"
    verdict = grade(problem_dir, sys_modules_suite(problem_dir), backend, tmp_path)
    assert verdict["score"] <= 30 and verdict["killed"] == 0, verdict


def test_twins_find_what_rewrites_alone_would_miss(tmp_path, monkeypatch):
    """With the golden and the wheats shown as their own files (as if their rewrites had leaked), a test
    that recognises them passes on them: only the twins find it, and the views say so."""
    from dataclasses import replace

    from qa_arena.grading import judge as judge_module
    from qa_arena.grading.judge import Judge
    from qa_arena.grading.student_view import TWIN_REASON, student_feedback

    real_present = judge_module.present

    def leaked_correct(problem, sources, *args, **kwargs):
        plan = real_present(problem, sources, *args, **kwargs)
        originals = {v.id: sources[v] for v in problem.correct_variants}
        correct = tuple(replace(r, source=originals.get(r.variant.id, r.source)) if r.variant.kind != "twin"
                        else r for r in plan.correct)  # fmt: skip
        return replace(plan, correct=correct)

    monkeypatch.setattr(judge_module, "present", leaked_correct)
    problem = load_problem(ADDER)
    # names and constants, not co_code: the runner's positions (all on line 1) change co_code on 3.12+
    suite = fingerprinting_suite(ADDER, "names_and_constants", "correct")
    suite += "\ndef test_add():\n    assert mod.add(2, 3) == 5\n"
    verdict = Judge(sandbox_class="local", rewrite_secret="test").grade(problem, suite)
    invalid = {t.name: t.failed_on for t in verdict.invalid_tests}
    assert invalid == {"test_submission.py::test_recognise": "twin"}, verdict.to_dict()
    assert verdict.score == 30 + 70 * 3 / 4  # test_add kills minus (weight 2) and off_by_one
    view = student_feedback(verdict, problem, suite)
    assert view["invalid_tests"] == [{"name": "test_submission.py::test_recognise", "reason": TWIN_REASON}]


NO_TEXT = """
import inspect, linecache, os, sys
import pytest
import adder

def test_no_variant_text_in_the_run():
    for target in (adder, adder.add):
        with pytest.raises(OSError):
            inspect.getsource(target)
    assert not os.path.exists(adder.__file__)
    assert linecache.getlines(adder.__file__, vars(adder)) == []
    assert {adder.add.__code__.co_firstlineno} | {p[0] for p in adder.add.__code__.co_positions()} <= {1, None}
    roots = ("/sandbox", "/tmp", "/var/tmp", "/dev/shm", "/opt", "/home", "/root", "/srv", "/work", "/judge")
    interpreter = ("/.pyenv/", "/lib/python", "site-packages", "/.venv")
    found = []
    for root in roots:
        for d, dirs, files in os.walk(root):  # not into the interpreter's files: walking them takes seconds
            dirs[:] = [x for x in dirs if not any(part in os.path.join(d, x) for part in interpreter)]
            found += [os.path.join(d, f) for f in files if f.endswith((".py", ".pyc"))
                      and f != "test_submission.py" and not f.startswith("runner")]
    found += [name for name in os.listdir("/") if name.endswith(".py")]
    assert found == []

def test_ok():
    assert adder.add(2, 3) == 5
"""


def test_no_variant_text_reaches_a_run(tmp_path, backend):
    verdict = grade(ADDER, NO_TEXT, backend, tmp_path)
    outcomes = {v["id"]: v["outcome"] for v in verdict["variants"]}  # which variant failed or timed out
    assert verdict["invalid_tests"] == [] and verdict["valid_tests"] == 2, (verdict["invalid_tests"], outcomes)
