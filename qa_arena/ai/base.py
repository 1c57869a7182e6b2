"""The feedback-provider extension point: turn a verdict into words a student may read.

Subclasses implement:

- ``explain(problem, verdict, tests_source)``: return an ``AIFeedback``; never raise for a
  provider's own trouble (network, quota, a bad answer): fall back and say why in ``reason``.

A provider only reads a finished verdict; nothing it returns changes the score. Whatever it shows
must be safe for the student view: no variant source, no hidden tests (see ``leaks.py``).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import Literal

from traitlets.config import LoggingConfigurable

from qa_arena.grading.problem import Problem
from qa_arena.grading.verdict import Verdict

AI, FALLBACK = "ai", "fallback"


@dataclass(frozen=True)
class AIFeedback:
    """Text for the student, and where it came from (so a client can label it honestly)."""

    text: str
    source: Literal["ai", "fallback"]
    reason: str = ""  # why the fallback was used ("no API key", "API error: 429", "timeout", ...)
    cached: bool = False
    model: str = ""  # the model that wrote an AI text

    @property
    def label(self) -> str:
        """The heading a student sees above the text."""
        if self.source == AI:
            return f"Feedback (AI, model {self.model}" + (", cached)" if self.cached else ")")
        return "Feedback (offline hints" + (f": {self.reason})" if self.reason else ")")


class _ProviderMeta(ABCMeta, type(LoggingConfigurable)):
    """Traitlets' metaclass plus ABCMeta, so a provider without ``explain`` cannot be instantiated."""


class FeedbackProvider(LoggingConfigurable, metaclass=_ProviderMeta):
    """Explains a verdict to the student. Configure subclasses with c.<ClassName>.* traits."""

    @abstractmethod
    def explain(self, problem: Problem, verdict: Verdict, tests_source: str) -> AIFeedback:
        """Feedback on one graded suite; falls back instead of raising."""
