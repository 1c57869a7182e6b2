"""The `qa-arena` command's contract: arguments, JSON fields, exit codes, the student view."""

import json
import subprocess
import sys

import nbformat
import pytest

from tests.support.paths import ADDER, PROBLEMS

CLI = [sys.executable, "-m", "qa_arena"]


def qa(*args, check_rc=None):
    proc = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=300)
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr
    return proc


def test_json_output(tmp_path):
    tests = tmp_path / "t.py"
    tests.write_text("from adder import add\n\ndef test_a():\n    assert add(2, 3) == 5\n")
    data = json.loads(qa("judge", ADDER, tests, "--backend", "local", "--json", check_rc=0).stdout)
    assert data["problem"] == "adder" and data["status"] == "SUCCESS"
    assert data["killed"] == 2 and data["total"] == 3 and data["valid_tests"] == 1
    kinds = {v["id"]: v["kind"] for v in data["variants"]}
    assert kinds == {
        "golden": "golden",
        "builtin_sum": "wheat",
        "loop": "wheat",
        "twin-1": "twin",
        "twin-2": "twin",
        "minus": "mutant",
        "off_by_one": "mutant",
        "zero": "mutant",
    }


def test_notebook_input(tmp_path):
    cell = nbformat.v4.new_code_cell("from adder import add\n\ndef test_a():\n    assert add(0, 0) == 0\n")
    cell.metadata["nbgrader"] = {"grade_id": "adder-tests", "solution": True, "grade": True, "points": 10}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("spec"), cell])
    nbformat.write(nb, str(tmp_path / "a.ipynb"))
    data = json.loads(qa("judge", ADDER, tmp_path / "a.ipynb", "--backend", "local", "--json", check_rc=0).stdout)
    assert [v["id"] for v in data["variants"] if v["killed_by"]] == ["off_by_one"]


@pytest.mark.parametrize(
    "setup,reason",
    [
        (lambda p: (p / "missing", p / "t.py"), "not a problem directory"),
        (lambda p: (ADDER, p / "missing.py"), "no such file"),
        (lambda p: (ADDER, _write(p / "bad.ipynb", "{nope")), "not a readable notebook"),
        (lambda p: (ADDER, _write(p / "none.ipynb", nbformat.writes(nbformat.v4.new_notebook()))), "no tests cell"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, setup, reason):
    (tmp_path / "t.py").write_text("def test_a():\n    pass\n")
    problem, tests = setup(tmp_path)
    proc = qa("judge", problem, tests, "--json", check_rc=2)
    assert reason in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


def _write(path, text):
    path.write_text(text)
    return path


def test_unknown_backend_is_bad_input(tmp_path):
    (tmp_path / "t.py").write_text("def test_a():\n    pass\n")
    proc = qa("judge", ADDER, tmp_path / "t.py", "--backend", "nosuch", check_rc=2)
    assert "unknown sandbox 'nosuch'" in proc.stderr


def test_grader_error_exits_1_with_json(tmp_path):
    (tmp_path / "t.py").write_text("def test_a():\n    pass\n")
    config = tmp_path / "cfg.py"
    config.write_text("c.LocalSandbox.python = '/nonexistent/python3'\n")
    proc = qa("--config", config, "judge", ADDER, tmp_path / "t.py", "--backend", "local", "--json", check_rc=1)
    data = json.loads(proc.stdout)
    assert (data["status"], data["score"]) == ("ERROR", None)


def test_failure_exits_0(tmp_path):
    (tmp_path / "t.py").write_text("def test_a():\n    assert False\n")
    data = json.loads(qa("judge", ADDER, tmp_path / "t.py", "--backend", "local", "--json", check_rc=0).stdout)
    assert (data["status"], data["score"]) == ("FAILURE", 0.0)


def test_student_view_has_hints_and_no_hidden_source(tmp_path):
    tests = tmp_path / "t.py"
    tests.write_text(
        "import inspect\nimport adder\nfrom adder import add\n\n"
        "def test_a():\n    assert add(2, 3) == 5\n\n"
        "def test_wrong():\n    assert add(2, 2) == 5\n\n"
        "def test_leak():\n    print(inspect.getsource(adder))\n    assert inspect.getsource(adder) == ''\n"
    )
    out = qa("judge", ADDER, tests, "--backend", "local", "--student", check_rc=0).stdout
    assert "Bugs caught: 2 of 3" in out
    assert "What happens when one of the numbers is zero?" in out
    assert "test_wrong: fails on the reference implementation: assert 4 == 5" in out
    assert "test_leak: fails on the reference implementation" in out
    for variant in ADDER.rglob("*.py"):
        if variant.name == "reference_tests.py":
            continue
        for line in variant.read_text().splitlines():
            if line.strip() and not line.startswith("def add"):
                assert line.strip() not in out, f"{variant.name} leaked: {line}"
    assert "MARKER" not in out


def test_validate_exit_codes(tmp_path, problem_copy):
    qa("problems", "validate", PROBLEMS / "durations", ADDER, "--backend", "local", check_rc=0)
    (problem_copy / "mutants" / "same.py").write_text((problem_copy / "golden.py").read_text())
    proc = qa("problems", "validate", problem_copy, "--backend", "local", check_rc=1)
    assert "mutant same is identical to golden.py" in proc.stdout
    assert "mutant same survives the reference tests: possibly equivalent" in proc.stdout


def test_mutants_generate_and_accept(problem_copy):
    toml = problem_copy / "problem.toml"
    toml.write_text(toml.read_text() + '\n[generate]\nstrategy = "st.tuples(st.integers(), st.integers())"\n')
    proc = qa("mutants", "generate", problem_copy, "--backend", "local", "--max", "1", check_rc=0)
    assert "proposed; kept 1" in proc.stdout
    index = (problem_copy / "candidates" / "candidates.toml").read_text()
    name = index.split("[[candidates]]\nname = ", 1)[1].split("\n", 1)[0].strip('"')
    assert f"accepted {name}" in qa("mutants", "accept", problem_copy, name, check_rc=0).stdout
    assert (problem_copy / "mutants" / f"{name}.py").is_file()
    assert "not kept candidates" in qa("mutants", "accept", problem_copy, "nope", check_rc=2).stderr
    assert "not a problem directory" in qa("mutants", "generate", problem_copy / "x", check_rc=2).stderr


def test_a_bug_is_not_reported_as_bad_input(monkeypatch):
    """Only BadInput is exit 2 "bad input"; a ValueError from a bug keeps its traceback."""
    from qa_arena import cli, judge_cli

    def broken(args):
        raise ValueError("a bug, not the user's input")

    monkeypatch.setattr(judge_cli, "cmd_judge", broken)
    with pytest.raises(ValueError, match="a bug"):
        cli.main(["judge", str(ADDER), "tests.py"])


def test_every_command_is_registered_by_its_own_module():
    """One table: each entry names a module beside the code it drives, with add_parsers(subparsers)."""
    from importlib import import_module

    from qa_arena.cli import SUBCOMMANDS, build_parser

    assert len(SUBCOMMANDS) == len(set(SUBCOMMANDS))
    assert all(callable(import_module(m).add_parsers) for m in SUBCOMMANDS)
    usage = build_parser().format_usage()
    for command in ("judge", "problems", "feedback", "submit", "worker", "course", "demo", "hub", "image"):
        assert command in usage, command
