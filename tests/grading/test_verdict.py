"""The verdict table: validity, kills, status and score, on synthetic runs."""

import pytest

from qa_arena.grading.problem import load_problem, problem_fingerprint
from qa_arena.grading.runs import RunOutcome
from qa_arena.grading.verdict import ERROR, FAILURE, SUCCESS, TIMED_OUT, Verdict, decide
from tests.support.paths import ADDER

A, B = "t::test_a", "t::test_b"


def run(outcomes: dict, complete=True, **kw) -> RunOutcome:
    return RunOutcome(collected=kw.pop("collected", [A, B]), outcomes=outcomes, complete=complete, **kw)


ALL_PASS = {A: "passed", B: "passed"}


@pytest.fixture
def problem():
    return load_problem(ADDER)  # mutants: minus (2.0), off_by_one (1.0), zero (1.0)


def correct(problem, **overrides):
    runs = {v.id: run(dict(ALL_PASS)) for v in problem.correct_variants}
    runs.update(overrides)
    return runs


def test_all_killed(problem):
    mutants = {m.id: run({A: "failed"}, complete=False, stopped_early=True) for m in problem.mutants}
    verdict = decide(problem, correct(problem), mutants)
    assert (verdict.status, verdict.score, verdict.killed, verdict.total) == (SUCCESS, 100.0, 3, 3)
    assert all(v.killed_by == [A] for v in verdict.variants if v.kind == "mutant")


def test_weighted_kill_ratio(problem):
    mutants = {"minus": run({A: "failed", B: "passed"}), "off_by_one": run(dict(ALL_PASS)), "zero": run(dict(ALL_PASS))}
    verdict = decide(problem, correct(problem), mutants)
    assert verdict.kill_ratio == pytest.approx(0.5)
    assert verdict.score == 65.0
    assert verdict.hints == [m.hint for m in problem.mutants if m.id != "minus"]


def test_custom_split(problem):
    mutants = {m.id: run(dict(ALL_PASS)) for m in problem.mutants}
    assert decide(problem, correct(problem), mutants, base=10, span=90).score == 10.0


def test_test_failing_on_golden_is_invalid_and_cannot_kill(problem):
    golden = run({A: "failed", B: "passed"}, messages={A: "assert 4 == 5"})
    mutants = {m.id: run({A: "failed", B: "passed"}) for m in problem.mutants}
    verdict = decide(problem, correct(problem, golden=golden), mutants)
    assert [(t.name, t.failed_on, t.reason) for t in verdict.invalid_tests] == [(A, "golden", "assert 4 == 5")]
    assert verdict.killed == 0 and verdict.score == 30.0


def test_test_failing_on_wheat_only(problem):
    verdict = decide(
        problem,
        correct(problem, loop=run({A: "passed", B: "error"})),
        {m.id: run(dict(ALL_PASS)) for m in problem.mutants},
    )
    assert [(t.name, t.failed_on, t.reason) for t in verdict.invalid_tests] == [(B, "wheat", "")]


def test_tests_a_wheat_ran_out_of_time_on_say_so(problem):
    """Its fate, not its messages: the test reported failing before the timeout keeps no reason."""
    loop = run({A: "failed"}, complete=False, timed_out=True, messages={A: "assert 6 == 5"})
    verdict = decide(problem, correct(problem, loop=loop), {m.id: run(dict(ALL_PASS)) for m in problem.mutants})
    reasons = [(t.name, t.failed_on, t.reason) for t in verdict.invalid_tests]
    assert reasons == [(A, "wheat", ""), (B, "wheat", TIMED_OUT)]


def test_no_valid_test_is_failure(problem):
    verdict = decide(problem, correct(problem, golden=run({A: "failed", B: "failed"})), {})
    assert (verdict.status, verdict.score) == (FAILURE, 0.0)
    assert verdict.message == "no test passes on every correct implementation"


def test_empty_suite_and_collection_error(problem):
    empty = {v.id: run({}, collected=[]) for v in problem.correct_variants}
    assert decide(problem, empty, {}).message.startswith("no tests were collected")
    broken = {v.id: run({}, collected=[], collect_error="ImportError: nope") for v in problem.correct_variants}
    verdict = decide(problem, broken, {})
    assert verdict.status == FAILURE and "ImportError: nope" in verdict.message


def test_timeout_on_golden_invalidates_unfinished_tests(problem):
    golden = run({A: "passed"}, complete=False, timed_out=True)
    verdict = decide(problem, correct(problem, golden=golden), {m.id: run(dict(ALL_PASS)) for m in problem.mutants})
    assert [(t.name, t.reason) for t in verdict.invalid_tests] == [(B, "timed out")]
    assert verdict.variants[0].outcome == "timeout"


def test_mutant_timeout_or_crash_counts_as_kill_by_running_test(problem):
    mutants = {
        "minus": run({A: "passed"}, complete=False, timed_out=True),
        "off_by_one": run({}, complete=False),
        "zero": run(dict(ALL_PASS)),
    }
    verdict = decide(problem, correct(problem), mutants)
    by_id = {v.id: v for v in verdict.variants}
    assert (by_id["minus"].outcome, by_id["minus"].killed_by) == ("timeout", [B])
    assert (by_id["off_by_one"].outcome, by_id["off_by_one"].killed_by) == ("error", [A])
    assert (by_id["zero"].outcome, by_id["zero"].killed_by) == ("passed", [])


