"""A check's answer reads at a glance: bugs caught with a bar, the score, one line per test not counted,
each hint once, the model's explanation from its markdown, and no internal words."""

from __future__ import annotations

from qa_arena.answer import render_html, render_text

HINTS = ["Try a text where the same unit shows up twice.", "Surrounding whitespace is part of the contract too."]
FALLBACK_TEXT = "Kinds of behaviour your tests do not pin down yet (most important first):\n" + "\n".join(
    f"  - {hint}" for hint in HINTS
)
VIEW = {
    "id": "1",
    "problem": "durations",
    "status": "SUCCESS",
    "score": 61.1,
    "bugs_caught": 4,
    "bugs_total": 9,
    "valid_tests": 3,
    "invalid_tests": [
        {"name": "test_submission.py::test_capped", "reason": "fails on the reference implementation: DID NOT RAISE"}
    ],
    "hints": HINTS,
    "feedback": {"label": "Feedback (offline hints: no API key)", "text": FALLBACK_TEXT, "source": "fallback"},
    "message": "",
}
INTERNAL = ("SUCCESS", "FAILURE", "test_submission.py", "offline hints", "no API key", "fallback", "Result:")


def test_the_answer_says_how_many_bugs_were_caught_and_the_score():
    text, page = render_text(VIEW), render_html(VIEW)
    assert text.startswith("Your tests caught 4 of 9 bugs.\nScore: 61.1 / 100\n")
    assert "role='progressbar' aria-valuenow='4' aria-valuemax='9'" in page and "width:44%" in page
    assert "Your tests caught 4 of 9 bugs." in page and "<strong>61.1</strong> / 100" in page


def test_each_hint_shows_once_and_tests_not_counted_one_line_each():
    for rendered in (render_text(VIEW), render_html(VIEW)):
        for hint in HINTS:
            assert rendered.count(hint) == 1, rendered  # the offline text repeats them: not shown again
        assert rendered.count("test_capped") == 1
    assert "  - test_capped: fails on the reference implementation: DID NOT RAISE\n" in render_text(VIEW)


def test_no_internal_words():
    for rendered in (render_text(VIEW), render_html(VIEW)):
        assert not [word for word in INTERNAL if word in rendered], rendered


def test_the_models_explanation_is_rendered_from_markdown_and_escaped():
    text = "Two gaps:\n\n- **order** of units\n  - `5s2h`\n- whitespace <script>alert(1)</script>\n"
    view = {**VIEW, "feedback": {"label": "Feedback (AI, model m)", "text": text, "source": "ai"}}
    page = render_html(view)
    assert "<h4>Explanation <small>(written by an AI model)</small></h4>" in page
    assert "<li><strong>order</strong> of units\n<ul>\n<li><code>5s2h</code></li>" in page  # a nested list
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Explanation (written by an AI model):\nTwo gaps:" in render_text(view)


def test_every_state_has_words_a_student_understands():
    assert render_text({"status": "QUEUED"}).startswith("Still grading")
    assert render_text({"status": "ERROR", "message": "x"}).startswith("Your tests could not be graded this time")
    failed = {**VIEW, "status": "FAILURE", "score": 0.0, "bugs_caught": 0, "hints": []}
    assert render_text(failed).startswith("None of your tests counts yet: each one fails on a correct implementation.")
    assert "Score" not in render_text(failed)
    validity_only = {"status": "SUCCESS", "valid_tests": 2, "invalid_tests": []}  # feedback level "none"
    assert render_text(validity_only) == "Your tests are valid: 2 test(s) count.\n"
