"""Exports of a real course: built with the real nbgrader commands, graded by the judge, then exported.

One assignment with two small problems and four students: a thorough suite, a weak one, one with an
invalid test (submitted late, and with an empty durations notebook), and one who submits nothing.
Every number in the exports is checked against the judge's verdicts in the staff records.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.image
import openpyxl
import pandas as pd
import pytest
from nbgrader.api import Gradebook
from PIL import Image

from qa_arena.cli import main
from qa_arena.course.runner import CourseRunner, write_tests
from qa_arena.course.setup import build_assignment, init_course
from qa_arena.exports.course import GradebookReader, load_course
from qa_arena.exports.files import atomic_file
from qa_arena.exports.gradebook import GradebookExport
from qa_arena.exports.report import FIGURES, REPORT_FILE
from qa_arena.exports.results import collect
from qa_arena.grading.problem import load_problem
from tests.support.paths import PROBLEMS

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

ASSIGNMENT = "ps1"
NOTEBOOKS = ("durations", "leap_year")
STUDENTS = ("ada", "ben", "cleo", "dan")
STUDENTS_CSV = (
    "id,first_name,last_name,email,lms_user_id\n"
    "ada,Ada,Lovelace,ada@example.edu,101\n"
    "ben,Ben,Okri,,102\n"
    "cleo,Cleo,,cleo@example.edu,\n"
    "dan,Dan,Brown,dan@example.edu,104\n"
)
LEAP_WEAK = (
    "from calendar_rules import is_leap_year\n\n"
    "def test_2024():\n    assert is_leap_year(2024) is True\n\n"
    "def test_1900():\n    assert is_leap_year(1900) is False\n"
)
LEAP_INVALID = (  # test_1900_is_leap fails on the golden: invalid
    "from calendar_rules import is_leap_year\n\n"
    "def test_2024():\n    assert is_leap_year(2024) is True\n\n"
    "def test_1900_is_leap():\n    assert is_leap_year(1900) is True\n"
)
DURATIONS_SOME = (  # kills empty_is_zero and hour_off_by_one only
    "import pytest\nfrom durations import parse_duration\n\n"
    "def test_hours():\n    assert parse_duration('1h30m') == 5400\n\n"
    "def test_empty():\n    with pytest.raises(ValueError):\n        parse_duration('')\n"
)
DURATIONS_WEAK = "from durations import parse_duration\n\ndef test_45s():\n    assert parse_duration('45s') == 45\n"
SUBMISSIONS = {
    "ada": {"leap_year": "reference", "durations": DURATIONS_SOME},
    "ben": {"leap_year": LEAP_WEAK, "durations": DURATIONS_WEAK},
    "cleo": {"leap_year": LEAP_INVALID},  # durations left as released: no tests, FAILURE
}  # dan submits nothing
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPORTER = "autograde_plugins.export.QAArenaExportPlugin"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    init_course(root, "qa-arena", [PROBLEMS])
    problems = {slug: load_problem(PROBLEMS / slug) for slug in NOTEBOOKS}
    build_assignment(root, ASSIGNMENT, list(problems.values()))
    runner = CourseRunner(root)
    (root / "students.csv").write_text(STUDENTS_CSV)
    runner.nbgrader("db", "student", "import", str(root / "students.csv"))
    runner.release(ASSIGNMENT)
    # A copy of the course as it is now: a gradebook with an assignment and students, but no submission.
    empty = tmp_path_factory.mktemp("empty-course")
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy2(root / name, empty / name)
    for student, suites in SUBMISSIONS.items():
        if student == "cleo":  # the deadline passes before cleo submits: nbgrader's "zero" late penalty
            due = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            runner.nbgrader("db", "assignment", "add", ASSIGNMENT, f"--duedate={due}")
        folder = runner.fetch(student, ASSIGNMENT)
        for slug, tests in suites.items():
            write_tests(
                folder / f"{slug}.ipynb", problems[slug].reference_tests.read_text() if tests == "reference" else tests
            )
        runner.submit(student, ASSIGNMENT)
    runner.collect_and_autograde(ASSIGNMENT)
    no_db = tmp_path_factory.mktemp("no-gradebook")
    shutil.copy2(root / "nbgrader_config.py", no_db / "nbgrader_config.py")
    return {"root": root, "runner": runner, "empty": empty, "no_db": no_db, "problems": problems}


def record(course, student: str, notebook: str) -> dict:
    path = course["root"] / "records" / ASSIGNMENT / student / f"{notebook}.qa-arena.json"
    return json.loads(path.read_text())


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def exported(capsys, course, tmp_path, *args: str, name: str = "gradebook.csv") -> Path:
    out = tmp_path / name
    code, _, err = run(capsys, "export", *args, "--course-dir", course["root"], "--out", out)
    assert code == 0, err
    return out


def library_frame(course) -> pd.DataFrame:
    """The gradebook table as the library builds it, before any file is involved."""
    settings = load_course(course["root"])
    with GradebookReader().open(settings) as gradebook:
        results = collect(gradebook, settings.records_dir)
    return GradebookExport().frame(results)


def snapshot(*roots: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for root in roots for p in root.rglob("*") if p.is_file()}


def test_the_course_is_what_the_exports_expect(course):
    assert {s: record(course, s, "leap_year")["status"] for s in SUBMISSIONS} == dict.fromkeys(SUBMISSIONS, "SUCCESS")
    assert record(course, "cleo", "durations")["status"] == "FAILURE"
    assert not (course["root"] / "records" / ASSIGNMENT / "dan").exists()


def test_gradebook_numbers_equal_the_verdicts(capsys, course, tmp_path):
    frame = pd.read_csv(exported(capsys, course, tmp_path, "gradebook")).set_index("student_id")
    assert list(frame.index) == list(STUDENTS)
    with Gradebook(f"sqlite:///{course['root'] / 'gradebook.db'}", "qa-arena") as gradebook:
        for student in SUBMISSIONS:
            row = frame.loc[student]
            for notebook in NOTEBOOKS:
                rec, col = record(course, student, notebook), f"{ASSIGNMENT}/{notebook}/"
                verdict = rec["verdict"]
                assert row[col + "status"] == rec["status"] == verdict["status"]
                assert row[col + "score"] == rec["score"] == verdict["score"]
                assert row[col + "kill_ratio"] == verdict["kill_ratio"]
                assert row[col + "bugs_caught"] == verdict["killed"]
                assert row[col + "bugs_total"] == verdict["total"]
                assert row[col + "valid_tests"] == verdict["valid_tests"]
                assert row[col + "invalid_tests"] == len(verdict["invalid_tests"])
                graded = gradebook.find_submission_notebook(notebook, ASSIGNMENT, student)
                assert row[col + "points"] == graded.score
                assert row[col + "late_penalty"] == (graded.late_submission_penalty or 0.0)
                history = {h["status"]: datetime.fromisoformat(h["at"]) for h in rec["history"]}
                assert datetime.fromisoformat(row[col + "graded_at"]) == history[rec["status"]]
                assert row[col + "grading_latency_s"] == (history[rec["status"]] - history["RUNNING"]).total_seconds()
            submission = gradebook.find_submission(ASSIGNMENT, student)
            stamp = datetime.fromisoformat(row[f"{ASSIGNMENT}/leap_year/submitted_at"])
            assert abs(stamp - submission.timestamp.replace(tzinfo=UTC)).total_seconds() < 1
            assert row[f"{ASSIGNMENT}/raw_points"] == submission.score
            assert row[f"{ASSIGNMENT}/late_penalty"] == submission.late_submission_penalty
            assert row[f"{ASSIGNMENT}/points"] == max(0.0, submission.score - submission.late_submission_penalty)
    assert frame.loc["ada", "ps1/leap_year/score"] == 100.0
    assert frame.loc["cleo", "ps1/leap_year/invalid_tests"] == 1 and frame.loc["cleo", "ps1/leap_year/late_penalty"] > 0
    assert frame.loc["cleo", "ps1/points"] == 0.0  # late: "zero" takes every point
    assert frame.loc["cleo", "ps1/durations/bugs_caught"] == 0 and frame.loc["cleo", "ps1/durations/valid_tests"] == 0
    dan = frame.loc["dan"]
    assert dan["ps1/leap_year/status"] == "NOT SUBMITTED" and dan["ps1/points"] == 0.0
    assert pd.isna(dan["ps1/leap_year/score"]) and pd.isna(dan["ps1/leap_year/bugs_caught"])
    assert (frame["total_points"] == frame["ps1/points"]).all() and (frame["total_max_points"] == 20.0).all()


def test_csv_round_trips_through_pandas(capsys, course, tmp_path):
    path = exported(capsys, course, tmp_path, "gradebook", "--format", "csv")
    written = library_frame(course)
    read = pd.read_csv(path)
    assert list(read.columns) == list(written.columns)
    pd.testing.assert_frame_equal(read, written, check_dtype=False, check_exact=True)
    again = tmp_path / "again.csv"
    read.to_csv(again, index=False)
    pd.testing.assert_frame_equal(pd.read_csv(again), read, check_exact=True)


def test_xlsx_opens_with_openpyxl(capsys, course, tmp_path):
    path = exported(capsys, course, tmp_path, "gradebook", "--format", "xlsx", name="grades.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book["gradebook"]
    rows = list(sheet.iter_rows(values_only=True))
    written = library_frame(course)
    assert list(rows[0]) == list(written.columns)
    assert [r[0] for r in rows[1:]] == list(STUDENTS)
    score = list(written.columns).index("ps1/leap_year/score")
    assert [r[score] for r in rows[1:]] == [record(course, s, "leap_year")["score"] for s in SUBMISSIONS] + [None]
    book.close()
    read = pd.read_excel(path, sheet_name="gradebook", engine="openpyxl")
    pd.testing.assert_frame_equal(read, written, check_dtype=False, check_exact=True)


def test_canvas_csv_has_the_points_possible_row(capsys, course, tmp_path):
    path = exported(capsys, course, tmp_path, "gradebook", "--format", "canvas", name="canvas.csv")
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ps1"]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == 20.0
    students = {r[3]: r for r in rows[2:]}
    assert students["ada"][:2] == ["Lovelace, Ada", "101"] and students["cleo"][0] == "Cleo"
    with Gradebook(f"sqlite:///{course['root'] / 'gradebook.db'}", "qa-arena") as gradebook:
        for student in SUBMISSIONS:
            submission = gradebook.find_submission(ASSIGNMENT, student)
            expected = max(0.0, submission.score - submission.late_submission_penalty)
            assert float(students[student][5]) == expected
    assert float(students["dan"][5]) == 0.0  # nothing submitted


def test_mutant_survival_matches_the_verdicts(capsys, course, tmp_path):
    frame = pd.read_csv(exported(capsys, course, tmp_path, "mutants", name="mutants.csv"))
    for notebook in NOTEBOOKS:
        verdicts = [record(course, s, notebook)["verdict"] for s in SUBMISSIONS]
        success = [v for v in verdicts if v["status"] == "SUCCESS"]
        mutants = course["problems"][notebook].mutants
        rows = frame[frame["problem"] == notebook].set_index("mutant")
        assert sorted(rows.index) == sorted(m.id for m in mutants)
        for mutant in mutants:
            runs = [next(x for x in v["variants"] if x["id"] == mutant.id) for v in success]
            killed = sum(1 for r in runs if r["killed_by"])
            row = rows.loc[mutant.id]
            assert (row["suites"], row["killed"], row["survived"]) == (len(success), killed, len(success) - killed)
            assert row["survival_rate"] == (len(success) - killed) / len(success)
            assert row["weight"] == mutant.weight
            assert row["never_killed"] == (killed == 0) and row["always_killed"] == (killed == len(success))
            counts = Counter(t.split("::")[-1] for r in runs for t in r["killed_by"])
            if counts:  # "name (count); ...", the most common first
                listed = [entry.rsplit(" (", 1) for entry in row["top_killing_tests"].split("; ")]
                assert {name: int(count.rstrip(")")) for name, count in listed} == dict(counts.most_common(3))
                assert int(listed[0][1].rstrip(")")) == max(counts.values())
            else:
                assert pd.isna(row["top_killing_tests"])
    durations = frame[frame["problem"] == "durations"].set_index("mutant")
    assert set(durations.index[~durations["never_killed"]]) == {"empty_is_zero", "hour_off_by_one"}
    leap = frame[frame["problem"] == "leap_year"].set_index("mutant")
    assert leap.loc["truthy_not_bool", "always_killed"] and leap.loc["truthy_not_bool", "suites"] == 3


def test_report_writes_html_and_valid_pngs(capsys, course, tmp_path):
    out = tmp_path / "report"
    code, stdout, err = run(capsys, "report", "--course-dir", course["root"], "--out", out)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted([REPORT_FILE, *FIGURES])
    for name in FIGURES:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        with Image.open(out / name) as image:
            image.verify()
        pixels = matplotlib.image.imread(out / name)
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    page = (out / REPORT_FILE).read_text()
    assert all(f"src='{name}'" in page for name in FIGURES)
    assert "Check counts come with the grading service" in page
    assert "truthy_not_bool" in page and "report.html" in stdout
    assert not list(tmp_path.glob(".report.*"))  # the temporary directory is gone


def test_nbgrader_export_with_the_plugin(capsys, course, tmp_path):
    out = tmp_path / "via-nbgrader.csv"
    course["runner"].nbgrader("export", f"--exporter={EXPORTER}", "--to", str(out))
    cli_csv = exported(capsys, course, tmp_path, "gradebook")
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(cli_csv), check_exact=True)
    result = course["runner"].nbgrader("export", f"--exporter={EXPORTER}", "--assignment=nope", check=False)
    assert result.returncode != 0 and "unknown assignment 'nope'" in result.stderr
    former = tmp_path / "former-path.csv"  # the path instructors' commands already name still works
    course["runner"].nbgrader("export", "--exporter=qa_arena.exports.nbgrader_plugin.QAArenaExportPlugin", "--to",
                              str(former))  # fmt: skip
    pd.testing.assert_frame_equal(pd.read_csv(former), pd.read_csv(cli_csv), check_exact=True)


ERRORS = {
    "empty": ("empty", [], "no submissions"),
    "unknown assignment": ("root", ["--assignment", "ps9"], "unknown assignment 'ps9'"),
    "missing database": ("no_db", [], "no gradebook database at"),
    "locked database": ("root", [], "is locked"),
}
COMMANDS = {"gradebook": ["export", "gradebook"], "mutants": ["export", "mutants"], "report": ["report"]}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_exit_2_with_one_line_and_write_nothing(capsys, course, tmp_path, case, command):
    which, extra, message = ERRORS[case]
    root = course[which]
    config = tmp_path / "qa_arena_config.py"
    config.write_text("c.GradebookReader.lock_timeout_s = 0.2\n")
    argv = ["--config", config, *COMMANDS[command], "--course-dir", root, *extra]
    if command == "report":
        argv += ["--out", tmp_path / "report"]
    before = snapshot(root, tmp_path)
    lock = None
    if case == "locked database":
        lock = sqlite3.connect(root / "gradebook.db", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
    try:
        code, out, err = run(capsys, *argv)
    finally:
        if lock is not None:
            lock.execute("ROLLBACK")
            lock.close()
    assert code == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith("qa-arena: "), err
    assert message in err
    assert snapshot(root, tmp_path) == before
    assert not (root / "exports").exists() or which == "root"
    assert not (course["no_db"] / "gradebook.db").exists()


def test_a_failed_write_keeps_the_previous_export(capsys, course, tmp_path, monkeypatch):
    path = exported(capsys, course, tmp_path, "gradebook")
    previous = path.read_bytes()

    def half_then_fail(self, target, **kwargs):
        Path(target).write_text("student_id,ps1/le")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    code, _, err = run(capsys, "export", "gradebook", "--course-dir", course["root"], "--out", path)
    assert code == 2 and err.strip() == f"qa-arena: cannot write {path}: No space left on device"
    assert path.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gradebook.csv"]


def test_atomic_file_removes_its_temporary_on_error(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_text("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