def test_a_mutant_the_suite_cannot_be_collected_on_is_killed_by_every_valid_test(problem):
    """As with pytest: a mutant that fails on import makes every test of the suite fail (collection error)."""
    mutants = {m.id: run(dict(ALL_PASS)) for m in problem.mutants}
    mutants["zero"] = run({}, collected=[], collect_error="TypeError: unsupported operand")
    verdict = decide(problem, correct(problem), mutants)
    zero = next(v for v in verdict.variants if v.id == "zero")
    assert (zero.outcome, zero.killed_by) == ("error", [A, B])
    assert verdict.killed == 1


def test_early_stopped_mutant_is_not_blamed_for_unrun_tests(problem):
    mutants = {m.id: run({A: "failed"}, complete=False, stopped_early=True) for m in problem.mutants}
    verdict = decide(problem, correct(problem), mutants)
    assert all(v.killed_by == [A] and v.outcome == "failed" for v in verdict.variants if v.kind == "mutant")


def test_setup_error_is_error_not_a_guess(problem):
    verdict = decide(problem, correct(problem, loop=run({}, complete=False, setup_error="unshare refused")), {})
    assert (verdict.status, verdict.score) == (ERROR, None)


def test_json_contract_fields(problem):
    mutants = {m.id: run(dict(ALL_PASS)) for m in problem.mutants}
    data = decide(problem, correct(problem), mutants).to_dict()
    assert {
        "problem",
        "status",
        "score",
        "kill_ratio",
        "killed",
        "total",
        "valid_tests",
        "invalid_tests",
        "tests",
        "variants",
        "duration_s",
    } <= set(data)
    assert data["tests"] == [{"name": A, "valid": True}, {"name": B, "valid": True}]
    assert {"id", "kind", "outcome", "killed_by", "duration_s"} == set(data["variants"][0])


def test_the_problem_fingerprint_is_kept_additively_and_old_verdicts_load(problem):
    verdict = decide(problem, correct(problem), {m.id: run({A: "failed", B: "passed"}) for m in problem.mutants})
    before = verdict.to_dict()
    verdict.problem_sha256 = problem_fingerprint(problem)
    stored = verdict.to_dict()
    assert stored == {**before, "problem_sha256": problem_fingerprint(problem)}  # every other field unchanged
    assert Verdict.from_dict(stored, problem).problem_sha256 == verdict.problem_sha256
    old = {k: v for k, v in stored.items() if k != "problem_sha256"}  # stored before the field existed
    assert Verdict.from_dict(old, problem).problem_sha256 is None
    assert Verdict.from_dict(old, problem).to_dict() == {**old, "problem_sha256": None}


def test_how_the_runs_collected_is_kept_and_verdicts_stored_before_it_load(problem):
    verdict = decide(problem, correct(problem), {m.id: run({A: "failed", B: "passed"}) for m in problem.mutants})
    verdict.collection, verdict.collection_note = "each", "line 3: a call of 'helper' at collection"
    stored = verdict.to_dict()
    loaded = Verdict.from_dict(stored, problem)
    assert (loaded.collection, loaded.collection_note) == ("each", "line 3: a call of 'helper' at collection")
    old = {k: v for k, v in stored.items() if k not in ("collection", "collection_note")}
    loaded_old = Verdict.from_dict(old, problem)
    assert (loaded_old.collection, loaded_old.collection_note) == (None, "")


def test_a_test_whose_outcome_differs_between_the_golden_runs_is_flaky_and_kills_nothing(problem):
    from qa_arena.grading.presentation import REPEAT

    runs = correct(problem, **{REPEAT: run({A: "passed", B: "failed"})})
    mutants = {m.id: run({A: "passed", B: "failed"}) for m in problem.mutants}  # only B "kills"
    verdict = decide(problem, runs, mutants)
    assert [(t.name, t.failed_on) for t in verdict.invalid_tests] == [(B, "flaky")]
    assert verdict.killed == 0 and verdict.score == 30.0
    both_fail = correct(problem, golden=run({A: "passed", B: "failed"}), **{REPEAT: run({A: "passed", B: "failed"})})
    assert [t.failed_on for t in decide(problem, both_fail, mutants).invalid_tests] == ["golden"]  # stable: not flaky


def test_a_test_failing_on_a_twin_is_invalid(problem):
    from qa_arena.grading.presentation import twin_variants

    twins = twin_variants(problem, 2)
    runs = correct(problem, **{"twin-1": run(dict(ALL_PASS)), "twin-2": run({A: "passed", B: "failed"})})
    mutants = {m.id: run({A: "passed", B: "failed"}) for m in problem.mutants}
    verdict = decide(problem, runs, mutants, twins=twins)
    assert [(t.name, t.failed_on) for t in verdict.invalid_tests] == [(B, "twin")]
    assert verdict.killed == 0
    assert [(v.id, v.kind, v.outcome) for v in verdict.variants if v.kind == "twin"] == [
        ("twin-1", "twin", "passed"), ("twin-2", "twin", "failed")]  # fmt: skip


def test_a_test_the_repeat_did_not_reach_is_not_flaky(problem):
    """The repeat runs the tests in reverse: one that hangs or crashes ends it before the others."""
    from qa_arena.grading.presentation import REPEAT

    repeat = run({B: "failed"}, complete=False, timed_out=True)  # B ran first, timed out; A never ran
    runs = correct(problem, golden=run({A: "passed", B: "failed"}), **{REPEAT: repeat})
    mutants = {m.id: run({A: "failed"}, complete=False, stopped_early=True) for m in problem.mutants}
    verdict = decide(problem, runs, mutants)
    assert [(t.name, t.failed_on) for t in verdict.invalid_tests] == [(B, "golden")]
    assert verdict.killed == 3
