import pytest

from qa_arena.grading.problem import ProblemError, load_problem, problem_fingerprint
from tests.support.paths import ADDER, PROBLEMS


def test_loads_bank_problem():
    problem = load_problem(PROBLEMS / "durations")
    assert problem.module == "durations"
    assert problem.difficulty == "Easy"
    assert len(problem.wheats) == 2
    assert len(problem.mutants) >= 6
    assert all(m.hint for m in problem.mutants)
    assert problem.timeout_s == 5


def test_unlisted_mutant_gets_default_weight(problem_copy):
    (problem_copy / "mutants" / "extra.py").write_text("def add(a, b):\n    return b\n")
    problem = load_problem(problem_copy)
    extra = next(m for m in problem.mutants if m.id == "extra")
    assert (extra.weight, extra.hint) == (1.0, "")
    minus = next(m for m in problem.mutants if m.id == "minus")
    assert minus.weight == 2.0


def test_editor_files_beside_variants_are_not_variants(problem_copy):
    """Emacs' lock links (.#name.py, dangling) and other hidden files are no mutants or wheats."""
    before = load_problem(problem_copy)
    (problem_copy / "mutants" / ".#minus.py").symlink_to("root@host.1234:1700000000")
    (problem_copy / "wheats").mkdir(exist_ok=True)
    (problem_copy / "wheats" / ".backup.py").write_text("def add(a, b):\n    return a - b\n")
    after = load_problem(problem_copy)
    assert [m.id for m in after.mutants] == [m.id for m in before.mutants]
    assert [w.id for w in after.wheats] == [w.id for w in before.wheats]


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda d: (d / "problem.toml").unlink(), "missing problem.toml"),
        (lambda d: (d / "golden.py").unlink(), "missing golden.py"),
        (lambda d: (d / "problem.toml").write_text("slug = \n"), "not valid TOML"),
        (lambda d: (d / "mutants" / "minus.py").unlink(), "listed mutant file 'mutants/minus.py' does not exist"),
        (lambda d: _edit(d, 'difficulty = "Very Easy"', 'difficulty = "Trivial"'), "difficulty must be one of"),
        (lambda d: _edit(d, 'module = "adder"\n', ""), "missing required key 'module'"),
        (lambda d: _edit(d, 'module = "adder"', 'module = "test_adder"'), "module 'test_adder'"),
        (lambda d: _edit(d, 'module = "adder"', 'module = "decimal"'), "name of a standard or pytest module"),
        (lambda d: _edit(d, "weight = 2.0", "weight = -1"), "weight must be a positive number"),
        (lambda d: _edit(d, "timeout_s = 2", "timeout_s = 0"), "timeout_s"),
        (lambda d: _edit(d, 'file = "mutants/minus.py"', 'file = "../../etc/passwd"'), "outside the problem directory"),
        (lambda d: (d / "mutants" / "zero.py").write_text("def add(a, b:\n"), "does not compile"),
        (lambda d: (d / "wheats" / "gone.py").symlink_to(d / "nowhere.py"), "gone.py: cannot be read"),
    ],
)
def test_broken_problem_has_clear_error(problem_copy, breakage, message):
    breakage(problem_copy)
    with pytest.raises(ProblemError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_problem(problem_copy)


def _edit(directory, old, new):
    toml = directory / "problem.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new))


def test_not_a_directory(tmp_path):
    with pytest.raises(ProblemError, match="not a problem directory"):
        load_problem(tmp_path / "missing")


def test_correct_variants_come_first():
    problem = load_problem(ADDER)
    assert [v.kind for v in problem.variants] == ["golden", "wheat", "wheat", "mutant", "mutant", "mutant"]


@pytest.mark.parametrize(
    ("edit", "changes"),
    [
        (lambda root: (root / "mutants" / "zero.py").write_text("def add(a, b):\n    return 0\n"), True),
        (lambda root: (root / "golden.py").write_text("def add(a, b):\n    return b + a\n"), True),
        (lambda root: (root / "wheats" / "loop.py").write_text("def add(a, b):\n    return sum((a, b))\n"), True),
        (lambda root: _edit(root, "weight = 2.0", "weight = 3.0"), True),
        (lambda root: _edit(root, "What happens", "And"), False),  # a hint: not graded
        (lambda root: None, False),  # a copy elsewhere is the same version
    ],
    ids=["mutant-code", "golden", "wheat", "weight", "hint", "copy"],
)
def test_fingerprint_names_what_grading_depends_on(problem_copy, edit, changes):
    edit(problem_copy)
    assert (problem_fingerprint(load_problem(problem_copy)) != problem_fingerprint(load_problem(ADDER))) is changes
