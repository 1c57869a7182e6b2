"""Run implementations on inputs Hypothesis generates, and fingerprint what each one does.

Runs in a child process of `qa-arena mutants generate` (instructor-side code only: the golden and
variants derived from it). Reads a JSON job on stdin, prints {variant id: fingerprint} on stdout.
The inputs are generated once, deterministically from the seed, and each variant gets deep
copies, so a variant that mutates its arguments shows it in its fingerprint.
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


def fingerprint(function, inputs: list, call_timeout: float) -> str:
    outcomes = []
    for args in inputs:
        call_args = copy.deepcopy(args)
        signal.setitimer(signal.ITIMER_REAL, call_timeout)
        try:
            result = function(*call_args)
            outcome = ("ok", _safe_repr(result), _safe_repr(call_args))
        except CallTimeout:
            outcome = ("timeout",)
        except BaseException as exc:
            outcome = ("raise", type(exc).__name__, _safe_repr(call_args))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        outcomes.append(outcome)
    return hashlib.sha256(repr(outcomes).encode()).hexdigest()


def main() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as seeded

    job = json.load(sys.stdin)
    signal.signal(signal.SIGALRM, _on_alarm)
    module, function = job["module"], job["function"]
    golden = getattr(_load(module, "golden", job["sources"]["golden"]), function)
    strategy = _strategy(job, golden)
    if strategy is None:
        print(json.dumps({"error": "no strategy: annotate the function or set [generate] strategy in problem.toml"}))
        return
    inputs: list = []

    @seeded(job["seed"])
    @settings(max_examples=job["examples"], derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def collect(args):
        inputs.append(copy.deepcopy(args if isinstance(args, tuple) else (args,)))

    collect()
    prints = {}
    for variant_id, source in job["sources"].items():
        try:
            prints[variant_id] = fingerprint(getattr(_load(module, variant_id, source), function), inputs,
                                             job["call_timeout"])  # fmt: skip
        except BaseException as exc:  # a variant that does not even import behaves differently
            prints[variant_id] = f"import failed: {type(exc).__name__}"
    print(json.dumps({"fingerprints": prints, "inputs": len(inputs)}))


if __name__ == "__main__":
    main()
