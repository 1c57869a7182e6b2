"""AI feedback for students: explain, in words, what kinds of behaviour a suite does not pin down yet.

The score never depends on it: a provider only reads a finished verdict. ``OpenAIFeedback`` asks a
chat model and falls back to ``HintsFallback`` (deterministic text from the hints) whenever the model
cannot be used or its answer cannot be shown.

Names are imported on first use: `qa-arena` registers the `feedback` command from ``qa_arena.ai.cli``
on every start, and the ``openai`` SDK takes almost half a second to import.
"""

from __future__ import annotations

from qa_arena.lazy import lazy_exports

_EXPORTS = {
    "AIFeedback": ".base",
    "FeedbackProvider": ".base",
    "HintsFallback": ".fallback",
    "OpenAIFeedback": ".openai_provider",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
