"""The notebook side: `%load_ext qa_arena.client`, then `%qa_arena_check PROBLEM` in the check cell.

The check sends the tests cell as it is on screen to the course's check service (a JupyterHub
service, `qa_arena.checks`) and shows its answer (qa_arena.answer). On screen means: the text the
frontend holds, unsaved edits included, which QA Arena's JupyterLab extension sends to the kernel just
before the check cell runs (comm target `qa_arena_tests`); without the extension (the classic notebook),
the tests cell of the notebook file as last saved; only outside a notebook, the tests cell run last.
The service's address comes from `$QA_ARENA_CHECK_URL` and the student's identity from
`$JUPYTERHUB_API_TOKEN` (the Hub sets both in the student's server). Without them it checks only what
needs no hidden implementation: that the tests parse, which tests there are, and common slips.
Under nbgrader (validate, autograde) the check cell asks nothing of the service, so it uses up no check.
`%qa_arena_rate STARS [comment]` rates the feedback of the latest check. In Python: `check(problem, source)`.
"""

from __future__ import annotations

import ast
import html
import os
import time
from dataclasses import dataclass

from qa_arena import environment
from qa_arena.answer import render_html, render_text
from qa_arena.grading.submission import notebook_cell_tests

CHECK_URL = "QA_ARENA_CHECK_URL"
FRONTEND_TARGET = "qa_arena_tests"  # the comm the JupyterLab extension opens with the tests cell's text
CLIENT_TIMEOUT_S = 180.0  # a check waits at most this long for its verdict


class CheckError(RuntimeError):
    """The check could not be made: no network, no service, not allowed, rate limited..."""


def static_check(source: str) -> list[str]:
    """Findings about a tests cell that need no implementation to run."""
    try:
        tree = ast.parse(notebook_cell_tests({"source": source}))
    except SyntaxError as exc:
        return [f"syntax error on line {exc.lineno}: {exc.msg}"]
    tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
    if not tests:
        return ["no test functions (name them test_...)"]
    findings = [f"{len(tests)} test function(s): {', '.join(t.name for t in tests)}"]
    findings += [f"{t.name} asserts nothing: it cannot catch a bug" for t in tests if not _checks_something(t)]
    return findings


def _checks_something(test: ast.FunctionDef) -> bool:
    for node in ast.walk(test):
        if isinstance(node, ast.Assert | ast.Raise):
            return True
        if isinstance(node, ast.Call) and "raises" in ast.unparse(node.func):
            return True
    return False


def _last_tests_cell(shell) -> str | None:
    for source in reversed(shell.history_manager.input_hist_raw):
        if "def test" in source and "%qa_arena_check" not in source:
            return source
    return None


def is_tests_cell(cell: dict) -> bool:
    """The notebook's tests cell: tagged qa-arena-tests, or an nbgrader grade_id ending in -tests."""
    metadata = cell.get("metadata", {})
    grade_id = metadata.get("nbgrader", {}).get("grade_id", "")
    return cell.get("cell_type") == "code" and (
        "qa-arena-tests" in metadata.get("tags", []) or grade_id.endswith("-tests")
    )


def notebook_path(shell) -> str | None:
    """The file of the notebook this kernel serves (Jupyter Server tells its kernels), if any."""
    path = shell.user_ns.get("__session__") or os.environ.get("JPY_SESSION_NAME")
    return path if path and path.endswith(".ipynb") and os.path.isfile(path) else None


def saved_tests_cell(path: str) -> str | None:
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # unreadable or not a notebook: the caller falls back
        return None
    return next((cell.source for cell in nb.cells if is_tests_cell(cell)), None)


