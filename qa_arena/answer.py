"""How a check's answer reads, in a notebook and on the check service's page: HTML, and plain text.

The answer is the check service's student view (qa_arena.checks.views). It is written for a student
who glances at it: how many bugs the tests caught (a bar), the score, each test that does not count with
its reason on one line, each hint once, and the model's explanation rendered from its markdown. Nothing
internal shows: no status names, no backend notes, no file prefixes.
"""

from __future__ import annotations

import html

from qa_arena.ai.base import AI

SUBMISSION_PREFIX = "test_submission.py::"
FINAL = ("SUCCESS", "FAILURE", "ERROR")
STYLE = (
    ".qa-arena-answer{font-family:system-ui,sans-serif;line-height:1.4}"
    ".qa-arena-answer .bar{background:#e5e7eb;border-radius:4px;height:.7rem;width:16rem;display:inline-block;"
    "vertical-align:middle;margin-right:.5rem}"
    ".qa-arena-answer .bar>span{display:block;height:100%;border-radius:4px;background:#16a34a}"
    ".qa-arena-answer h4{margin:.6rem 0 .2rem}.qa-arena-answer ul{margin:.2rem 0}"
)


def test_name(name: str) -> str:
    """A test as the student wrote it: `test_x` or `test_x[case]`, not the runner's node id."""
    return name.removeprefix(SUBMISSION_PREFIX)


def caught(test: dict) -> str:
    return "caught a bug" if test["caught_a_bug"] else "caught no bug"


def headline(view: dict) -> str:
    """One line that says where the student stands."""
    status = view.get("status")
    if status not in FINAL:
        return "Still grading: run the check again in a moment."
    if status == "ERROR":
        return "Your tests could not be graded this time (not your fault): check again in a minute."
    if status == "FAILURE":
        return "None of your tests counts yet: each one fails on a correct implementation."
    if "bugs_caught" not in view:
        return f"Your tests are valid: {view.get('valid_tests', 0)} test(s) count."
    caught, total = view["bugs_caught"], view["bugs_total"]
    return f"Your tests caught {caught} of {total} bugs."


def explanation(view: dict) -> str | None:
    """The model-written explanation (markdown), if this answer has one. The offline feedback repeats the
    hints and the reasons shown above it, so it is not shown twice."""
    feedback = view.get("feedback")
    if feedback and feedback.get("source") == AI and feedback.get("text", "").strip():
        return feedback["text"]
    return None


def render_text(view: dict) -> str:
    """The answer as plain text (scripts, terminals, the notebook's text/plain)."""
    lines = [headline(view)]
    if view.get("score") is not None and view.get("status") == "SUCCESS":
        lines.append(f"Score: {view['score']:g} / 100")
    invalid = view.get("invalid_tests", [])
    if invalid:
        lines += ["", "Not counted (a test must pass on every correct implementation):"]
        lines += [f"  - {test_name(t['name'])}: {t['reason']}" for t in invalid]
    if view.get("hints"):
        lines += ["", "Bugs your tests miss:"]
        lines += [f"  - {hint}" for hint in view["hints"]]
    if view.get("tests"):
        lines += ["", "Your tests:"]
        lines += [f"  - {test_name(t['name'])}: {caught(t)}" for t in view["tests"]]
    text = explanation(view)
    if text:
        lines += ["", "Explanation (written by an AI model):", text.strip()]
    return "\n".join(lines) + "\n"


def markdown_html(text: str) -> str:
    """Markdown to HTML with any raw HTML in it escaped (the text comes from a model)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(text)


def render_html(view: dict) -> str:
    """The answer as HTML for a notebook output or the service's page (no script: notebooks do not run it)."""
    esc = html.escape
    parts = [f"<style>{STYLE}</style><div class='qa-arena-answer'>"]
    status = view.get("status")
    if status == "SUCCESS" and "bugs_caught" in view:
        total = max(view["bugs_total"], 1)
        width = round(100 * view["bugs_caught"] / total)
        parts.append(
            f"<div class='caught'><span class='bar' role='progressbar' aria-valuenow='{view['bugs_caught']}' "
            f"aria-valuemax='{view['bugs_total']}'><span style='width:{width}%'></span></span>"
            f"<strong>{esc(headline(view))}</strong></div>"
        )
    else:
        parts.append(f"<div class='caught'><strong>{esc(headline(view))}</strong></div>")
    if view.get("score") is not None and status == "SUCCESS":
        parts.append(f"<div class='score'>Score: <strong>{view['score']:g}</strong> / 100</div>")
    invalid = view.get("invalid_tests", [])
    if invalid:
        parts.append("<h4>Not counted</h4><ul class='invalid'>")
        parts += [f"<li><code>{esc(test_name(t['name']))}</code>: {esc(t['reason'])}</li>" for t in invalid]
        parts.append("</ul>")
    if view.get("hints"):
        parts.append("<h4>Bugs your tests miss</h4><ul class='hints'>")
        parts += [f"<li>{esc(hint)}</li>" for hint in view["hints"]]
        parts.append("</ul>")
    if view.get("tests"):
        parts.append("<h4>Your tests</h4><ul class='tests'>")
        parts += [f"<li><code>{esc(test_name(t['name']))}</code>: {caught(t)}</li>" for t in view["tests"]]
        parts.append("</ul>")
    text = explanation(view)
    if text:
        parts.append(f"<h4>Explanation <small>(written by an AI model)</small></h4>"
                     f"<div class='explanation'>{markdown_html(text)}</div>")  # fmt: skip
    parts.append("</div>")
    return "".join(parts)
