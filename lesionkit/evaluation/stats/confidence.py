"""Confidence intervals for a classifier's metrics, and paired comparisons of two classifiers.

Three tools, all numpy/scipy (no TensorFlow):

- :func:`bootstrap_ci`: a **stratified** percentile bootstrap. Each resample draws the
  positives and the negatives (multi-class: each class) separately, with replacement,
  keeping their counts, so every resample holds both classes and ROC AUC is always
  defined. All resamples are scored at once from a (resamples × cases) matrix of
  draw counts (2,000 resamples of 600 cases: a few tens of milliseconds).
- :func:`delong_auc` and :func:`delong_test`: DeLong's variance of ROC AUC from the
  Mann–Whitney structural components, by the O(n log n) midrank algorithm of Sun & Xu
  (2014); the paired test compares two models scored on the same cases.
- :func:`paired_bootstrap`: the same stratified resamples applied to both models, for
  ΔAUC and for Δ(sensitivity at a fixed specificity).

Thresholded metrics follow :mod:`lesionkit.evaluation.metrics`: an image is positive when its
score is **strictly greater** than the threshold.

Example:
    >>> y = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> p = [0.1, 0.3, 0.35, 0.8, 0.4, 0.65, 0.7, 0.9]
    >>> r = bootstrap_ci(y, p, ["roc_auc"], n_resamples=200, seed=0)
    >>> r["roc_auc"].estimate
    0.8125
    >>> r["roc_auc"].low <= 0.8125 <= r["roc_auc"].high
    True
    >>> delong_auc(y, p).variance
    0.0390625
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import attrs
import numpy as np

from lesionkit.evaluation.defaults import DEFAULT_RESAMPLES
from lesionkit.evaluation.metrics import MetricInputError, _as_binary_inputs

__all__ = [
    "BINARY_METRICS",
    "DEFAULT_LEVEL",
    "DEFAULT_RESAMPLES",
    "MULTICLASS_METRICS",
    "BootstrapResult",
    "DeLongAUC",
    "Interval",
    "PairedComparison",
    "UnpairedPredictionsError",
    "bootstrap_ci",
    "delong_auc",
    "delong_test",
    "paired_bootstrap",
    "paired_cases",
    "resample_counts",
    "sensitivity_at_specificity",
]

DEFAULT_LEVEL = 0.95

#: Metrics :func:`bootstrap_ci` computes for a binary task (1-D positive-class scores).
BINARY_METRICS = ("roc_auc", "average_precision", "sensitivity", "specificity", "balanced_accuracy")
#: Metrics for a multi-class task (class-index labels, an (N, K) probability matrix).
MULTICLASS_METRICS = ("balanced_accuracy", "accuracy", "roc_auc_ovr")


class UnpairedPredictionsError(MetricInputError):
    """Two models' predictions that are not on the same cases, so they cannot be compared pairwise."""


def _json_float(x: float) -> float | None:
    # JSON has no NaN: an undefined value is null.
    return None if math.isnan(x) else float(x)


