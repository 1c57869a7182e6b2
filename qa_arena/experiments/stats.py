"""Two groups' values compared: difference of means with a Welch 95% CI, Hedges' g, Welch's t and Mann-Whitney U.

Nothing is computed for a group below the minimum size: small samples give confident-looking numbers
that mean little, so the comparison says "too small" instead. Welch's test does not assume equal
variances; Mann-Whitney U (two-sided, SciPy's exact or tie-corrected normal method) checks the result
without assuming normality (star ratings are ordinal; improvements are bounded by the 0-100 score).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

OK, TOO_SMALL, NO_VARIANCE = "ok", "too_small", "no_variance"
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Comparison:
    """treatment vs control: differences are treatment minus control. Statistics are None unless status is ok."""

    control: str
    treatment: str
    n_control: int
    n_treatment: int
    status: str  # ok | too_small | no_variance
    message: str = ""
    mean_control: float | None = None
    mean_treatment: float | None = None
    sd_control: float | None = None
    sd_treatment: float | None = None
    difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    hedges_g: float | None = None
    welch_t: float | None = None
    welch_df: float | None = None
    welch_p: float | None = None
    mann_whitney_u: float | None = None
    mann_whitney_p: float | None = None
    prob_superiority: float | None = None  # U / (n_t n_c): P(treatment > control) + P(tie) / 2

    def to_dict(self) -> dict:
        return asdict(self)


def hedges_g(treatment: Sequence[float], control: Sequence[float]) -> float:
    """Cohen's d with the pooled SD (n-1 variances), times Hedges' small-sample correction 1 - 3 / (4(n1+n2) - 9)."""
    t, c = np.asarray(treatment, dtype=float), np.asarray(control, dtype=float)
    n1, n2 = len(t), len(c)
    pooled = math.sqrt(((n1 - 1) * t.var(ddof=1) + (n2 - 1) * c.var(ddof=1)) / (n1 + n2 - 2))
    return (1 - 3 / (4 * (n1 + n2) - 9)) * (t.mean() - c.mean()) / pooled


def compare(
    control: str,
    control_values: Sequence[float],
    treatment: str,
    treatment_values: Sequence[float],
    min_per_group: int,
) -> Comparison:
    """The comparison of treatment with control, or why there is none (too small, no variance)."""
    from scipy import stats  # takes a moment to import: only when a report is made

    c, t = np.asarray(control_values, dtype=float), np.asarray(treatment_values, dtype=float)
    base = dict(control=control, treatment=treatment, n_control=len(c), n_treatment=len(t))
    if min(len(c), len(t)) < max(min_per_group, 2):
        message = (
            f"too small to compare: {control} has {len(c)} student(s), {treatment} has {len(t)}; at least "
            f"{min_per_group} per group are needed (c.Experiments.min_per_group), so no statistics are shown"
        )
        return Comparison(**base, status=TOO_SMALL, message=message)
    means = dict(
        mean_control=float(c.mean()),
        mean_treatment=float(t.mean()),
        sd_control=float(c.std(ddof=1)),
        sd_treatment=float(t.std(ddof=1)),
        difference=float(t.mean() - c.mean()),
    )
    if means["sd_control"] == 0 and means["sd_treatment"] == 0:
        message = "no variation within either group: the t-test and the effect size are undefined"
        return Comparison(**base, status=NO_VARIANCE, message=message, **means)
    welch = stats.ttest_ind(t, c, equal_var=False)
    low, high = welch.confidence_interval(confidence_level=CONFIDENCE)
    mwu = stats.mannwhitneyu(t, c, alternative="two-sided")
    return Comparison(
        **base,
        status=OK,
        **means,
        ci_low=float(low),
        ci_high=float(high),
        hedges_g=float(hedges_g(t, c)),
        welch_t=float(welch.statistic),
        welch_df=float(welch.df),
        welch_p=float(welch.pvalue),
        mann_whitney_u=float(mwu.statistic),
        mann_whitney_p=float(mwu.pvalue),
        prob_superiority=float(mwu.statistic) / (len(t) * len(c)),
    )
