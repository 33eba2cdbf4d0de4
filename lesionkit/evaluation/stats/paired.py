"""Paired comparisons of two classifiers scored on the same cases, and DeLong's AUC variance.

- :func:`delong_auc` and :func:`delong_test`: DeLong's variance of ROC AUC from the
  Mann–Whitney structural components, by the O(n log n) midrank algorithm of Sun & Xu
  (2014); the paired test compares two models scored on the same cases.
- :func:`paired_bootstrap`: the stratified resamples of :mod:`lesionkit.evaluation.stats.confidence`
  applied to both models, for ΔAUC and for Δ(sensitivity at a fixed specificity).
- :func:`paired_cases`: two models' predictions put on the same cases, or a clear error.

Example:
    >>> y = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> p = [0.1, 0.3, 0.35, 0.8, 0.4, 0.65, 0.7, 0.9]
    >>> delong_auc(y, p).variance
    0.0390625
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import attrs
import numpy as np

from lesionkit.evaluation.stats.confidence import (
    DEFAULT_LEVEL,
    Interval,
    _both_classes,
    _check_fraction,
    _check_level,
    _check_resamples,
    _json_float,
    _percentile,
    _weighted_auc,
    _weighted_sensitivity_at_specificity,
    _z,
    resample_counts,
)
from lesionkit.evaluation.stats.defaults import DEFAULT_RESAMPLES
from lesionkit.evaluation.stats.metrics import MetricInputError, _as_binary_inputs

__all__ = [
    "DeLongAUC",
    "PairedComparison",
    "UnpairedPredictionsError",
    "delong_auc",
    "delong_test",
    "paired_bootstrap",
    "paired_cases",
]


class UnpairedPredictionsError(MetricInputError):
    """Two models' predictions that are not on the same cases, so they cannot be compared pairwise."""


@attrs.frozen
class DeLongAUC:
    """ROC AUC with DeLong's variance and a confidence interval.

    Attributes:
        interval: the AUC and its CI (``method`` says which transform).
        variance: DeLong's variance of the AUC estimate.
        n_positive, n_negative: the cases it came from.
    """

    interval: Interval
    variance: float
    n_positive: int
    n_negative: int

    @property
    def auc(self) -> float:
        """The AUC estimate (the Mann–Whitney statistic)."""
        return self.interval.estimate

    def to_dict(self) -> dict[str, Any]:
        """``roc_auc``, ``roc_auc_ci``, ``roc_auc_variance``, ``ci_level``, ``ci_method``."""
        return {
            **self.interval.to_dict("roc_auc"),
            "roc_auc_variance": self.variance,
            "ci_level": self.interval.level,
            "ci_method": self.interval.method,
        }


