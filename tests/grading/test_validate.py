"""`problems validate` catches each kind of broken problem with a clear message."""

from pathlib import Path

import pytest

from qa_arena.grading.validate import validate_problem

GOLDEN = "# MARKER-GOLDEN-5b1e\ndef add(a, b):\n    return a + b\n"


@pytest.mark.parametrize(
    ("breakage", "error"),
    [
        (lambda d: (d / "golden.py").unlink(), "missing golden.py"),
        (lambda d: (d / "problem.toml").write_text("title = [\n"), "not valid TOML"),
        (lambda d: (d / "mutants" / "same.py").write_text(GOLDEN), "mutant same is identical to golden.py"),
        (lambda d: (d / "mutants" / "same.py").write_text(GOLDEN.replace("a + b", "b + a")),
         "mutant same survives the reference tests: possibly equivalent to the golden"),
        (lambda d: (d / "wheats" / "loop.py").write_text("def add(a, b):\n    return a + b + (a == 0)\n"),
         "reference test test_submission.py::test_zero fails on a wheat"),
        (lambda d: (d / "mutants" / "twin.py").write_text("def add(a, b):\n    return a - b + 0\n"),
         "mutants minus, twin behave identically on the reference tests"),
        (lambda d: (d / "reference_tests.py").unlink(), "no reference_tests.py"),
        (lambda d: (d / "reference_tests.py").write_text("def test_x():\n    assert False\n"),
         "no reference test passes on every correct variant"),
    ],
)  # fmt: skip
def test_broken_problem(problem_copy, local_judge, breakage, error):
    breakage(problem_copy)
    report = validate_problem(problem_copy, local_judge, rewrite_seeds=1)
    assert not report.ok
    assert any(error in message for message in report.errors), report.errors


STRATEGY = "\n[generate]\nstrategy = 'st.tuples(st.integers(), st.integers())'\n"


def with_inputs(problem: Path) -> Path:
    """The problem, declaring the inputs on which its correct variants are compared."""
    (problem / "problem.toml").write_text((problem / "problem.toml").read_text() + STRATEGY)
    return problem


def test_valid_problem_and_hint_warning(problem_copy, local_judge):
    with_inputs(problem_copy)
    assert validate_problem(problem_copy, local_judge, rewrite_seeds=1).ok
    (problem_copy / "mutants" / "unlisted.py").write_text("def add(a, b):\n    return b\n")
    report = validate_problem(problem_copy, local_judge, rewrite_seeds=1)
    assert report.ok
    assert report.warnings == ["mutant unlisted has no hint"]


def test_a_grader_that_cannot_run_is_an_error_not_an_invalid_problem(problem_copy, tmp_path):
    """No judge image: nothing is known about the problem, so it is not called INVALID; the fix is named."""
    import subprocess
    import sys

    config = tmp_path / "config.py"
    config.write_text("c.DockerSandbox.image = 'qa-arena/no-such-judge:none'\n")
    proc = subprocess.run(
        [sys.executable, "-m", "qa_arena", "--config", str(config), "problems", "validate", str(problem_copy),
         "--backend", "docker"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "INVALID" not in proc.stdout
    assert proc.stdout.startswith("ERROR adder")
    assert "qa-arena image build" in proc.stdout and "--backend local" in proc.stdout


def test_wheats_must_agree_with_the_golden_on_generated_inputs(problem_copy, local_judge):
    """A wheat that differs only where no reference test looks is caught, with the input that shows it."""
    assert validate_problem(with_inputs(problem_copy), local_judge, rewrite_seeds=1).ok
    (problem_copy / "wheats" / "big.py").write_text(
        "def add(a, b):\n    return a + b if abs(a) < 1000 else a + b - 1\n"
    )
    report = validate_problem(problem_copy, local_judge, rewrite_seeds=1)
    assert not report.ok
    (error,) = report.errors
    assert error.startswith("wheat big disagrees with the golden on generated input (")
    assert ": the golden returns " in error and ", big returns " in error


def test_without_a_strategy_wheats_are_compared_on_the_reference_tests_only(problem_copy, local_judge):
    report = validate_problem(problem_copy, local_judge, rewrite_seeds=1)
    assert report.ok
    assert any("compared on the reference tests only" in w and "[generate] strategy" in w for w in report.warnings)


def test_a_class_is_compared_through_the_problems_driver(tmp_path):
    """For a class, [generate] drive exercises it on the generated operations and returns what it saw."""
    from qa_arena.grading.problem import load_problem
    from qa_arena.grading.validate import ValidationReport, compare_correct_variants

    root = tmp_path / "counter"
    (root / "wheats").mkdir(parents=True)
    (root / "mutants").mkdir()
    (root / "mutants" / "stuck.py").write_text("class Counter:\n    def add(self, k):\n        return 0\n")
    (root / "problem.toml").write_text(
        'slug = "counter"\ntitle = "Counter"\ndifficulty = "Easy"\nmodule = "counter"\nfunction = "Counter"\n'
        'description = "A counter that never goes below zero."\n[generate]\n'
        "strategy = 'st.tuples(st.lists(st.integers(-3, 3)))'\n"
        "drive = '''\ndef drive(cls, steps):\n    c = cls()\n    return [c.add(s) for s in steps]\n'''\n"
    )
    golden = "class Counter:\n    def __init__(self):\n        self.n = 0\n    def add(self, k):\n"
    (root / "golden.py").write_text(golden + "        self.n = max(0, self.n + k)\n        return self.n\n")
    (root / "wheats" / "same.py").write_text(golden + "        self.n += k\n        self.n *= self.n > 0\n"
                                             "        return self.n\n")  # fmt: skip
    (root / "wheats" / "negative.py").write_text(golden + "        self.n += k\n        return self.n\n")
    report = ValidationReport(root)
    compare_correct_variants(load_problem(root), report)
    assert [e.split(" disagrees")[0] for e in report.errors] == ["wheat negative"], report.errors


def test_a_golden_that_reads_its_own_code_fails_on_its_rewrites_and_the_rewrite_is_shown(problem_copy, local_judge):
    """Behaviour that depends on the code's form (here its number of local variables) changes under a rewrite:
    validation says which rewrite, and shows it."""
    (problem_copy / "golden.py").write_text("def add(a, b):\n    return a + b + len(add.__code__.co_varnames) - 2\n")
    report = validate_problem(problem_copy, local_judge, rewrite_seeds=3)
    assert not report.ok
    broken = [e for e in report.errors if e.startswith("the rewrite of a twin (a rewrite of the golden) with seed 0")]
    assert broken, report.errors
    assert "--- file" in broken[0] and "+++ rewrite" in broken[0] and "\n+" in broken[0]


def test_every_rewrite_of_a_sound_problem_behaves_like_its_file(problem_copy, local_judge):
    report = validate_problem(with_inputs(problem_copy), local_judge, rewrite_seeds=20)
    assert report.ok, report.errors
