"""Binary classification metrics: the paper's five and the ISIC 2017 official set.

Everything here is plain numpy/scikit-learn (no TensorFlow), works on one binary
task at a time (e.g. melanoma vs rest), and follows one convention: an image is
predicted positive when its score is **strictly greater** than the threshold
(``p > 0.5`` by default), as the ISIC 2017 scorer did.

Undefined values never crash. When the truth holds only one class, ROC AUC,
average precision and specificity-at-sensitivity are ``nan`` (and recall or
specificity too, for the class that is missing), and a
:class:`MetricUndefinedWarning` says why. Precision with no predicted positive
is ``0.0`` (scikit-learn's ``zero_division=0``), and so is F1 when precision and
recall are both 0.

Example:
    >>> m = binary_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> m["accuracy"], m["recall"], m["precision"], m["roc_auc"]
    (0.5, 0.5, 0.5, 0.75)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from lesionkit.errors import LesionkitError

__all__ = [
    "ISIC_SENSITIVITY_LEVELS",
    "MetricInputError",
    "MetricUndefinedWarning",
    "binary_metrics",
    "confusion_counts",
    "isic_metrics",
    "specificity_at_sensitivity",
    "threshold_for_sensitivity",
]

#: Sensitivity levels at which ISIC 2017 reported specificity (keys ``spec_at_sens_82``...).
ISIC_SENSITIVITY_LEVELS: dict[str, float] = {
    "spec_at_sens_82": 0.82,
    "spec_at_sens_89": 0.89,
    "spec_at_sens_95": 0.95,
}


class MetricInputError(LesionkitError, ValueError):
    """Labels or scores that cannot be scored (wrong shape, not 0/1, not finite...)."""


class MetricUndefinedWarning(UserWarning):
    """A metric is undefined for these inputs (e.g. one class absent) and was set to nan."""


def _as_binary_inputs(y_true: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate and flatten labels (0/1) and scores; accept one-hot / two-column softmax."""
    y = np.asarray(y_true)
    s = np.asarray(p)
    # A two-class softmax output (N, 2) or one-hot labels: the positive class is column 1.
    if y.ndim == 2 and y.shape[1] == 2:
        y = y[:, 1]
    if s.ndim == 2 and s.shape[1] == 2:
        s = s[:, 1]
    if y.ndim != 1:
        raise MetricInputError(f"y_true must be a 1-D array of 0/1 labels (or one-hot (N, 2)); got shape {y.shape}")
    if s.ndim != 1:
        raise MetricInputError(
            f"scores must be a 1-D array of positive-class probabilities (or (N, 2) softmax); got shape {s.shape}"
        )
    if len(y) != len(s):
        raise MetricInputError(f"y_true has {len(y)} labels but there are {len(s)} scores; pass one score per label")
    if len(y) == 0:
        raise MetricInputError("no labels to score: y_true and scores are empty")
    try:
        s = s.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise MetricInputError(f"scores must be numbers; got dtype {s.dtype}") from exc
    bad = np.flatnonzero(~np.isfinite(s))
    if bad.size:
        raise MetricInputError(
            f"scores must be finite; index {bad[0]} is {s[bad[0]].item()!r} ({bad.size} non-finite in all)"
        )
    try:
        yf = y.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise MetricInputError(f"y_true must hold 0/1 labels; got dtype {y.dtype}") from exc
    bad = np.flatnonzero((yf != 0) & (yf != 1))
    if bad.size:
        raise MetricInputError(
            f"y_true must hold only 0 and 1; index {bad[0]} is {y[bad[0]].item()!r} "
            f"({bad.size} such labels); turn diagnoses into binary labels first "
            "(lesionkit.data.split.binary_labels)"
        )
    return yf.astype(np.int64), s


def _undefined(metric: str, reason: str, stacklevel: int = 3) -> float:
    warnings.warn(f"{metric} is undefined ({reason}); reported as nan", MetricUndefinedWarning, stacklevel=stacklevel)
    return math.nan


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def confusion_counts(y_true: Any, p_positive: Any, threshold: float = 0.5) -> dict[str, int]:
    """True/false positives/negatives when predicting positive for ``p > threshold``.

    Example:
        >>> confusion_counts([0, 1, 1], [0.7, 0.9, 0.2])
        {'tp': 1, 'fp': 1, 'tn': 0, 'fn': 1}
    """
    y, s = _as_binary_inputs(y_true, p_positive)
    pred = s > threshold
    pos = y == 1
    return {
        "tp": int(np.sum(pred & pos)),
        "fp": int(np.sum(pred & ~pos)),
        "tn": int(np.sum(~pred & ~pos)),
        "fn": int(np.sum(~pred & pos)),
    }


