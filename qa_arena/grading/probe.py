"""Run implementations on inputs Hypothesis generates, and fingerprint or compare what each one does.

Runs in a child process of `qa-arena mutants generate` and `qa-arena problems validate`
(instructor-side code only: the golden, the wheats and variants derived from them). Reads a JSON job
on stdin and prints on stdout {variant id: fingerprint} (mode "fingerprint") or, for each variant that
behaves unlike the golden, the first input on which it does (mode "compare"). The inputs are generated
once, deterministically from the seed, and each variant gets deep copies, so a variant that mutates
its arguments shows it.

A problem declares its inputs in problem.toml's `[generate]` table: `strategy`, a Hypothesis
expression (with `st`) of argument tuples, and for a class, `drive`: the source of a function
`drive(subject, *args)` that exercises the class on those arguments and returns what it observed.
Without a strategy, the function's annotations give one.
"""

from __future__ import annotations

import builtins
import copy
import hashlib
import inspect
import json
import signal
import sys
import types


def run_probe(problem, sources: dict[str, str], mode: str, seed: int = 0, examples: int = 200) -> dict:
    """Run this module in a child process on `sources` ({variant id: source}, the golden's first) and return
    its answer; {"error": ...} when the problem gives no way to generate inputs."""
    import subprocess

    from qa_arena.grading.problem import ProblemError

    generate = problem.extra.get("generate", {})
    function = generate.get("function", problem.function)
    if not function:
        return {"error": "the problem names no function (problem.toml: function)"}
    job = {"mode": mode, "module": problem.module, "function": function, "strategy": generate.get("strategy"),
           "drive": generate.get("drive"), "seed": seed, "examples": examples, "call_timeout": 0.5,
           "sources": sources}  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "qa_arena.grading.probe"], input=json.dumps(job),
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProblemError(f"running the problem on generated inputs failed: {last}")
    return json.loads(result.stdout)


class CallTimeout(BaseException):
    pass


def _on_alarm(_signum, _frame):
    raise CallTimeout


def _strategy(job: dict, golden):
    import hypothesis.strategies as st

    if job.get("strategy"):
        return eval(job["strategy"], {"st": st, "__builtins__": builtins})  # the problem author's expression
    params = list(inspect.signature(golden).parameters.values())
    if not params or any(p.annotation is inspect.Parameter.empty for p in params):
        return None
    hints = inspect.get_annotations(golden, eval_str=True)
    return st.tuples(*(st.from_type(hints[p.name]) for p in params))


def _load(module_name: str, variant_id: str, source: str):
    module = types.ModuleType(module_name)
    module.__file__ = f"<{variant_id}>"
    sys.modules[module_name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def _safe_repr(value) -> str:
    try:
        return repr(value)[:2000]
    except Exception as exc:  # a repr that raises is behaviour too
        return f"<repr raised {type(exc).__name__}>"


def _driver(job: dict):
    """The problem's `drive(subject, *args)`, or a plain call."""
    if not job.get("drive"):
        return lambda subject, *args: subject(*args)
    namespace: dict = {"__builtins__": builtins}
    exec(compile(job["drive"], "<problem.toml [generate] drive>", "exec"), namespace)  # the problem author's code
    return namespace["drive"]


def outcome(function, args: tuple, call_timeout: float, drive) -> tuple:
    """What one call does: its result (and its arguments afterwards), its exception's type, or a timeout."""
    call_args = copy.deepcopy(args)
    signal.setitimer(signal.ITIMER_REAL, call_timeout)
    try:
        result = drive(function, *call_args)
        return ("ok", _safe_repr(result), _safe_repr(call_args))
    except CallTimeout:
        return ("timeout",)
    except BaseException as exc:
        return ("raise", type(exc).__name__, _safe_repr(call_args))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def describe(result: tuple, args: tuple) -> str:
    """An outcome in words, for an instructor."""
    if result[0] == "timeout":
        return "does not return in time"
    changed = f" and leaves its arguments as {result[2]}" if result[2] != _safe_repr(args) else ""
    if result[0] == "raise":
        return f"raises {result[1]}{changed}"
    return f"returns {result[1]}{changed}"


def outcomes(function, inputs: list, call_timeout: float, drive) -> list[tuple]:
    return [outcome(function, args, call_timeout, drive) for args in inputs]


def fingerprint(results: list[tuple]) -> str:
    return hashlib.sha256(repr(results).encode()).hexdigest()


def first_disagreement(expected: list[tuple], got: list[tuple], inputs: list) -> dict | None:
    """The first input on which a variant (`got`) does not do what the golden does (`expected`)."""
    for args, wanted, seen in zip(inputs, expected, got, strict=True):
        if wanted != seen:
            shown = ", ".join(_safe_repr(a) for a in args)
            return {"input": f"({shown})", "golden": describe(wanted, args), "variant": describe(seen, args)}
    return None


def generate_inputs(job: dict, golden) -> list | None:
    """The job's inputs, or None when the problem gives no way to generate them."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as seeded

    strategy = _strategy(job, golden)
    if strategy is None:
        return None
    inputs: list = []

    @seeded(job["seed"])
    @settings(max_examples=job["examples"], derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def collect(args):
        inputs.append(copy.deepcopy(args if isinstance(args, tuple) else (args,)))

    collect()
    return inputs


def main() -> None:
    job = json.load(sys.stdin)
    signal.signal(signal.SIGALRM, _on_alarm)
    module, function = job["module"], job["function"]
    golden = getattr(_load(module, "golden", job["sources"]["golden"]), function)
    inputs = generate_inputs(job, golden)
    if inputs is None:
        print(json.dumps({"error": "no strategy: annotate the function or set [generate] strategy in problem.toml"}))
        return
    drive = _driver(job)
    expected = outcomes(golden, inputs, job["call_timeout"], drive)  # once, whichever the mode
    compare = job.get("mode") == "compare"
    found: dict = {} if compare else {"golden": fingerprint(expected)}
    for variant_id, source in job["sources"].items():
        if variant_id == "golden":
            continue
        try:
            implementation = getattr(_load(module, variant_id, source), function)
        except BaseException as exc:  # a variant that does not even import behaves differently
            found[variant_id] = f"import failed: {type(exc).__name__}"
            continue
        got = outcomes(implementation, inputs, job["call_timeout"], drive)
        found[variant_id] = first_disagreement(expected, got, inputs) if compare else fingerprint(got)
    key = "disagreements" if compare else "fingerprints"
    print(json.dumps({key: found, "inputs": len(inputs)}))


if __name__ == "__main__":
    main()