@dataclass
class CheckResult:
    """What a check found, shown as rich output in the notebook (plain text elsewhere)."""

    problem: str
    findings: list[str]
    answer: dict | None = None  # the service's student view
    note: str = ""  # why there is no answer
    source_note: str = ""  # which text of the tests was checked, when it is not what is on screen

    def _intro(self) -> list[str]:
        return [f"Checking your tests for {self.problem}:", *(f"  - {f}" for f in self.findings)]

    def __str__(self) -> str:
        lines = self._intro() + ([self.source_note] if self.source_note else [])
        if self.answer:
            lines.append(render_text(self.answer).rstrip("\n"))
            if self.answer.get("feedback"):
                lines.append("Rate this feedback: %qa_arena_rate STARS [comment], or one click in My checks")
        elif self.note:
            lines.append(self.note)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        intro = self._intro()
        items = "".join(f"<li>{html.escape(line.strip().removeprefix('- '))}</li>" for line in intro[1:])
        parts = [f"<div class='qa-arena-check'><strong>{html.escape(intro[0])}</strong><ul>{items}</ul>"]
        if self.source_note:
            parts.append(f"<p><em>{html.escape(self.source_note)}</em></p>")
        if self.answer:
            parts.append(render_html(self.answer))
            if self.answer.get("feedback") and self.answer.get("id"):
                page = f"{os.environ.get('JUPYTERHUB_BASE_URL', '/')}services/qa-arena/#check-{self.answer['id']}"
                parts.append(f"<p class='rate'><a href='{html.escape(page)}' target='_blank'>Rate this feedback</a> "
                             "(one click on a star, in My checks)</p>")  # fmt: skip
        elif self.note:
            parts.append(f"<p>{html.escape(self.note)}</p>")
        return "".join(parts) + "</div>"


