"""What every `qa-arena` command shares: its errors and exit codes, the config file, the judge.

Each command lives next to the code it drives (`<package>/cli.py`) and imports this module; `qa_arena.cli`
registers them all. Nothing here imports a command, so imports only point down.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qa_arena import environment

if TYPE_CHECKING:  # imported when a command runs: `qa-arena --help` and the parsers stay light
    from traitlets.config import Config

    from qa_arena.grading.judge import Judge
    from qa_arena.grading.problem import Problem

CONFIG_FILE = "qa_arena_config.py"
EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Bad input from the user: reported in one line, exit 2."""


def load_config(path: str | None) -> Config:
    """c.Judge.*, c.DockerSandbox.* ... from --config, $QA_ARENA_CONFIG or ./qa_arena_config.py, over what the
    environment sets (qa_arena.environment)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = environment.environment_config()  # under the file: what it sets wins
    path = path or environment.value("QA_ARENA_CONFIG") or (CONFIG_FILE if Path(CONFIG_FILE).is_file() else None)
    if not path:
        return config
    file = Path(path)
    if not file.is_file():
        raise BadInput(f"config file {path} not found")
    config.merge(PyFileConfigLoader(file.name, path=str(file.parent.resolve())).load_config())
    return config


def make_judge(args) -> Judge:
    """The judge of --config and --backend; an unknown backend (flag or config) is bad input."""
    from qa_arena.grading.judge import Judge

    config = load_config(args.config)
    if getattr(args, "backend", None):
        config.Judge.sandbox_class = args.backend
    try:
        return Judge(config=config)
    except ValueError as exc:  # the sandbox_class validator: unknown name or not a Sandbox
        raise BadInput(str(exc)) from exc


def load_inputs(args) -> tuple[Problem, str]:
    """The problem directory and the tests (a .py file or a notebook's tests cell) that args name;
    a broken one is bad input."""
    from qa_arena.grading.problem import ProblemError, load_problem
    from qa_arena.grading.submission import SubmissionError, load_tests

    try:
        return load_problem(args.problem), load_tests(args.tests)
    except (ProblemError, SubmissionError) as exc:
        raise BadInput(str(exc)) from exc
