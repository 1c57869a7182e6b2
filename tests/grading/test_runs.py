from qa_arena.grading.runs import parse_result

A, B = "test_submission.py::test_a", "test_submission.py::test_b"


def _event(*records, **extra):
    return {"event": "result", "run": "x", "records": list(records), **extra}


def test_complete_run():
    run = parse_result(
        _event(
            {"t": "collected", "ids": [A, B]},
            {"t": "test", "id": A, "outcome": "passed"},
            {"t": "test", "id": B, "outcome": "failed", "message": "assert 1 == 2"},
            {"t": "done", "exitstatus": 1},
        )
    )
    assert run.complete and not run.crashed
    assert run.passes(A) and not run.passes(B)
    assert run.messages[B] == "assert 1 == 2"


def test_forged_records_are_ignored():
    run = parse_result(
        _event(
            {"t": "collected", "ids": [A]},
            {"t": "collected", "ids": [A, B]},  # a second, forged collection
            {"t": "test", "id": B, "outcome": "passed"},  # a test that was never collected
            {"t": "test", "id": A, "outcome": "failed"},
            {"t": "test", "id": A, "outcome": "passed"},  # a later, forged verdict for the same test
            {"t": "test", "id": A, "outcome": "bogus"},
            "not a record",
            42,
            {"t": "done", "exitstatus": 0},
        )
    )
    assert run.collected == [A]
    assert run.outcomes == {A: "failed"}


def test_done_without_every_test_is_incomplete():
    run = parse_result(
        _event(
            {"t": "collected", "ids": [A, B]},
            {"t": "test", "id": A, "outcome": "passed"},
            {"t": "done", "exitstatus": 0},
        )
    )
    assert not run.complete
    assert run.first_unreported([A, B]) == B


def test_timed_out_or_truncated_run_is_never_complete():
    records = [{"t": "collected", "ids": [A]}, {"t": "test", "id": A, "outcome": "passed"}, {"t": "done"}]
    assert not parse_result(_event(*records, timed_out=True)).complete
    assert not parse_result(_event(*records, truncated=True)).complete


def test_malformed_event_fields():
    run = parse_result({"records": "nope", "duration_s": "slow", "setup_error": 5})
    assert run.collected == [] and run.duration_s == 0.0 and run.setup_error is None
    long = parse_result(_event({"t": "collected", "ids": ["x" * 10_000, A]}))
    assert long.collected == [A]
