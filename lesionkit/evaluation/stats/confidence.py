"""Confidence intervals for a classifier's metrics (paired comparisons: :mod:`.paired`).

All numpy/scipy (no TensorFlow):

- :func:`bootstrap_ci`: a **stratified** percentile bootstrap. Each resample draws the
  positives and the negatives (multi-class: each class) separately, with replacement,
  keeping their counts, so every resample holds both classes and ROC AUC is always
  defined. All resamples are scored at once from a (resamples × cases) matrix of
  draw counts (2,000 resamples of 600 cases: a few tens of milliseconds).
- :func:`resample_counts`: the stratified draws, shared with :mod:`.paired` and :mod:`.subgroups`.
- :class:`Interval`: an estimate with its interval, the one record every interval is given in.

Thresholded metrics follow :mod:`lesionkit.evaluation.stats.metrics`: an image is positive when its
score is **strictly greater** than the threshold.

Example:
    >>> y = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> p = [0.1, 0.3, 0.35, 0.8, 0.4, 0.65, 0.7, 0.9]
    >>> r = bootstrap_ci(y, p, ["roc_auc"], n_resamples=200, seed=0)
    >>> r["roc_auc"].estimate
    0.8125
    >>> r["roc_auc"].low <= 0.8125 <= r["roc_auc"].high
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from lesionkit.evaluation.stats.defaults import DEFAULT_RESAMPLES
from lesionkit.evaluation.stats.metrics import MetricInputError, _as_binary_inputs
from lesionkit.evaluation.text import with_interval

__all__ = [
    "BINARY_METRICS",
    "DEFAULT_LEVEL",
    "DEFAULT_RESAMPLES",
    "MULTICLASS_METRICS",
    "BootstrapResult",
    "Interval",
    "bootstrap_ci",
    "resample_counts",
]

DEFAULT_LEVEL = 0.95

#: Metrics :func:`bootstrap_ci` computes for a binary task (1-D positive-class scores).
BINARY_METRICS = ("roc_auc", "average_precision", "sensitivity", "specificity", "balanced_accuracy")
#: Metrics for a multi-class task (class-index labels, an (N, K) probability matrix).
MULTICLASS_METRICS = ("balanced_accuracy", "accuracy", "macro_auc")


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

    def text(self, digits: int = 4) -> str:
        """``estimate (low-high)`` (:func:`lesionkit.evaluation.text.with_interval`): the one interval format."""
        return with_interval(self.estimate, (self.low, self.high), digits)


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


def _multiclass_metric_fns(
    y: np.ndarray, p: np.ndarray, decisions: np.ndarray | None = None
) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    classes = np.unique(y)
    correct = (p.argmax(axis=1) if decisions is None else decisions) == y
    members = [np.flatnonzero(y == k) for k in classes]

    def macro_auc(w: np.ndarray) -> np.ndarray:
        if len(classes) < 2:
            return np.full(w.shape[0], math.nan)
        return np.mean([_weighted_auc(w, y == k, p[:, k]) for k in classes], axis=0)

    return {
        "balanced_accuracy": lambda w: np.mean([_weighted_recall(w, m, correct) for m in members], axis=0),
        "accuracy": lambda w: np.asarray(w @ correct.astype(np.float64) / w.sum(axis=1)),
        "macro_auc": macro_auc,
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
    decisions: Any | None = None,
) -> BootstrapResult:
    """Stratified percentile-bootstrap confidence intervals of several metrics.

    Binary (``y_true`` 0/1, ``scores`` positive-class probabilities, or an (N, 2)
    softmax): ``roc_auc``, ``average_precision``, ``sensitivity`` and ``specificity``
    at ``p > threshold``, ``balanced_accuracy`` (their mean). Multi-class (``y_true``
    class indices, ``scores`` (N, K) with K > 2; prediction = argmax):
    ``balanced_accuracy`` (mean per-class recall over the classes in ``y_true``),
    ``accuracy``, ``macro_auc`` (macro one-vs-rest AUC).

    Resampling is stratified by class (see :func:`resample_counts`); the interval is
    the (1 − level)/2 and (1 + level)/2 quantiles of the resampled values (numpy's
    linear interpolation); the estimate is the value on the full data. Memory is
    about 8 × resamples × cases bytes (2,000 × 10,000 cases: 160 MB).

    Args:
        metrics: names to compute (default: all for the task's kind).
        seed: seeds ``numpy.random.default_rng``; the same seed gives the same intervals.
        decisions: multi-class only: the class decided for each case (a decision rule's), in place
            of the arg-max, for ``balanced_accuracy`` and ``accuracy``.

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
        chosen = None if decisions is None else np.asarray(decisions, dtype=np.int64)
        if chosen is not None and chosen.shape != y.shape:
            raise MetricInputError(f"decisions has shape {chosen.shape}; give one class index per case {y.shape}")
        fns = _multiclass_metric_fns(y, p, chosen)
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


# ---------------------------------------------------------------------------- normal quantile (DeLong, Wilson)


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2.0))
