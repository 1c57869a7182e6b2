"""Students' ratings of the feedback they were shown: 1-5 stars and an optional comment, one per submission.

``RatingStore.add`` is the one way in: `qa-arena ratings add` calls it today, the notebook client and
the feedback page will call it later. A rating keeps the text the student saw and where it came from
(the model, or the hints fallback and why), so ratings of AI and fallback texts can be compared.

Names are imported on first use: `qa-arena` registers ``qa_arena.ratings.cli`` on every start.
"""

from __future__ import annotations

from qa_arena.lazy import lazy_exports

_EXPORTS = {
    "RatingError": ".validate",
    "RatingExport": ".export",
    "RatingRow": ".store",
    "RatingStore": ".store",
    "SavedRating": ".store",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
