"""The README's main command: `qa-arena demo` grades a throwaway course end to end, as a newcomer runs it:
from the checkout's venv, and from the wheel installed in a fresh venv far from the checkout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa_arena.course.demo import ASSIGNMENT, PROBLEMS
from qa_arena.grading.paths import bundled_problems_dir
from qa_arena.grading.problem import load_problem

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]


@pytest.mark.parametrize("installed", ["checkout", pytest.param("wheel", marks=pytest.mark.install)])
def test_the_demo_grades_its_four_students_and_releases_their_feedback(request, tmp_path, installed):
    course = tmp_path / "demo"
    command, env, cwd = [str(Path(sys.executable).with_name("qa-arena"))], None, None
    if installed == "wheel":
        wheel = request.getfixturevalue("installed_wheel")
        command, env, cwd = [wheel.qa_arena], wheel.env(home=tmp_path), tmp_path
    demo = subprocess.run([*command, "demo", "--dir", str(course)], capture_output=True, text=True, timeout=900,
                          env=env, cwd=cwd)  # fmt: skip
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "The course is in" in demo.stdout and ASSIGNMENT in demo.stdout
    checkout = str(Path(__file__).resolve().parents[2])
    assert checkout not in (course / "nbgrader_config.py").read_text()  # the course owns its problems
    assert sorted(p.name for p in (course / "problems").iterdir()) == sorted(PROBLEMS)

    records = {
        (path.parent.name, path.name.split(".")[0]): json.loads(path.read_text())
        for path in (course / "records" / ASSIGNMENT).glob("*/*.qa-arena.json")
    }
    assert {student for student, _ in records} == {"ada", "ben", "cleo", "dan"}
    assert len(records) == 4 * len(PROBLEMS)
    for slug in PROBLEMS:
        assert (records["ada", slug]["status"], records["ada", slug]["score"]) == ("SUCCESS", 100)  # thorough
        assert records["ben", slug]["status"] == "SUCCESS" and 30 <= records["ben", slug]["score"] < 100  # weak
    invalid = records["cleo", "durations"]["verdict"]["invalid_tests"]
    assert [(t["name"].split("::")[-1], t["failed_on"]) for t in invalid] == [("test_minutes_capped", "golden")]
    assert (records["dan", "durations"]["status"], records["dan", "durations"]["score"]) == ("FAILURE", 0)
    assert "not a readable notebook" in records["dan", "durations"]["log"][-1]
    assert records["dan", "leap_year"]["status"] == "SUCCESS"

    hidden = [line.strip() for slug in PROBLEMS for v in load_problem(bundled_problems_dir() / slug).variants
              for line in v.source.splitlines() if len(line.strip()) > 25]  # fmt: skip
    expected = {"ada": sorted(PROBLEMS), "ben": sorted(PROBLEMS), "cleo": sorted(PROBLEMS), "dan": ["leap_year"]}
    for student, notebooks in expected.items():  # dan's broken notebook could not be graded: no feedback page
        pages = sorted((course / "feedback" / student / ASSIGNMENT).glob("*.html"))
        assert [p.stem for p in pages] == notebooks
        for page in pages:
            text = page.read_text()
            assert not [line for line in hidden if line in text], f"{student}/{page.name} shows hidden code"
            assert ">Your tests (graded by QA Arena)<" in text and "Coding free-response" not in text
