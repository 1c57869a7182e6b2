"""The feedback page's template is derived where it can be written, and its absence breaks nothing."""

from __future__ import annotations

import tempfile

from traitlets.config import Config

from autograde_plugins import configure
from qa_arena.course import feedback_page


def test_the_template_names_the_tests_cell(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    base = feedback_page.feedback_templates()
    assert base is not None and base.is_relative_to(tmp_path)
    page = (base / "feedback" / "index.html.j2").read_text()
    assert feedback_page.LABEL in page and feedback_page.UPSTREAM_LABEL not in page
    assert (base / "feedback" / "conf.json").is_file()


def test_an_unwritable_cache_falls_back_to_the_temporary_directory(tmp_path, monkeypatch):
    """A locked-down container (the compose worker) may have no writable home: the course config still loads."""
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/qa-arena-not-writable")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    base = feedback_page.feedback_templates()
    assert base is not None and base.is_relative_to(tmp_path)


def test_with_nowhere_to_write_nbgraders_own_page_is_used(monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/qa-arena-not-writable")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: "/proc/qa-arena-not-writable-either")
    assert feedback_page.feedback_templates() is None
    c = Config()
    configure(c, problem_paths=[])  # what every nbgrader command of the course runs: it must not fail
    assert "extra_template_basedirs" not in c.HTMLExporter
    assert c.JudgeTests.problem_paths == []