def binary_metrics(y_true: Any, p_positive: Any, threshold: float = 0.5) -> dict[str, float]:
    """The paper's five metrics: ``accuracy``, ``recall``, ``precision``, ``f1``, ``roc_auc``.

    Also returns ``specificity`` and ``threshold``. Positive means ``p > threshold``.

    Args:
        y_true: 0/1 labels, shape (N,) (or one-hot (N, 2)).
        p_positive: positive-class probabilities, shape (N,) (or softmax (N, 2)).
        threshold: decision threshold; scores strictly above it count as positive.

    Returns:
        A dict of floats. ``recall`` is nan when there is no positive, ``specificity``
        when there is no negative, ``roc_auc`` when either class is absent (each with a
        :class:`MetricUndefinedWarning`); ``precision`` and ``f1`` fall back to 0.0.

    Raises:
        MetricInputError: shapes differ, labels are not 0/1, scores not finite, or empty.

    Example:
        >>> binary_metrics([0, 1, 1, 0], [0.2, 0.8, 0.4, 0.1])["recall"]
        0.5
    """
    c = confusion_counts(y_true, p_positive, threshold)
    y, s = _as_binary_inputs(y_true, p_positive)
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
    n = tp + fp + tn + fn
    recall = _ratio(tp, tp + fn)
    if recall is None:
        recall = _undefined("recall", "y_true has no positive")
    specificity = _ratio(tn, tn + fp)
    if specificity is None:
        specificity = _undefined("specificity", "y_true has no negative")
    precision = _ratio(tp, tp + fp) or 0.0
    if math.isnan(recall):
        f1 = math.nan
    else:
        f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 0.0
    return {
        "accuracy": (tp + tn) / n,
        "recall": float(recall),
        "precision": float(precision),
        "f1": float(f1),
        "roc_auc": _roc_auc(y, s),
        "specificity": float(specificity),
        "threshold": float(threshold),
    }


def _single_class_reason(y: np.ndarray) -> str | None:
    if np.all(y == 1):
        return "y_true has no negative"
    if np.all(y == 0):
        return "y_true has no positive"
    return None


def _roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    reason = _single_class_reason(y)
    if reason:
        return _undefined("roc_auc", reason, stacklevel=4)
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s))


