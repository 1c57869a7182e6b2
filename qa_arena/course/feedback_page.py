"""nbgrader's feedback page, with the tests cell named for what it is.

nbgrader's feedback template calls every graded code cell a "Coding free-response"; in a QA Arena
notebook that cell holds the student's tests, graded by the judge. The formgrader insists on the
template named `feedback`, so this derives a `feedback` template from the installed nbgrader's (only
that label differs) into a directory that the course's config lists first among the template bases.
Deriving rather than copying keeps every other part of the page as the installed nbgrader has it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from qa_arena.grading.paths import user_cache_dir

UPSTREAM_LABEL = ">Coding free-response<"
LABEL = ">Your tests (graded by QA Arena)<"


def nbgrader_templates() -> Path:
    import nbgrader

    return Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"


def feedback_templates() -> Path | None:
    """A template base holding `feedback/`, derived from nbgrader's once per nbgrader version, in the user's
    cache, else in the temporary directory (a locked-down container's home may not be writable); None when
    neither can be written (nbgrader's own page is used then)."""
    import nbgrader

    upstream = nbgrader_templates() / "feedback"
    text = (upstream / "index.html.j2").read_text(encoding="utf-8").replace(UPSTREAM_LABEL, LABEL)
    name = f"nbgrader-{nbgrader.__version__}"
    for cache in (user_cache_dir() / "nbconvert-templates", Path(tempfile.gettempdir()) / f"qa-arena-{os.getuid()}"):
        base = cache / name
        try:
            _write_feedback(base / "feedback", upstream, text)
        except OSError:
            continue
        return base
    return None


def _write_feedback(target: Path, upstream: Path, text: str) -> None:
    page = target / "index.html.j2"
    if page.is_file() and page.read_text(encoding="utf-8") == text:
        return
    target.mkdir(parents=True, exist_ok=True)
    for name, content in (("conf.json", (upstream / "conf.json").read_text(encoding="utf-8")), (page.name, text)):
        fd, partial = tempfile.mkstemp(dir=target, prefix=f".{name}.")  # each file replaced whole
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
        os.chmod(partial, 0o644)
        os.replace(partial, target / name)
