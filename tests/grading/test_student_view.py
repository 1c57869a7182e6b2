from qa_arena.grading.problem import load_problem
from qa_arena.grading.student_view import TWIN_REASON, render_student, safe_summary, student_feedback
from qa_arena.grading.verdict import ERROR, FAILURE, SUCCESS, TIMED_OUT, InvalidTest, Verdict
from tests.support.paths import ADDER

TESTS = "from adder import add\n\ndef test_a():\n    assert add(2, 2) == 5\n"


def test_honest_summaries_are_kept():
    problem = load_problem(ADDER)
    assert safe_summary("assert 4 == 5", problem, TESTS) == "assert 4 == 5"
    assert safe_summary("Failed: DID NOT RAISE ValueError", problem, TESTS + "raises(ValueError)") != ""


def test_summaries_quoting_implementation_code_are_withheld():
    problem = load_problem(ADDER)
    assert safe_summary("assert '# MARKER-GOL...eturn a + b\\n' == ''", problem, TESTS) == ""
    assert safe_summary("AssertionError: total += b; return total", problem, TESTS) == ""  # a wheat's code


def _verdict(**kw):
    base = {"problem": "adder", "status": SUCCESS, "score": 47.5, "killed": 1, "total": 3}
    return Verdict(**{**base, **kw})


def test_student_view():
    problem = load_problem(ADDER)
    verdict = _verdict(
        invalid_tests=[InvalidTest("t::test_a", "golden", "assert 4 == 5"), InvalidTest("t::test_b", "wheat")],
        hints=["Check sums with exact expected values."],
    )
    view = student_feedback(verdict, problem, TESTS)
    assert view["invalid_tests"][0]["reason"] == "fails on the reference implementation: assert 4 == 5"
    assert "another correct implementation" in view["invalid_tests"][1]["reason"]
    text = render_student(verdict, problem, TESTS)
    assert "Score: 47.5 / 100" in text and "Bugs caught: 1 of 3" in text
    assert "Check sums with exact expected values." in text


def test_student_view_of_failure_and_error():
    problem = load_problem(ADDER)
    failure = render_student(_verdict(status=FAILURE, score=0.0, message="no tests were collected"), problem)
    assert "Score: 0 / 100" in failure and "No valid test: no tests were collected." in failure
    error = render_student(_verdict(status=ERROR, score=None, message="no Docker engine answers: boom"), problem)
    assert "Not graded" in error and "boom" not in error


def test_invalid_tests_named_are_capped_and_the_students_own_mistakes_come_first():
    problem = load_problem(ADDER)
    invalid = [InvalidTest(f"t::test_w{i}", "wheat") for i in range(5)]
    invalid += [InvalidTest("t::test_t", "twin"), InvalidTest("t::test_f", "flaky"), InvalidTest("t::test_g", "golden")]
    verdict = _verdict(invalid_tests=invalid)
    view = student_feedback(verdict, problem, TESTS)
    assert [t["name"] for t in view["invalid_tests"]] == ["t::test_g", "t::test_f", "t::test_w0"]
    assert view["invalid_tests_total"] == 8
    assert view["invalid_tests"][1]["reason"].startswith("flaky:")
    text = render_student(verdict, problem, TESTS)
    assert "and 5 more (at most 3 are named per check)" in text and "test_w1" not in text
    assert len(student_feedback(verdict, problem, TESTS, invalid_named=8)["invalid_tests"]) == 8
    twin = student_feedback(verdict, problem, TESTS, invalid_named=8)["invalid_tests"][-1]
    assert twin == {"name": "t::test_t", "reason": TWIN_REASON}


def test_a_test_that_ran_out_of_time_on_a_correct_variant_is_told_to_be_quicker():
    problem = load_problem(ADDER)  # timeout_s = 2
    invalid = [InvalidTest("t::test_slow", "wheat", TIMED_OUT), InvalidTest("t::test_twin", "twin", TIMED_OUT)]
    invalid += [InvalidTest("t::test_open", "wheat")]
    view = student_feedback(_verdict(invalid_tests=invalid), problem, TESTS)
    reasons = {t["name"]: t["reason"] for t in view["invalid_tests"]}
    slow = reasons["t::test_slow"]
    assert slow == reasons["t::test_twin"] != reasons["t::test_open"]
    assert slow.startswith("did not finish in time on another correct implementation") and "2 s" in slow
    assert "another correct implementation: the test relies on behaviour" in reasons["t::test_open"]