@attrs.frozen
class PairedComparison:
    """Model A against model B on the same cases.

    Attributes:
        metric: what was compared (``"roc_auc"``, ``"sensitivity_at_specificity"``).
        estimate_a, estimate_b: each model's value on the full data.
        difference: A − B with its confidence interval.
        p_value: two-sided p-value of "no difference" (DeLong); None where the method gives none.
        specificity: the fixed specificity, for ``sensitivity_at_specificity``.
    """

    metric: str
    estimate_a: float
    estimate_b: float
    difference: Interval
    p_value: float | None = None
    specificity: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, e.g. ``{"metric": "roc_auc", "a": 0.84, "b": 0.80, "difference": 0.04, "difference_ci": [...]...}``."""
        out: dict[str, Any] = {
            "metric": self.metric,
            "a": _json_float(self.estimate_a),
            "b": _json_float(self.estimate_b),
        }
        out.update(self.difference.to_dict("difference"))
        out.update(ci_level=self.difference.level, ci_method=self.difference.method, p_value=self.p_value)
        if self.specificity is not None:
            out["specificity"] = self.specificity
        return out


# ---------------------------------------------------------------------------- DeLong


def _delong_components(y: np.ndarray, scores: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """AUC of each score vector and DeLong's covariance matrix of those AUCs (Sun & Xu 2014).

    With m positives X, n negatives Y and midranks T (ties averaged) within X, within Y
    and within X ∪ Y: V10_i = (T_XY(X_i) − T_X(X_i)) / n is the share of negatives below
    X_i (ties 1/2), V01_j = 1 − (T_XY(Y_j) − T_Y(Y_j)) / m the share of positives above
    Y_j; AUC = mean(V10); Cov = S10 / m + S01 / n with S the sample covariances (ddof 1).
    """
    from scipy.stats import rankdata

    positive = y == 1
    m, n = int(positive.sum()), int((~positive).sum())
    if m < 2 or n < 2:
        raise MetricInputError(f"DeLong's variance needs at least 2 positives and 2 negatives; got {m} and {n}")
    v10, v01, aucs = [], [], []
    for s in scores:
        x, yneg = s[positive], s[~positive]
        t_z = rankdata(np.r_[x, yneg])
        t_x, t_y = rankdata(x), rankdata(yneg)
        aucs.append((t_z[:m].sum() - m * (m + 1) / 2.0) / (m * n))
        v10.append((t_z[:m] - t_x) / n)
        v01.append(1.0 - (t_z[m:] - t_y) / m)
    cov = np.atleast_2d(np.cov(np.array(v10))) / m + np.atleast_2d(np.cov(np.array(v01))) / n
    return np.array(aucs), cov


def delong_auc(
    y_true: Any, scores: Any, *, level: float = DEFAULT_LEVEL, transform: Literal["logit", "none"] = "logit"
) -> DeLongAUC:
    """ROC AUC with DeLong's variance and a normal-approximation confidence interval.

    ``transform="logit"`` (default) builds the interval on logit(AUC), with standard
    error se / (AUC (1 − AUC)) by the delta method, and maps it back: it stays inside
    (0, 1) and covers better than the plain interval when the AUC is near 1, where
    dermoscopy classifiers often are (Pepe 2003, §5.2; Qin & Hotilovac 2008).
    ``transform="none"`` is the textbook AUC ± z·se, clipped to [0, 1]. An AUC of
    exactly 0 or 1 has variance 0 and a degenerate interval.

    Example:
        >>> r = delong_auc([0, 0, 0, 1, 1, 1], [0.1, 0.4, 0.5, 0.45, 0.8, 0.9])
        >>> round(r.auc, 4), round(r.variance, 5), r.interval.method
        (0.8889, 0.02469, 'DeLong, logit')
    """
    level = _check_level(level)
    y, s = _as_binary_inputs(y_true, scores)
    aucs, cov = _delong_components(y, [s])
    auc, var = float(aucs[0]), float(max(cov[0, 0], 0.0))
    se, z = math.sqrt(var), _z(level)
    if transform == "logit":
        if 0.0 < auc < 1.0:
            centre, half = math.log(auc / (1 - auc)), z * se / (auc * (1 - auc))
            low, high = 1 / (1 + math.exp(-(centre - half))), 1 / (1 + math.exp(-(centre + half)))
        else:
            low = high = auc
        method = "DeLong, logit"
    elif transform == "none":
        low, high = max(0.0, auc - z * se), min(1.0, auc + z * se)
        method = "DeLong"
    else:
        raise MetricInputError(f"transform must be 'logit' or 'none'; got {transform!r}")
    n_pos = int(y.sum())
    return DeLongAUC(Interval(auc, low, high, level, method), var, n_pos, len(y) - n_pos)


def paired_cases(
    y_a: Any,
    scores_a: Any,
    y_b: Any,
    scores_b: Any,
    *,
    ids_a: Sequence[str] | None = None,
    ids_b: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check that two models' predictions are on the same cases; return (y, scores_a, scores_b).

    With ids, B's predictions are put in A's order (the id sets must be equal). The labels
    must then agree case by case: a difference means the runs used different ground truth.

    Raises:
        UnpairedPredictionsError: lengths, ids or labels that differ (the first few named).

    Example:
        >>> y, a, b = paired_cases([0, 1], [0.2, 0.9], [1, 0], [0.7, 0.1], ids_a=["x", "y"], ids_b=["y", "x"])
        >>> y.tolist(), b.tolist()
        ([0, 1], [0.1, 0.7])
    """
    ya, sa = _as_binary_inputs(y_a, scores_a)
    yb, sb = _as_binary_inputs(y_b, scores_b)
    if len(ya) != len(yb):
        raise UnpairedPredictionsError(
            f"model A has {len(ya)} cases and model B {len(yb)}; a paired comparison needs both scored on the same cases"
        )
    if (ids_a is None) != (ids_b is None):
        raise UnpairedPredictionsError("give ids for both models or for neither")
    if ids_a is not None and ids_b is not None:
        ids_a, ids_b = [str(i) for i in ids_a], [str(i) for i in ids_b]
        if len(ids_a) != len(ya) or len(ids_b) != len(yb):
            raise UnpairedPredictionsError("there must be one id per prediction for each model")
        position = {image_id: i for i, image_id in enumerate(ids_b)}
        only_a = [i for i in ids_a if i not in position]
        if only_a or len(position) != len(ids_b) or len(set(ids_a)) != len(ids_a):
            detail = f"{len(only_a)} id(s) only in A, e.g. {only_a[:3]}" if only_a else "an id occurs twice"
            raise UnpairedPredictionsError(f"the two models were not scored on the same images: {detail}")
        order = np.array([position[i] for i in ids_a])
        yb, sb = yb[order], sb[order]
    differ = np.flatnonzero(ya != yb)
    if differ.size:
        where = [ids_a[i] for i in differ[:3]] if ids_a is not None else differ[:3].tolist()
        raise UnpairedPredictionsError(
            f"the labels differ on {differ.size} case(s) (e.g. {where}): the runs were scored against "
            "different ground truth; compare runs evaluated on the same split"
        )
    return ya, sa, sb


