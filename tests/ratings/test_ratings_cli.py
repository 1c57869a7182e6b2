"""`qa-arena ratings add|list|export` in this process: exit 0 with output, exit 2 with one line on bad input."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from tests.ratings.helpers import add_submission, run_main

AI = ["--feedback-source", "ai", "--feedback-model", "gpt-4o-mini"]


@pytest.fixture
def sub(cli_env):
    return add_submission(cli_env, "alice", "adder", 72.5)


def _one_line_error(capsys, code: int, fragment: str) -> None:
    out = capsys.readouterr()
    assert code == 2
    assert out.out == ""
    lines = out.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa-arena: ") and fragment in lines[0], out.err


def test_add_then_replace_then_list(sub, capsys):
    args = ["ratings", "add", str(sub.id), "--user", "alice", "--feedback-text", "Try zero."]
    assert run_main([*args, "--stars", "4", "--comment", "useful", *AI]) == 0
    assert capsys.readouterr().out == f"rated: submission {sub.id} (adder), 4 stars\n"
    assert run_main([*args, "--stars", "2", "--feedback-source", "fallback", "--feedback-reason", "timeout"]) == 0
    assert capsys.readouterr().out.startswith("replaced the earlier rating")

    assert run_main(["ratings", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["stars"], row["comment"], row["feedback_source"], row["feedback_reason"]) == (
        2,
        None,
        "fallback",
        "timeout",
    )
    assert run_main(["ratings", "list", "--problem", "adder"]) == 0
    table = capsys.readouterr().out
    assert "alice" in table and "★★" in table and "1 rating(s) of adder" in table
    assert run_main(["ratings", "list", "--problem", "nope", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_add_json_user_from_the_hub_and_text_from_stdin(sub, capsys, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    monkeypatch.setattr("sys.stdin", io.StringIO("the text\nthey saw\n"))
    assert run_main(["ratings", "add", str(sub.id), "--stars", "5", "--feedback-text", "-", *AI, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["username"], out["feedback_text"], out["replaced"]) == ("alice", "the text\nthey saw\n", False)


def test_list_shows_comments_as_text_not_markup(sub, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich's width when the output is not a terminal
    base = ["ratings", "add", str(sub.id), "--user", "alice", "--stars", "3", "--feedback-text", "t", *AI]
    assert run_main([*base, "--comment", "[bold red]not markup[/bold red]"]) == 0
    capsys.readouterr()
    assert run_main(["ratings", "list"]) == 0
    assert "[bold red]not markup[/bold red]" in capsys.readouterr().out


def test_export_writes_the_csv(sub, capsys, tmp_path):
    base = ["ratings", "add", str(sub.id), "--user", "alice", "--stars", "3", "--feedback-text", "t", *AI]
    assert run_main(base) == 0
    capsys.readouterr()
    out = tmp_path / "staff" / "ratings.csv"
    assert run_main(["ratings", "export", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out} (1 ratings)\n"
    frame = pd.read_csv(out)
    assert frame[["username", "problem", "stars"]].values.tolist() == [["alice", "adder", 3]]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--stars", "6", *AI], "stars must be a whole number from 1 to 5, got '6'"),
        (["--stars", "4.5", *AI], "stars must be a whole number from 1 to 5"),
        (["--stars", "4", "--comment", "x" * 2001, *AI], "at most 2000"),
        (["--stars", "4", "--feedback-source", "ai"], "AI feedback needs the model"),
        (["--stars", "4", "--feedback-source", "fallback", "--feedback-model", "m"], "fallback feedback has no model"),
    ],
)
def test_add_bad_input_exits_2_with_one_line(sub, capsys, extra, fragment):
    code = run_main(["ratings", "add", str(sub.id), "--user", "alice", "--feedback-text", "t", *extra])
    _one_line_error(capsys, code, fragment)


def test_add_to_someone_elses_or_a_missing_submission_exits_2(sub, capsys):
    args = ["--stars", "4", "--feedback-text", "t", *AI]
    _one_line_error(capsys, run_main(["ratings", "add", str(sub.id), "--user", "mallory", *args]), "no submission")
    _one_line_error(capsys, run_main(["ratings", "add", "12345", "--user", "alice", *args]), "not a submission id")


def test_export_to_a_directory_exits_2(cli_env, capsys, tmp_path):
    _one_line_error(capsys, run_main(["ratings", "export", "--out", str(tmp_path)]), "is a directory")