def _roc(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC points (fpr, tpr, thresholds), one per distinct score, highest score first.

    Point ``i`` predicts positive for ``s >= thresholds[i]``; the first point is
    (0, 0) with threshold +inf. Ties in score share one point, so an ROC step never
    splits tied images.
    """
    order = np.argsort(-s, kind="mergesort")
    s_sorted = s[order]
    y_sorted = y[order]
    # Last index of each run of equal scores: everything up to it is predicted positive.
    ends = np.r_[np.flatnonzero(np.diff(s_sorted)), len(s_sorted) - 1]
    tps = np.cumsum(y_sorted)[ends]
    fps = (ends + 1) - tps
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    tpr = np.r_[0.0, tps / n_pos]
    fpr = np.r_[0.0, fps / n_neg]
    thresholds = np.r_[np.inf, s_sorted[ends]]
    return fpr, tpr, thresholds


def _first_point_reaching(tpr: np.ndarray, sensitivity: float) -> int:
    # Float tolerance: 0.82 of 100 positives must count 82/100 as reaching it.
    return int(np.flatnonzero(tpr >= sensitivity - 1e-12)[0])


def _check_level(sensitivity: float) -> float:
    level = float(sensitivity)
    if not 0.0 < level <= 1.0:
        raise MetricInputError(f"sensitivity level must be in (0, 1]; got {sensitivity!r} (use 0.82, not 82)")
    return level


def specificity_at_sensitivity(y_true: Any, p_positive: Any, sensitivity: float) -> float:
    """Specificity at the first ROC point whose sensitivity (TPR) reaches ``sensitivity``.

    This is the ISIC 2017 rule: walk the ROC curve from the strictest threshold and
    stop at the first point with TPR >= the level; report 1 - FPR there. Tied scores
    move together (one ROC point), so ties can only lower the result.

    Returns nan (with a :class:`MetricUndefinedWarning`) when a class is absent.

    Example:
        >>> specificity_at_sensitivity([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], 0.82)
        0.5
    """
    level = _check_level(sensitivity)
    y, s = _as_binary_inputs(y_true, p_positive)
    reason = _single_class_reason(y)
    if reason:
        return _undefined(f"specificity at sensitivity {level:g}", reason)
    fpr, tpr, _ = _roc(y, s)
    return float(1.0 - fpr[_first_point_reaching(tpr, level)])


def threshold_for_sensitivity(y_true: Any, p_positive: Any, sensitivity: float) -> float:
    """The decision threshold that reaches ``sensitivity`` with the best specificity.

    Predicting positive for ``p > t`` with the returned ``t`` gives, on these data,
    recall >= ``sensitivity`` and the specificity that :func:`specificity_at_sensitivity`
    reports. ``t`` lies halfway between the lowest score that must count as positive
    and the next lower score, so it transfers sensibly to new data (just below the
    lowest score when there is no lower one).

    Raises:
        MetricInputError: bad inputs, a level outside (0, 1], or no positive in y_true.

    Example:
        >>> threshold_for_sensitivity([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], 0.9)
        0.25
    """
    level = _check_level(sensitivity)
    y, s = _as_binary_inputs(y_true, p_positive)
    if not np.any(y == 1):
        raise MetricInputError("cannot choose a threshold for a sensitivity: y_true has no positive")
    if not np.any(y == 0):
        # All positive: everything must be predicted positive; any threshold below the minimum.
        return float(np.nextafter(s.min(), -np.inf))
    _, tpr, thresholds = _roc(y, s)
    i = _first_point_reaching(tpr, level)
    v = thresholds[i]
    lower_scores = s[s < v]
    if lower_scores.size == 0:
        return float(np.nextafter(v, -np.inf))
    lower = lower_scores.max()
    mid = (v + lower) / 2.0
    # Adjacent floats: the midpoint may round onto v, which would drop v's images.
    return float(mid if lower <= mid < v else lower)


def isic_metrics(y_true: Any, p_positive: Any) -> dict[str, float]:
    """The ISIC 2017 official per-class metrics.

    Keys: ``auc``, ``average_precision``, ``accuracy``, ``sensitivity``, ``specificity``
    (the last three at ``p > 0.5``), ``spec_at_sens_82``, ``spec_at_sens_89``,
    ``spec_at_sens_95`` (see :func:`specificity_at_sensitivity`).

    Args:
        y_true: 0/1 labels for one class (e.g. melanoma vs rest).
        p_positive: that class's probabilities.

    Returns:
        A dict of floats; ranking-based values are nan when one class is absent.

    Example:
        >>> m = isic_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
        >>> m["auc"], m["spec_at_sens_95"]
        (0.75, 0.5)
    """
    y, s = _as_binary_inputs(y_true, p_positive)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MetricUndefinedWarning)
        base = binary_metrics(y, s, threshold=0.5)
        reason = _single_class_reason(y)
        if reason:
            ap = _undefined("average_precision", reason)
            spec_at = dict.fromkeys(ISIC_SENSITIVITY_LEVELS, math.nan)
        else:
            from sklearn.metrics import average_precision_score

            ap = float(average_precision_score(y, s))
            fpr, tpr, _ = _roc(y, s)
            spec_at = {
                key: float(1.0 - fpr[_first_point_reaching(tpr, level)])
                for key, level in ISIC_SENSITIVITY_LEVELS.items()
            }
    # One warning per undefined metric family, raised from here so users see their call site.
    for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, MetricUndefinedWarning)):
        warnings.warn(message, MetricUndefinedWarning, stacklevel=2)
    return {
        "auc": base["roc_auc"],
        "average_precision": ap,
        "accuracy": base["accuracy"],
        "sensitivity": base["recall"],
        "specificity": base["specificity"],
        **spec_at,
    }