def _paired_inputs(y_true: Any, scores_a: Any, scores_b: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, sa = _as_binary_inputs(y_true, scores_a)
    sb = np.asarray(scores_b)
    if sb.ndim == 2 and sb.shape[1] == 2:
        sb = sb[:, 1]
    if len(sb) != len(y):
        raise UnpairedPredictionsError(
            f"model A has {len(sa)} scores and model B {len(sb)}; a paired comparison needs both scored on the same cases"
        )
    return y, sa, _as_binary_inputs(y, sb)[1]


def delong_test(y_true: Any, scores_a: Any, scores_b: Any, *, level: float = DEFAULT_LEVEL) -> PairedComparison:
    """DeLong's paired test of two models' ROC AUCs on the same cases.

    ΔAUC = AUC_A − AUC_B has variance Var_A + Var_B − 2 Cov_AB (the covariance from the
    shared cases); z = ΔAUC / se gives a two-sided normal p-value, and the interval is
    ΔAUC ± z·se (no transform: Δ is not bounded near 0 or 1 the way an AUC is). Identical
    components (se = 0) give p = 1 when ΔAUC = 0 and p = 0 otherwise.

    Raises:
        UnpairedPredictionsError: score vectors of different lengths.

    Example:
        >>> y = [0, 0, 0, 1, 1, 1]
        >>> r = delong_test(y, [0.1, 0.4, 0.5, 0.45, 0.8, 0.9], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        >>> round(r.difference.estimate, 4), round(r.p_value, 3)
        (-0.1111, 0.48)
    """
    from scipy.stats import norm

    level = _check_level(level)
    y, sa, sb = _paired_inputs(y_true, scores_a, scores_b)
    aucs, cov = _delong_components(y, [sa, sb])
    diff = float(aucs[0] - aucs[1])
    var = max(float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]), 0.0)
    se = math.sqrt(var)
    if se > 0:
        p = float(2 * norm.sf(abs(diff) / se))
    else:
        p = 1.0 if diff == 0 else 0.0
    half = _z(level) * se
    interval = Interval(diff, diff - half, diff + half, level, "DeLong paired")
    return PairedComparison("roc_auc", float(aucs[0]), float(aucs[1]), interval, p)


def paired_bootstrap(
    y_true: Any,
    scores_a: Any,
    scores_b: Any,
    *,
    metric: Literal["roc_auc", "sensitivity_at_specificity"] = "roc_auc",
    specificity: float | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int | None = 0,
) -> PairedComparison:
    """Paired stratified bootstrap of A − B: both models scored on the same resampled cases.

    ``metric="sensitivity_at_specificity"`` compares the sensitivities at a fixed ``specificity``
    (the best sensitivity of any threshold whose specificity reaches it). The threshold is chosen
    **per model and per resample**: the quantity compared is a point on each model's ROC
    curve, and re-choosing the threshold in every resample makes the interval include the
    uncertainty of where that point lies. Keeping each model's full-data threshold fixed
    would instead compare sensitivities at fixed thresholds, whose specificity drifts from
    resample to resample, and would understate the interval.

    Returns:
        A :class:`PairedComparison` with ``p_value=None`` (read the interval: 0 inside or not).

    Example:
        >>> y = [0, 0, 0, 1, 1, 1]
        >>> r = paired_bootstrap(y, [0.1, 0.4, 0.5, 0.45, 0.8, 0.9], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], n_resamples=100)
        >>> round(r.difference.estimate, 4), r.difference.high  # B ranks every case right: A never beats it
        (-0.1111, 0.0)
    """
    level = _check_level(level)
    b = _check_resamples(n_resamples)
    y, sa, sb = _paired_inputs(y_true, scores_a, scores_b)
    _both_classes(y, "a paired bootstrap")
    positive = y == 1
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
    if metric == "roc_auc":
        if specificity is not None:
            raise MetricInputError("specificity applies to metric='sensitivity_at_specificity' only")

        def fn(w: np.ndarray, s: np.ndarray) -> np.ndarray:
            return _weighted_auc(w, positive, s)

    elif metric == "sensitivity_at_specificity":
        if specificity is None:
            raise MetricInputError("metric='sensitivity_at_specificity' needs specificity=..., e.g. 0.9")
        spec = _check_fraction("specificity", specificity)

        def fn(w: np.ndarray, s: np.ndarray) -> np.ndarray:
            return _weighted_sensitivity_at_specificity(w, positive, s, spec)

    else:
        raise MetricInputError(f"metric must be 'roc_auc' or 'sensitivity_at_specificity'; got {metric!r}")
    weights = resample_counts(y, b, np.random.default_rng(seed))
    ones = np.ones((1, len(y)))
    est_a, est_b = float(fn(ones, sa)[0]), float(fn(ones, sb)[0])
    interval = _percentile(est_a - est_b, fn(weights, sa) - fn(weights, sb), level, "paired stratified bootstrap")
    return PairedComparison(metric, est_a, est_b, interval, None, specificity)