@attrs.frozen
class Interval:
    """A point estimate with a confidence interval.

    Attributes:
        estimate: the value on the full data.
        low, high: the interval's ends.
        level: its nominal coverage (0.95 for a 95 % interval).
        method: how it was computed (e.g. ``"stratified percentile bootstrap"``).

    Example:
        >>> Interval(0.81, 0.76, 0.86, 0.95, "DeLong, logit").to_dict("roc_auc")
        {'roc_auc': 0.81, 'roc_auc_ci': [0.76, 0.86]}
    """

    estimate: float
    low: float
    high: float
    level: float = DEFAULT_LEVEL
    method: str = ""

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in [low, high]."""
        return bool(self.low <= value <= self.high)

    def to_dict(self, name: str) -> dict[str, Any]:
        """``{name: estimate, name + "_ci": [low, high]}``, JSON-ready (nan becomes None)."""
        return {name: _json_float(self.estimate), f"{name}_ci": [_json_float(self.low), _json_float(self.high)]}


@attrs.frozen
class BootstrapResult:
    """Bootstrap intervals of several metrics from one set of resamples.

    Attributes:
        intervals: metric name -> :class:`Interval`.
        n_resamples: resamples drawn. seed: the generator's seed.
        threshold: the decision threshold of thresholded metrics (None for multi-class argmax).
    """

    intervals: Mapping[str, Interval]
    n_resamples: int
    level: float
    seed: int | None
    threshold: float | None

    def __getitem__(self, name: str) -> Interval:
        return self.intervals[name]

    def to_dict(self) -> dict[str, Any]:
        """Each metric and its ``_ci``, then ``ci_level``, ``ci_method``, ``n_resamples``, ``seed``, ``threshold``."""
        out: dict[str, Any] = {}
        for name, interval in self.intervals.items():
            out.update(interval.to_dict(name))
        out.update(
            ci_level=self.level,
            ci_method="stratified percentile bootstrap",
            n_resamples=self.n_resamples,
            seed=self.seed,
            threshold=self.threshold,
        )
        return out


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


# ---------------------------------------------------------------------------- input checks


def _check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise MetricInputError(f"confidence level must be in (0, 1); got {level!r} (use 0.95, not 95)")
    return level


def _check_resamples(n_resamples: int) -> int:
    if int(n_resamples) != n_resamples or n_resamples < 1:
        raise MetricInputError(f"n_resamples must be a positive integer; got {n_resamples!r}")
    return int(n_resamples)


def _check_fraction(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 < value <= 1.0:
        raise MetricInputError(f"{name} must be in (0, 1]; got {value!r} (use 0.9, not 90)")
    return value


def _both_classes(y: np.ndarray, what: str) -> None:
    n_pos = int(y.sum())
    if n_pos == 0 or n_pos == len(y):
        missing = "positive" if n_pos == 0 else "negative"
        raise MetricInputError(f"{what} needs positive and negative cases; y_true has no {missing}")


def _as_multiclass_inputs(y_true: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    """Class-index labels (N,) and a finite probability matrix (N, K)."""
    y = np.asarray(y_true)
    s = np.asarray(p, dtype=np.float64)
    if s.ndim != 2 or y.ndim != 1 or len(y) != len(s):
        raise MetricInputError(
            f"multi-class inputs are class indices (N,) and probabilities (N, K); got {y.shape} and {s.shape}"
        )
    if len(y) == 0:
        raise MetricInputError("no labels to score: y_true and scores are empty")
    bad = np.flatnonzero(~np.isfinite(s).all(axis=1))
    if bad.size:
        raise MetricInputError(f"scores must be finite; row {bad[0]} is {s[bad[0]].tolist()!r}")
    k = s.shape[1]
    yi = y.astype(np.int64) if y.dtype.kind in "iub" else None
    if yi is None or np.any(yi != y) or np.any((yi < 0) | (yi >= k)):
        raise MetricInputError(f"y_true must hold class indices 0..{k - 1} (one column of scores per class)")
    return yi, s


def _is_multiclass(scores: Any) -> bool:
    s = np.asarray(scores)
    return s.ndim == 2 and s.shape[1] > 2


# ---------------------------------------------------------------------------- resampling


def resample_counts(strata: Any, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """How often each case is drawn in each stratified resample: a (resamples, cases) float matrix.

    For each stratum in ascending order (binary: negatives, then positives) with members
    ``m`` (their indices in order), one call ``rng.integers(0, len(m), size=(n_resamples,
    len(m)))`` draws the resamples; resample ``b`` of the stratum is ``m[draws[b]]``.
    Every resample keeps each stratum's size.

    Example:
        >>> w = resample_counts([0, 0, 1, 1, 1], 4, np.random.default_rng(0))
        >>> w.shape, w[:, :2].sum(axis=1).tolist(), w[:, 2:].sum(axis=1).tolist()
        ((4, 5), [2.0, 2.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0])
    """
    strata = np.asarray(strata)
    b = _check_resamples(n_resamples)
    weights = np.zeros((b, len(strata)))
    for value in np.unique(strata):
        members = np.flatnonzero(strata == value)
        n = len(members)
        draws = rng.integers(0, n, size=(b, n))
        # One bincount for all resamples: resample r's draws are offset by r * n.
        flat = (draws + np.arange(b)[:, None] * n).ravel()
        weights[:, members] = np.bincount(flat, minlength=b * n).reshape(b, n)
    return weights


def _percentile(estimate: float, replicates: np.ndarray, level: float, method: str) -> Interval:
    alpha = 1.0 - level
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return Interval(estimate, math.nan, math.nan, level, method)
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return Interval(float(estimate), float(low), float(high), level, method)


# ---------------------------------------------------------------------------- weighted metrics
# Each takes case weights w (B, N) -- the draw counts of B resamples, or a single row of ones for the
# full data -- and returns one value per row. Scoring a resample is scoring the full data with its counts.


def _weighted_auc(w: np.ndarray, positive: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Mann–Whitney AUC: P(score of a positive > score of a negative), ties counting 1/2."""
    neg_scores = s[~positive]
    order = np.argsort(neg_scores, kind="stable")
    neg_sorted = neg_scores[order]
    cum = np.zeros((w.shape[0], len(neg_sorted) + 1))
    np.cumsum(w[:, ~positive][:, order], axis=1, out=cum[:, 1:])
    pos_scores = s[positive]
    lo = np.searchsorted(neg_sorted, pos_scores, side="left")
    hi = np.searchsorted(neg_sorted, pos_scores, side="right")
    # Per positive: the weight of negatives strictly below it plus half the tied weight.
    below = cum[:, lo] + 0.5 * (cum[:, hi] - cum[:, lo])
    w_pos = w[:, positive]
    num = np.einsum("bi,bi->b", w_pos, below)
    return np.asarray(num / (w_pos.sum(axis=1) * cum[:, -1]))