class CheckClient:
    """Talks to the check service with the student's Hub token."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout_s: float = CLIENT_TIMEOUT_S) -> None:
        self.url = (url or environment.value(CHECK_URL, "")).rstrip("/") + "/"
        self.token = token or os.environ.get("JUPYTERHUB_API_TOKEN", "")
        self.timeout_s = timeout_s

    @property
    def configured(self) -> bool:
        return self.url != "/" and bool(self.token)

    def request(self, method: str, path: str, **kwargs) -> dict:
        import requests

        try:
            response = requests.request(method, self.url + path, headers={"Authorization": f"token {self.token}"},
                                        timeout=kwargs.pop("timeout", 30), **kwargs)  # fmt: skip
        except requests.ConnectionError:
            raise CheckError(f"cannot reach the check service at {self.url}: is the network up?") from None
        except requests.Timeout:
            raise CheckError("the check service did not answer in time; try again in a minute") from None
        try:
            data = response.json()
        except ValueError:
            data = {"detail": f"unexpected answer (HTTP {response.status_code})"}
        if response.status_code == 429:  # the detail names the wait, as Retry-After does
            raise CheckError(f"not now: {data.get('detail')}")
        if response.status_code in (401, 403):
            raise CheckError(f"the check service does not know you: {data.get('detail')} (restart your server?)")
        if response.status_code >= 400:
            raise CheckError(f"the check service says: {data.get('detail')} (HTTP {response.status_code})")
        return data

    def check(self, problem: str, source: str, assignment: str | None = None) -> dict:
        """Queue a check and wait for its verdict (the student view)."""
        answer = self.request(
            "POST", "api/checks", json={"problem": problem, "tests": source, "assignment": assignment}
        )
        deadline = time.monotonic() + self.timeout_s
        while answer.get("status") not in ("SUCCESS", "FAILURE", "ERROR") and time.monotonic() < deadline:
            answer = self.request("GET", f"api/checks/{answer['id']}", params={"wait": 25}, timeout=40)
        return answer

    def rate(self, check_id: str, stars: int, comment: str | None = None) -> dict:
        return self.request("POST", f"api/checks/{check_id}/rating", json={"stars": stars, "comment": comment})


def check(problem: str, source: str, assignment: str | None = None, client: CheckClient | None = None) -> CheckResult:
    """Check `source` (a tests cell or file) for `problem`: statically, then on the service if configured."""
    client = client or CheckClient()
    findings = static_check(source)
    if not client.configured:
        return CheckResult(problem, findings, note="Instant grading against the hidden implementations is not "
                           "configured here; your submission is graded by the autograder.")  # fmt: skip
    if findings and findings[0].startswith(("syntax error", "no test functions")):
        return CheckResult(problem, findings, note="Fix this first: the check service was not asked.")
    try:
        return CheckResult(
            problem, findings, answer=client.check(problem, notebook_cell_tests({"source": source}), assignment)
        )
    except CheckError as exc:
        return CheckResult(problem, findings, note=f"Could not check: {exc}")


class HiddenImplementation(NotImplementedError):
    pass


def stub_module(name: str):
    """A stand-in for the module under test, whose code students do not get: importing any name from it
    works (so the tests cell runs), calling or instantiating it says where the real one runs."""
    import types

    def hidden(attribute: str):
        def refuse(*_args, **_kwargs):
            raise HiddenImplementation(
                f"{name}.{attribute} is hidden in the notebook: the check cell and the autograder run your tests "
                "against the real implementations"
            )

        refuse.__name__ = refuse.__qualname__ = attribute
        return refuse

    module = types.ModuleType(name, f"Stand-in for {name}: the implementations are hidden.")
    module.__getattr__ = lambda attribute: hidden(attribute) if not attribute.startswith("__") else None
    return module


def register_frontend_target(ipython, on_screen: dict[str, str]) -> None:
    """Keep the tests cell's text that the JupyterLab extension sends just before the check cell runs
    (its comm_open comes first on the shell channel, so the kernel has it when the magic runs)."""
    if getattr(ipython, "kernel", None) is None:  # a terminal IPython: no frontend to hear from
        return
    from comm import get_comm_manager

    def opened(comm, message) -> None:
        data = message.get("content", {}).get("data") or {}
        if isinstance(data.get("tests"), str):
            on_screen["tests"] = data["tests"]
        comm.close()

    get_comm_manager().register_target(FRONTEND_TARGET, opened)


def load_ipython_extension(ipython) -> None:
    import sys

    from IPython.core.magic import register_line_magic

    @register_line_magic
    def qa_arena_module(line: str) -> None:
        """`%qa_arena_module NAME`: make `import NAME` work in this notebook with a stand-in."""
        name = line.strip()
        if name and name not in sys.modules:
            sys.modules[name] = stub_module(name)

    last: dict[str, str] = {}
    on_screen: dict[str, str] = {}
    register_frontend_target(ipython, on_screen)

    @register_line_magic
    def qa_arena_check(line: str) -> None:
        """`%qa_arena_check PROBLEM [ASSIGNMENT]`: check the tests cell as it is on screen (assignment: this
        folder's name)."""
        from IPython.display import display

        if os.environ.get("NBGRADER_EXECUTION"):  # nbgrader validate or autograde runs this cell
            print(
                "Not checked here: nbgrader's Validate does not grade your tests. Use the check cell (or the "
                "Check my tests button) to see which bugs they catch; your submission is graded when collected."
            )
            return
        source, source_note = on_screen.pop("tests", None), ""
        if source is None and (path := notebook_path(ipython)):
            source = saved_tests_cell(path)
            source_note = "Checked the tests cell as last saved: save the notebook first to check your latest edits."
        if source is None:
            source = _last_tests_cell(ipython)
            source_note = "Checked the tests cell you ran last."
        if source is None:
            print("Write your tests in the tests cell first, then run this cell.")
            return
        problem, _, assignment = line.strip().partition(" ")
        result = check(problem or "this problem", source, assignment.strip() or os.path.basename(os.getcwd()))
        result.source_note = source_note
        if result.answer:
            last["id"] = result.answer["id"]
        display(result)

    @register_line_magic
    def qa_arena_rate(line: str) -> None:
        """`%qa_arena_rate STARS [comment]`: rate (1-5) the feedback text of your latest check."""
        stars, _, comment = line.strip().partition(" ")
        if "id" not in last:
            print("Run a check first (the check cell); then rate its feedback.")
            return
        if stars not in {"1", "2", "3", "4", "5"}:
            print("Give 1 to 5 stars, e.g. %qa_arena_rate 4 the hint about empty input helped")
            return
        try:
            CheckClient().rate(last["id"], int(stars), comment.strip() or None)
        except CheckError as exc:
            print(f"Could not rate: {exc}")
            return
        print(f"Thanks: {stars} star(s) recorded for this feedback.")
