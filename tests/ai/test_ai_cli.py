"""`qa-arena feedback`: the student view plus a labelled AI section; exit codes as for `qa-arena judge`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from qa_arena.cli import main
from qa_arena.grading.judge import Judge
from qa_arena.grading.problem import load_problem
from qa_arena.grading.student_view import render_student
from tests.ai.conftest import PARTIAL
from tests.support.paths import ADDER, ROOT

ANSWER = "None of your tests uses zero as one of the numbers."


run = main  # the real `qa-arena` entry point, in-process


@pytest.fixture
def tests_file(tmp_path):
    path = tmp_path / "t.py"
    path.write_text(PARTIAL)
    return path


def test_graded_suite_gets_the_student_view_and_the_ai_section(fake_openai, tests_file, capsys):
    fake_openai.replies(fake_openai.answer(ANSWER))
    assert run(["feedback", str(ADDER), str(tests_file), "--backend", "local"]) == 0
    out = capsys.readouterr().out
    problem = load_problem(ADDER)
    student_view = render_student(Judge(sandbox_class="local").grade(problem, PARTIAL), problem, PARTIAL)
    assert out.startswith(student_view)
    assert out.endswith(f"\nFeedback (AI, model gpt-4o-mini)\n{ANSWER}\n")
    assert len(fake_openai.requests) == 1


def test_an_api_failure_is_visible(fake_openai, tests_file, capsys):
    fake_openai.replies(fake_openai.fail(500))
    assert main(["feedback", str(ADDER), str(tests_file), "--backend", "local"]) == 0
    out = capsys.readouterr().out
    assert "Score: 82.5 / 100" in out
    assert "Feedback (offline hints: API error: 500)\n" in out
    assert "What happens when one of the numbers is zero?" in out.split("Feedback (offline hints")[1]


def test_grader_error_exits_1(fake_openai, tests_file, capsys):
    assert run(["feedback", str(ADDER), str(tests_file), "--backend", "tests.ai.fakes.CrashSandbox"]) == 1
    out = capsys.readouterr().out
    assert "Not graded" in out and "Feedback (offline hints: not graded)" in out
    assert fake_openai.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        ["feedback", "/nonexistent/problem", "t.py"],
        ["feedback", str(ADDER), "/nonexistent/tests.py"],
    ],
)
def test_bad_input_exits_2_without_calling_the_api(fake_openai, argv, capsys):
    assert run(argv) == 2
    assert capsys.readouterr().err.startswith("qa-arena: ")
    assert fake_openai.requests == []


def test_bad_input_exits_2_with_one_line(fake_openai, tests_file, capsys):
    assert main(["feedback", "/nonexistent/problem", str(tests_file)]) == 2
    assert main(["feedback", str(ADDER), str(tests_file), "--backend", "nosuchbackend"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("qa-arena: ") for line in err)


def test_the_command_in_a_process_uses_the_standard_environment(fake_openai, tests_file, tmp_path):
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-test-key",
        "OPENAI_BASE_URL": fake_openai.url,
        "QA_ARENA_OPENAI_MODEL": "tiny-model",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    command = [sys.executable, "-m", "qa_arena", "feedback", str(ADDER), str(tests_file), "--backend", "local"]
    fake_openai.replies(fake_openai.answer(ANSWER))
    first = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert first.returncode == 0, first.stderr
    assert f"Feedback (AI, model tiny-model)\n{ANSWER}\n" in first.stdout
    assert fake_openai.requests[0]["body"]["model"] == "tiny-model"
    second = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert "Feedback (AI, model tiny-model, cached)" in second.stdout
    assert len(fake_openai.requests) == 1
    assert list((tmp_path / "cache" / "qa-arena").iterdir())  # the cache lives under $XDG_CACHE_HOME