def _weighted_average_precision(w: np.ndarray, positive: np.ndarray, s: np.ndarray) -> np.ndarray:
    """scikit-learn's average precision: sum over distinct thresholds of ΔRecall × Precision."""
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    pos_sorted = positive[order]
    ends = np.r_[np.flatnonzero(np.diff(s_sorted)), len(s_sorted) - 1]
    w_sorted = w[:, order]
    tp = np.cumsum(w_sorted * pos_sorted, axis=1)[:, ends]
    fp = np.cumsum(w_sorted * ~pos_sorted, axis=1)[:, ends]
    predicted = tp + fp
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = tp / tp[:, -1:]
    d_recall = np.diff(recall, axis=1, prepend=0.0)
    return np.asarray((d_recall * precision).sum(axis=1))


def _weighted_recall(w: np.ndarray, members: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """Share of ``members`` (weighted) that are ``hit``."""
    wm = w[:, members]
    return np.asarray(wm @ hit[members].astype(np.float64) / wm.sum(axis=1))


def _weighted_sensitivity_at_specificity(
    w: np.ndarray, positive: np.ndarray, s: np.ndarray, specificity: float
) -> np.ndarray:
    """Sensitivity at the lowest threshold whose specificity reaches ``specificity`` (positive: s > t)."""
    neg_scores = s[~positive]
    order = np.argsort(neg_scores, kind="stable")
    neg_sorted = neg_scores[order]
    cum = np.cumsum(w[:, ~positive][:, order], axis=1)
    # Specificity at t = weight of negatives <= t; t runs over the negatives' scores. The tolerance
    # lets 0.9 of 100 negatives count 90 as reaching it despite 0.9 * 100 = 90.00000000000001.
    need = specificity * cum[:, -1:] - 1e-9
    threshold = neg_sorted[np.argmax(cum >= need, axis=1)]
    w_pos = w[:, positive]
    above = s[positive][None, :] > threshold[:, None]
    return np.asarray((w_pos * above).sum(axis=1) / w_pos.sum(axis=1))


def _binary_metric_fns(y: np.ndarray, s: np.ndarray, threshold: float) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    positive = y == 1
    predicted = s > threshold
    idx_pos, idx_neg = np.flatnonzero(positive), np.flatnonzero(~positive)

    def sensitivity(w: np.ndarray) -> np.ndarray:
        return _weighted_recall(w, idx_pos, predicted)

    def specificity(w: np.ndarray) -> np.ndarray:
        return _weighted_recall(w, idx_neg, ~predicted)

    return {
        "roc_auc": lambda w: _weighted_auc(w, positive, s),
        "average_precision": lambda w: _weighted_average_precision(w, positive, s),
        "sensitivity": sensitivity,
        "specificity": specificity,
        "balanced_accuracy": lambda w: (sensitivity(w) + specificity(w)) / 2.0,
    }


def _multiclass_metric_fns(y: np.ndarray, p: np.ndarray) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    classes = np.unique(y)
    correct = p.argmax(axis=1) == y
    members = [np.flatnonzero(y == k) for k in classes]

    def roc_auc_ovr(w: np.ndarray) -> np.ndarray:
        if len(classes) < 2:
            return np.full(w.shape[0], math.nan)
        return np.mean([_weighted_auc(w, y == k, p[:, k]) for k in classes], axis=0)

    return {
        "balanced_accuracy": lambda w: np.mean([_weighted_recall(w, m, correct) for m in members], axis=0),
        "accuracy": lambda w: np.asarray(w @ correct.astype(np.float64) / w.sum(axis=1)),
        "roc_auc_ovr": roc_auc_ovr,
    }


def bootstrap_ci(
    y_true: Any,
    scores: Any,
    metrics: Sequence[str] | None = None,
    *,
    threshold: float = 0.5,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int | None = 0,
) -> BootstrapResult:
    """Stratified percentile-bootstrap confidence intervals of several metrics.

    Binary (``y_true`` 0/1, ``scores`` positive-class probabilities, or an (N, 2)
    softmax): ``roc_auc``, ``average_precision``, ``sensitivity`` and ``specificity``
    at ``p > threshold``, ``balanced_accuracy`` (their mean). Multi-class (``y_true``
    class indices, ``scores`` (N, K) with K > 2; prediction = argmax):
    ``balanced_accuracy`` (mean per-class recall over the classes in ``y_true``),
    ``accuracy``, ``roc_auc_ovr`` (macro one-vs-rest AUC).

    Resampling is stratified by class (see :func:`resample_counts`); the interval is
    the (1 − level)/2 and (1 + level)/2 quantiles of the resampled values (numpy's
    linear interpolation); the estimate is the value on the full data. Memory is
    about 8 × resamples × cases bytes (2,000 × 10,000 cases: 160 MB).

    Args:
        metrics: names to compute (default: all for the task's kind).
        seed: seeds ``numpy.random.default_rng``; the same seed gives the same intervals.

    Raises:
        MetricInputError: bad labels/scores, an unknown metric, a level outside (0, 1),
            or (binary) a class absent from ``y_true``.

    Example:
        >>> r = bootstrap_ci([0, 1, 2, 0, 1, 2], np.eye(3)[[0, 1, 2, 0, 2, 2]], ["accuracy"], n_resamples=50)
        >>> r["accuracy"].estimate, r.threshold
        (0.8333333333333334, None)
    """
    level = _check_level(level)
    b = _check_resamples(n_resamples)
    if _is_multiclass(scores):
        y, p = _as_multiclass_inputs(y_true, scores)
        fns = _multiclass_metric_fns(y, p)
        used_threshold: float | None = None
    else:
        y, s = _as_binary_inputs(y_true, scores)
        _both_classes(y, "a stratified bootstrap")
        fns = _binary_metric_fns(y, s, float(threshold))
        used_threshold = float(threshold)
    names = list(fns) if metrics is None else list(metrics)
    unknown = [m for m in names if m not in fns]
    if unknown or not names:
        raise MetricInputError(f"unknown metric(s) {unknown!r} for this task; choose from {sorted(fns)}")
    weights = resample_counts(y, b, np.random.default_rng(seed))
    ones = np.ones((1, len(y)))
    intervals = {
        name: _percentile(float(fns[name](ones)[0]), fns[name](weights), level, "stratified percentile bootstrap")
        for name in names
    }
    return BootstrapResult(intervals, b, level, seed, used_threshold)


def sensitivity_at_specificity(y_true: Any, scores: Any, specificity: float) -> float:
    """Sensitivity at the lowest threshold whose specificity reaches ``specificity``.

    With ``t`` the smallest negative score such that the share of negatives with
    score <= ``t`` is at least ``specificity``, it is the share of positives with
    score > ``t``: the best sensitivity of any threshold meeting the specificity.

    Example:
        >>> sensitivity_at_specificity([0, 0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.8, 0.25, 0.9], 0.75)
        0.5
    """
    spec = _check_fraction("specificity", specificity)
    y, s = _as_binary_inputs(y_true, scores)
    _both_classes(y, "sensitivity at a specificity")
    return float(_weighted_sensitivity_at_specificity(np.ones((1, len(y))), y == 1, s, spec)[0])


# ---------------------------------------------------------------------------- DeLong


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2.0))


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

    ``metric="sensitivity_at_specificity"`` compares the sensitivities at a fixed
    ``specificity`` (see :func:`sensitivity_at_specificity`). The threshold is chosen
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
