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

from ..paths import user_cache_dir

UPSTREAM_LABEL = ">Coding free-response<"
LABEL = ">Your tests (graded by QA Arena)<"


def nbgrader_templates() -> Path:
    import nbgrader

    return Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"


def feedback_templates() -> Path:
    """A template base holding `feedback/`, derived from nbgrader's; made once per nbgrader version."""
    import nbgrader

    upstream = nbgrader_templates() / "feedback"
    base = user_cache_dir() / "nbconvert-templates" / f"nbgrader-{nbgrader.__version__}"
    page = base / "feedback" / "index.html.j2"
    text = (upstream / "index.html.j2").read_text(encoding="utf-8").replace(UPSTREAM_LABEL, LABEL)
    if page.is_file() and page.read_text(encoding="utf-8") == text:
        return base
    page.parent.mkdir(parents=True, exist_ok=True)
    for name, content in (("conf.json", (upstream / "conf.json").read_text(encoding="utf-8")), (page.name, text)):
        fd, partial = tempfile.mkstemp(dir=page.parent, prefix=f".{name}.")  # each file replaced whole
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
        os.chmod(partial, 0o644)
        os.replace(partial, page.parent / name)
    return base
