"""What one variant's run produced, checked at the trust boundary.

Everything in a run's report comes from inside the sandbox, where student code runs,
so it is treated as untrusted data: only known record types, bounded strings and
test ids, and no test can be claimed that was not collected. A run that ends
without its closing record is *incomplete*: the tests it did not report did not pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OUTCOMES = ("passed", "failed", "error", "skipped")
PASSING = ("passed", "skipped")
MAX_TESTS = 5000
MAX_ID = 500
MAX_MESSAGE = 300


@dataclass
class RunOutcome:
    collected: list[str] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    collect_error: str | None = None
    complete: bool = False
    timed_out: bool = False
    stopped_early: bool = False
    truncated: bool = False
    setup_error: str | None = None
    duration_s: float = 0.0
    collection: str = "each"  # "once": forked from the submission's one collection (collect-once)
    collection_note: str = ""  # why the runs collected each for themselves

    def passes(self, test: str) -> bool:
        return self.outcomes.get(test) in PASSING

    @property
    def crashed(self) -> bool:
        return not self.complete and not self.stopped_early

    def first_unreported(self, tests: list[str]) -> str | None:
        return next((t for t in tests if t not in self.outcomes), None)


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def parse_result(event: dict) -> RunOutcome:
    """Turn a runner 'result' event into a RunOutcome, keeping only well-formed records."""
    run = RunOutcome(
        timed_out=event.get("timed_out") is True,
        stopped_early=event.get("stopped_early") is True,
        truncated=event.get("truncated") is True,
        setup_error=_text(event.get("setup_error"), MAX_MESSAGE) or None,
    )
    if event.get("collection") == "once":
        run.collection = "once"
    run.collection_note = _text(event.get("collection_note"), MAX_MESSAGE)
    duration = event.get("duration_s")
    run.duration_s = float(duration) if isinstance(duration, int | float) and not isinstance(duration, bool) else 0.0
    records = event.get("records")
    collected_seen = False
    for rec in records if isinstance(records, list) else []:
        if not isinstance(rec, dict):
            continue
        kind = rec.get("t")
        if kind == "collected" and not collected_seen:
            ids = rec.get("ids")
            if isinstance(ids, list):
                collected_seen = True
                unique = dict.fromkeys(i for i in ids if isinstance(i, str) and 0 < len(i) <= MAX_ID)
                run.collected = list(unique)[:MAX_TESTS]
        elif kind == "collect_error" and run.collect_error is None:
            run.collect_error = _text(rec.get("message"), MAX_MESSAGE) or "the tests could not be collected"
        elif kind == "test":
            test, outcome = rec.get("id"), rec.get("outcome")
            if test in run.collected and outcome in OUTCOMES and test not in run.outcomes:
                run.outcomes[test] = outcome
                if outcome not in PASSING:
                    run.messages[test] = _text(rec.get("message"), MAX_MESSAGE)
        elif kind == "done" and collected_seen:
            run.complete = not run.truncated and not run.timed_out
    if run.complete and any(t not in run.outcomes for t in run.collected):
        run.complete = False  # a closing record that does not account for every test
    return run
