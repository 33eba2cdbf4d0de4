"""Operating points: a decision threshold chosen on validation data, then frozen and reported on test data.

A threshold tuned on the split it is reported on flatters the model (the reported
sensitivity is the one it was tuned to reach). So the two steps are separate:
:func:`choose_threshold` picks a threshold on one split and records which, as an
:class:`OperatingPoint`; :func:`metrics_at_threshold` reports sensitivity, specificity,
PPV and NPV at that frozen threshold on another split, and refuses the split it was
chosen on. As everywhere in lesionkit, an image is positive when its score is
**strictly greater** than the threshold.

Example:
    >>> val_y, val_p = [0, 0, 0, 1, 1, 1], [0.1, 0.3, 0.5, 0.4, 0.8, 0.9]
    >>> point = choose_threshold(val_y, val_p, "sensitivity", target=0.6)
    >>> point.threshold
    0.65
    >>> m = metrics_at_threshold([0, 0, 1, 1], [0.2, 0.7, 0.6, 0.95], point, split="test")
    >>> m.sensitivity.estimate, m.specificity.estimate
    (0.5, 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import attrs
import numpy as np

from lesionkit.errors import DataError
from lesionkit.evaluation.stats.confidence import DEFAULT_LEVEL, Interval, _check_level, _z
from lesionkit.evaluation.stats.metrics import MetricInputError, _as_binary_inputs, threshold_for_sensitivity

__all__ = [
    "RULES",
    "OperatingPoint",
    "ThresholdLeakError",
    "ThresholdMetrics",
    "choose_threshold",
    "metrics_at_threshold",
    "wilson_interval",
]

Rule = Literal["sensitivity", "youden", "fixed"]
#: How a threshold can be chosen: to reach a target sensitivity, by Youden's J, or given.
RULES: tuple[str, ...] = ("sensitivity", "youden", "fixed")


class ThresholdLeakError(MetricInputError):
    """A threshold reported on the very split it was chosen on."""


@attrs.frozen
class OperatingPoint:
    """A frozen decision threshold and how it was chosen.

    Attributes:
        threshold: predict positive when score > threshold.
        rule: ``"sensitivity"``, ``"youden"`` or ``"fixed"``.
        chosen_on: the split it was chosen on (``"validation"``); for ``"fixed"``, where it came from.
        target: the target sensitivity for ``rule="sensitivity"``, else None.

    Example:
        >>> p = OperatingPoint(0.31, "sensitivity", "validation", 0.89)
        >>> p.to_dict()
        {'threshold': 0.31, 'rule': 'sensitivity', 'chosen_on': 'validation', 'target': 0.89}
        >>> OperatingPoint.from_dict(p.to_dict()) == p
        True
    """

    threshold: float
    rule: str
    chosen_on: str
    target: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OperatingPoint:
        """Read :meth:`to_dict`'s output back.

        Raises:
            DataError: a missing key, an unknown rule, or a threshold that is not a finite number.
        """
        missing = [k for k in ("threshold", "rule", "chosen_on") if k not in data]
        if missing:
            raise DataError(f"operating point record lacks {missing}; expected threshold, rule, chosen_on, target")
        threshold, rule = data["threshold"], data["rule"]
        if rule not in RULES:
            raise DataError(f"operating point rule {rule!r} is not one of {list(RULES)}")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold):
            raise DataError(f"operating point threshold must be a finite number; got {threshold!r}")
        target = data.get("target")
        return cls(float(threshold), str(rule), str(data["chosen_on"]), None if target is None else float(target))


def _just_below(v: float, s: np.ndarray) -> float:
    """Halfway between ``v`` and the next lower score (just below ``v`` if none): ``s > t`` keeps ``v``."""
    lower = s[s < v]
    if lower.size == 0:
        return float(np.nextafter(v, -np.inf))
    below = float(lower.max())
    mid = (v + below) / 2.0
    return mid if below <= mid < v else below


def _youden_threshold(y: np.ndarray, s: np.ndarray) -> float:
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    ends = np.r_[np.flatnonzero(np.diff(s_sorted)), len(s) - 1]
    tpr = np.cumsum(y_sorted)[ends] / y.sum()
    fpr = np.cumsum(1 - y_sorted)[ends] / (len(y) - y.sum())
    # argmax takes the first maximum: of equally good points, the strictest threshold.
    return _just_below(float(s_sorted[ends][np.argmax(tpr - fpr)]), s)


def choose_threshold(
    y_true: Any,
    scores: Any,
    rule: Rule = "sensitivity",
    *,
    target: float | None = None,
    chosen_on: str = "validation",
) -> OperatingPoint:
    """Choose a decision threshold on one split (normally validation).

    ``rule="sensitivity"`` (give ``target``, e.g. 0.89 as in ISIC 2017's
    ``spec_at_sens_89``): with P positives, the model must catch k = ⌈target · P⌉
    of them; let v be the k-th highest positive score. The threshold is halfway
    between v and the next lower score of any case (just below v if there is none).
    So on this split ``score > threshold`` reaches at least the target sensitivity,
    and no higher threshold does: the best specificity that meets the target, the
    ISIC 2017 rule (:func:`lesionkit.evaluation.stats.metrics.threshold_for_sensitivity`).

    ``rule="youden"``: the ROC point (``score >= v`` for a distinct score v) that
    maximises Youden's J = sensitivity + specificity − 1, the strictest one on ties,
    with the threshold placed below v the same way.

    Raises:
        MetricInputError: an unknown rule, a missing/out-of-range target, or a class absent
            from ``y_true``.

    Example:
        >>> choose_threshold([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], "youden").threshold
        0.75
    """
    y, s = _as_binary_inputs(y_true, scores)
    if rule in ("sensitivity", "youden") and y.sum() in (0, len(y)):
        # Without negatives no specificity is defined, so "the best specificity" picks nothing.
        raise MetricInputError(f"choosing a threshold by {rule!r} needs positive and negative cases in y_true")
    if rule == "sensitivity":
        if target is None:
            raise MetricInputError("rule='sensitivity' needs target=..., e.g. 0.89")
        threshold = threshold_for_sensitivity(y, s, target)
        return OperatingPoint(threshold, rule, chosen_on, float(target))
    if rule == "youden":
        if target is not None:
            raise MetricInputError("rule='youden' takes no target")
        return OperatingPoint(_youden_threshold(y, s), rule, chosen_on, None)
    raise MetricInputError(
        f"rule must be 'sensitivity' or 'youden' (for a given threshold, build OperatingPoint(t, 'fixed', ...)); got {rule!r}"
    )


def wilson_interval(successes: int, n: int, level: float = DEFAULT_LEVEL) -> Interval:
    """Wilson score interval of a binomial proportion (nan when ``n`` is 0).

    Preferred to the Wald interval p ± z·√(p(1−p)/n): it stays inside [0, 1] and keeps
    its coverage for small ``n`` and for proportions near 0 or 1 (Brown, Cai & DasGupta 2001).

    Example:
        >>> r = wilson_interval(9, 10)
        >>> round(r.low, 4), round(r.high, 4)
        (0.5958, 0.9821)
    """
    level = _check_level(level)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, level, "Wilson")
    z = _z(level)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), level, "Wilson")


@attrs.frozen
class ThresholdMetrics:
    """Metrics at a frozen threshold on one split.

    Attributes:
        point: the operating point used (unchanged). split: the split reported.
        tp, fp, tn, fn: the confusion counts.
        sensitivity, specificity, ppv, npv: each with a Wilson interval
            (PPV/NPV conditional on the number predicted positive/negative, so they
            hold for this split's prevalence; nan when nothing is predicted that way).
    """

    point: OperatingPoint
    split: str
    tp: int
    fp: int
    tn: int
    fn: int
    sensitivity: Interval
    specificity: Interval
    ppv: Interval
    npv: Interval

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the operating point, the split, the counts and each metric with its ``_ci``."""
        out: dict[str, Any] = {"operating_point": self.point.to_dict(), "split": self.split}
        out.update(tp=self.tp, fp=self.fp, tn=self.tn, fn=self.fn)
        for name in ("sensitivity", "specificity", "ppv", "npv"):
            out.update(getattr(self, name).to_dict(name))
        out.update(ci_level=self.sensitivity.level, ci_method="Wilson")
        return out


def metrics_at_threshold(
    y_true: Any, scores: Any, point: OperatingPoint, *, split: str, level: float = DEFAULT_LEVEL
) -> ThresholdMetrics:
    """Sensitivity, specificity, PPV and NPV at ``point.threshold`` on ``split``; the threshold is not re-chosen.

    Raises:
        ThresholdLeakError: ``split`` is the split the threshold was chosen on.

    Example:
        >>> point = OperatingPoint(0.5, "fixed", "ISIC 2017 rule")
        >>> metrics_at_threshold([0, 1, 1], [0.2, 0.7, 0.4], point, split="test").to_dict()["ppv"]
        1.0
    """
    if split == point.chosen_on:
        raise ThresholdLeakError(
            f"the threshold was chosen on {split!r}; report it on another split (choose on validation, report on test)"
        )
    y, s = _as_binary_inputs(y_true, scores)
    predicted = s > point.threshold
    positive = y == 1
    tp, fp = int(np.sum(predicted & positive)), int(np.sum(predicted & ~positive))
    fn, tn = int(np.sum(~predicted & positive)), int(np.sum(~predicted & ~positive))
    return ThresholdMetrics(
        point,
        split,
        tp,
        fp,
        tn,
        fn,
        sensitivity=wilson_interval(tp, tp + fn, level),
        specificity=wilson_interval(tn, tn + fp, level),
        ppv=wilson_interval(tp, tp + fp, level),
        npv=wilson_interval(tn, tn + fn, level),
    )
