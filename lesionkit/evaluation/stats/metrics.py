"""Classification metrics: the paper's five, the ISIC 2017 official set, and multi-class ones.

Plain numpy/scikit-learn (no TensorFlow), one binary task at a time (e.g. melanoma vs rest); an
image is positive when its score is **strictly greater** than the threshold (``p > 0.5`` by
default), as the ISIC 2017 scorer did. Undefined values never crash: with one class in the truth,
ROC AUC, average precision and specificity-at-sensitivity (and the missing class's recall or
specificity) are ``nan`` and a :class:`MetricUndefinedWarning` says why; precision with no
predicted positive is ``0.0`` (scikit-learn's ``zero_division=0``), and so is F1 then.

Multi-class tasks are scored from the probability matrix ``(N, K)``: one-vs-rest AUC per class and
their mean (``macro_auc``), balanced multiclass accuracy (ISIC 2018's metric), the confusion
matrix, and for tasks that name positive classes (``isic2017_3class``: melanoma and SK) each
one's ISIC 2017 set and the mean of their AUCs (``mean_auc``, ISIC 2017's ranking).

Example:
    >>> m = binary_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> m["accuracy"], m["recall"], m["precision"], m["roc_auc"]
    (0.5, 0.5, 0.5, 0.75)
    >>> p = [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1]]
    >>> balanced_accuracy([0, 1, 2, 2], p), confusion_matrix([0, 1, 2, 2], p, 3).tolist()
    (0.8333333333333334, [[1, 0, 0], [0, 1, 0], [1, 0, 1]])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from lesionkit.errors import LesionkitError
from lesionkit.warn import warn

__all__ = [
    "ISIC_SENSITIVITY_LEVELS",
    "MetricInputError",
    "MetricUndefinedWarning",
    "balanced_accuracy",
    "binary_metrics",
    "confusion_counts",
    "confusion_matrix",
    "isic_metrics",
    "multiclass_metrics",
    "one_vs_rest_auc",
    "positive_class_metrics",
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
    y, s = np.asarray(y_true), np.asarray(p)
    # A two-class softmax output (N, 2) or one-hot labels: the positive class is column 1.
    y = y[:, 1] if y.ndim == 2 and y.shape[1] == 2 else y
    s = s[:, 1] if s.ndim == 2 and s.shape[1] == 2 else s
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
            "(task.labels(diagnosis), or split.labels(task))"
        )
    return yf.astype(np.int64), s


def _undefined(metric: str, reason: str) -> float:
    warn(f"{metric} is undefined ({reason}); reported as nan", MetricUndefinedWarning)
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
        return _undefined("roc_auc", reason)
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
        warn(message, MetricUndefinedWarning)
    return {
        "auc": base["roc_auc"],
        "average_precision": ap,
        "accuracy": base["accuracy"],
        "sensitivity": base["recall"],
        "specificity": base["specificity"],
        **spec_at,
    }


# -- multi-class -------------------------------------------------------------------------


def _as_multiclass_inputs(
    y_true: Any, probabilities: Any, num_classes: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Validate class indices ``(N,)`` (or one-hot ``(N, K)``) and a probability matrix ``(N, K)``."""
    p = np.asarray(probabilities)
    if p.ndim != 2 or p.shape[1] < 2:
        raise MetricInputError(f"probabilities must be a matrix (N, K) with one column per class; got shape {p.shape}")
    k = p.shape[1] if num_classes is None else int(num_classes)
    if p.shape[1] != k:
        raise MetricInputError(f"probabilities have {p.shape[1]} columns but the task has {k} classes")
    try:
        p = p.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise MetricInputError(f"probabilities must be numbers; got dtype {p.dtype}") from exc
    bad = np.argwhere(~np.isfinite(p))
    if bad.size:
        raise MetricInputError(
            f"probabilities must be finite; row {bad[0][0]}, column {bad[0][1]} is {p[tuple(bad[0])]!r}"
        )
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] == k:
        y = y.argmax(axis=1)
    if y.ndim != 1 or len(y) != len(p):
        raise MetricInputError(
            f"y_true must hold one class index per row of probabilities ({len(p)}); got shape {y.shape}"
        )
    if len(y) == 0:
        raise MetricInputError("no labels to score: y_true and probabilities are empty")
    yi = y.astype(np.int64)
    bad_rows = np.flatnonzero((yi != y) | (yi < 0) | (yi >= k))
    if bad_rows.size:
        raise MetricInputError(
            f"y_true must hold class indices 0..{k - 1}; index {bad_rows[0]} is {y[bad_rows[0]].item()!r} "
            f"({bad_rows.size} such labels)"
        )
    return yi, p


