"""Experiments on feedback strategies: students split into groups by a hash, groups compared afterwards.

An instructor names an experiment and its groups in the config (``c.Experiments.experiments``, see
``config.py``); ``group_for(experiment, user)`` tells the feedback code which strategy a student
gets; `qa-arena experiment report NAME` compares the groups on score improvement and on ratings.

Names are imported on first use: `qa-arena` registers ``qa_arena.experiments.cli`` on every start.
"""

from __future__ import annotations

from qa_arena.lazy import lazy_exports

_EXPORTS = {
    "Experiment": ".config",
    "ExperimentError": ".config",
    "Experiments": ".config",
    "group_for": ".config",
    "group_index": ".assign",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