def confusion_matrix(y_true: Any, probabilities: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts ``(K, K)``: row = true class, column = arg-max predicted class (as scikit-learn's)."""
    y, p = _as_multiclass_inputs(y_true, probabilities, num_classes)
    k = p.shape[1]
    return np.bincount(y * k + p.argmax(axis=1), minlength=k * k).reshape(k, k).astype(np.int64)


def balanced_accuracy(y_true: Any, probabilities: Any) -> float:
    """Mean per-class recall of the arg-max class over the classes present in ``y_true``.

    ISIC 2018 Task 3's "balanced multiclass accuracy"; scikit-learn's ``balanced_accuracy_score``.
    """
    matrix = confusion_matrix(y_true, probabilities)
    rows = matrix.sum(axis=1)
    present = rows > 0
    return float(np.mean(np.diag(matrix)[present] / rows[present]))


def one_vs_rest_auc(y_true: Any, probabilities: Any) -> list[float]:
    """ROC AUC of each class's column against all other classes (nan, with a warning, if absent or alone)."""
    y, p = _as_multiclass_inputs(y_true, probabilities)
    out = []
    for c in range(p.shape[1]):
        positives = y == c
        if positives.all() or not positives.any():
            out.append(_undefined(f"ROC AUC of class {c}", "all images are of one side of it"))
        else:
            out.append(_roc_auc(positives.astype(np.int64), p[:, c]))
    return out


def positive_class_metrics(y_true: Any, probabilities: Any, classes: Any, positive: Any) -> dict[str, dict[str, float]]:
    """The ISIC 2017 set (:func:`isic_metrics`) of each positive class, one vs rest.

    For ``isic2017_3class`` these are the challenge's two binary tasks (melanoma, SK).
    """
    y, p = _as_multiclass_inputs(y_true, probabilities, len(classes))
    names = list(classes)
    return {name: isic_metrics((y == names.index(name)).astype(np.int64), p[:, names.index(name)]) for name in positive}


def multiclass_metrics(y_true: Any, probabilities: Any, classes: Any, positive: Any = ()) -> dict[str, float]:
    """The metrics of a multi-class task, flat: ``accuracy``, ``balanced_accuracy``,
    ``macro_auc`` (mean of the defined one-vs-rest AUCs), ``auc_<class>`` and
    ``recall_<class>`` per class, and, when ``positive`` names classes, ``mean_auc``
    (the mean of their AUCs, ISIC 2017's ranking metric).

    Example:
        >>> p = [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1]]
        >>> m = multiclass_metrics([0, 1, 2, 2], p, ("nevus", "melanoma", "sk"), positive=("melanoma", "sk"))
        >>> m["macro_auc"], m["mean_auc"], m["auc_sk"]
        (0.9166666666666666, 0.875, 0.75)
    """
    names = tuple(str(c) for c in classes)
    y, p = _as_multiclass_inputs(y_true, probabilities, len(names))
    matrix = confusion_matrix(y, p)
    rows = matrix.sum(axis=1)
    aucs = one_vs_rest_auc(y, p)
    defined = [a for a in aucs if not math.isnan(a)]
    out: dict[str, float] = {
        "accuracy": float(np.trace(matrix) / matrix.sum()),
        "balanced_accuracy": balanced_accuracy(y, p),
        "macro_auc": float(np.mean(defined)) if defined else math.nan,
    }
    for c, name in enumerate(names):
        out[f"auc_{name}"] = aucs[c]
        out[f"recall_{name}"] = float(matrix[c, c] / rows[c]) if rows[c] else math.nan
    if positive:
        out["mean_auc"] = float(np.mean([aucs[names.index(name)] for name in positive]))
    return out
