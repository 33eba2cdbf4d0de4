"""A multi-class decision rule fitted for balanced accuracy: per-class log-probability offsets.

The arg-max of a model's probabilities maximises plain accuracy. Balanced accuracy (the mean
per-class recall, ISIC 2018 Task 3's ranking metric) rewards other decisions: a
class-weighted model, for instance, over-calls the small classes and its arg-max loses
recall on the large ones. A :class:`DecisionRule` decides

    class = arg-max over c of ( log p_c + offset_c )

which is the arg-max after reweighting the classes' priors by ``exp(offset_c)``. The offsets
are fitted on a labelled split (validation) by :func:`fit_decision_rule`: a deterministic
coordinate ascent over a grid, each step keeping the offset that maximises that split's
balanced accuracy minus a small penalty on the offsets' spread (a few hundred images leave
the rare classes' recall noisy; the penalty keeps offsets that only fit that noise near 0).

:func:`fit_prior_rule` fits one number instead: offsets ``-tau * log(class frequency)``
(logit adjustment with a fitted strength), which varies less on small splits.

Once fitted, a rule is frozen: :meth:`DecisionRule.apply` on another split (test, new
images) uses the offsets as they are and never refits. Report a rule's balanced accuracy
only on images it was not fitted on (``benchmarks/multiclass_decisions.py`` cross-fits).

Pure numpy; no TensorFlow.

Example:
    >>> import numpy as np
    >>> probs = np.array([[0.6, 0.4], [0.7, 0.3], [0.55, 0.45], [0.8, 0.2]])
    >>> rule = fit_decision_rule([0, 0, 1, 0], probs, ("nevus", "melanoma"))
    >>> rule.apply(probs).tolist()          # the arg-max would call every image a nevus
    [0, 0, 1, 0]
    >>> DecisionRule.from_dict(rule.to_dict()) == rule
    True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from lesionkit.errors import DataError

__all__ = [
    "DEFAULT_GRID",
    "DEFAULT_PENALTY",
    "DEFAULT_SCALES",
    "DecisionRule",
    "DecisionRuleError",
    "balanced_accuracy_of",
    "fit_decision_rule",
    "fit_prior_rule",
    "recall_per_class",
]

#: Offsets tried for each class: -3 to 3 in steps of 0.1 (a prior ratio of e^±3 ≈ 20 either way).
DEFAULT_GRID: tuple[float, ...] = tuple(round(-3.0 + 0.1 * i, 1) for i in range(61))
#: Weight of the penalty ``mean((offset - mean offset)²)`` subtracted from balanced accuracy:
#: an offset of 1 must buy about a point of balanced accuracy per class to be kept.
DEFAULT_PENALTY = 0.01
#: Probabilities below this are clipped before the log (a hard 0 would be -inf whatever the offset).
_FLOOR = 1e-12
#: Coordinate-ascent sweeps at most (they usually settle in two or three).
_MAX_SWEEPS = 20


class DecisionRuleError(DataError, ValueError):
    """Probabilities, labels or a saved rule that do not fit the rule's classes."""


def _check_probabilities(probabilities: Any, num_classes: int, what: str) -> np.ndarray:
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != num_classes:
        raise DecisionRuleError(
            f"{what}: probabilities must be a matrix (N, {num_classes}), one column per class of the rule; "
            f"got shape {p.shape}. Pass the model's probabilities for the same classes, in the same order"
        )
    bad = np.argwhere(~np.isfinite(p) | (p < 0))
    if bad.size:
        row, col = bad[0]
        raise DecisionRuleError(
            f"{what}: probabilities must be finite and non-negative; row {row}, column {col} is {p[row, col]!r}"
        )
    return p


def _check_labels(labels: Any, n: int, num_classes: int) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) != n:
        raise DecisionRuleError(f"labels must hold one class index per row of probabilities ({n}); got shape {y.shape}")
    if n == 0:
        raise DecisionRuleError("no labelled images to fit a decision rule on")
    yi = y.astype(np.int64)
    bad = np.flatnonzero((yi != y) | (yi < 0) | (yi >= num_classes))
    if bad.size:
        raise DecisionRuleError(
            f"labels must be class indices 0..{num_classes - 1}; label {bad[0]} is {y[bad[0]].item()!r} "
            f"({bad.size} such labels)"
        )
    return yi


def recall_per_class(labels: Any, decisions: Any, num_classes: int) -> np.ndarray:
    """Recall of each class (``nan`` for a class absent from ``labels``).

    Example:
        >>> recall_per_class([0, 0, 1, 2], [0, 1, 1, 1], 3).tolist()
        [0.5, 1.0, 0.0]
    """
    y = np.asarray(labels, dtype=np.int64)
    d = np.asarray(decisions, dtype=np.int64)
    total = np.bincount(y, minlength=num_classes).astype(np.float64)
    hits = np.bincount(y[d == y], minlength=num_classes).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, hits / np.maximum(total, 1), np.nan)


def balanced_accuracy_of(labels: Any, decisions: Any, num_classes: int) -> float:
    """Mean recall over the classes present in ``labels`` (scikit-learn's ``balanced_accuracy_score``).

    Example:
        >>> balanced_accuracy_of([0, 0, 1, 2], [0, 1, 1, 1], 3)
        0.5
    """
    return float(np.nanmean(recall_per_class(labels, decisions, num_classes)))


def decided_metrics(labels: Any, decisions: Any, class_names: Sequence[str]) -> dict[str, float]:
    """The metrics that depend on decisions alone: ``accuracy``, ``balanced_accuracy``, ``recall_<class>``.

    What a report holds for a run that decides with a rule instead of the arg-max.

    Example:
        >>> decided_metrics([0, 0, 1, 2], [0, 1, 1, 1], ("nevus", "melanoma", "sk"))["balanced_accuracy"]
        0.5
    """
    y = np.asarray(labels, dtype=np.int64)
    d = np.asarray(decisions, dtype=np.int64)
    recalls = recall_per_class(y, d, len(class_names))
    out = {"accuracy": float(np.mean(d == y)), "balanced_accuracy": float(np.nanmean(recalls))}
    out.update({f"recall_{name}": float(r) for name, r in zip(class_names, recalls)})
    return out


def _as_names(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _as_floats(values: Iterable[Any]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


@attrs.frozen
class DecisionRule:
    """Per-class offsets added to the log-probabilities before the arg-max; frozen once fitted.

    Attributes:
        class_names: the classes, in the order of the probabilities' columns.
        offsets: one per class, centred on 0 (only their differences matter).
        fitted_on: the split the offsets were fitted on (e.g. ``"validation"``).

    Example:
        >>> rule = DecisionRule(("nevus", "melanoma"), (0.5, -0.5))
        >>> rule.apply([[0.65, 0.35], [0.8, 0.2]]).tolist()
        [0, 0]
        >>> rule.apply_names([[0.8, 0.2]])
        ['nevus']
    """

    class_names: tuple[str, ...] = attrs.field(converter=_as_names)
    offsets: tuple[float, ...] = attrs.field(converter=_as_floats)
    fitted_on: str = "validation"

    def __attrs_post_init__(self) -> None:
        if len(self.class_names) < 2:
            raise DecisionRuleError(f"a decision rule needs at least 2 classes; got {list(self.class_names)}")
        if len(self.offsets) != len(self.class_names):
            raise DecisionRuleError(
                f"a decision rule needs one offset per class: {len(self.offsets)} offsets for "
                f"{len(self.class_names)} classes {list(self.class_names)}"
            )
        bad = [(n, o) for n, o in zip(self.class_names, self.offsets) if not math.isfinite(o)]
        if bad:
            raise DecisionRuleError(f"decision rule offsets must be finite; class {bad[0][0]!r} has {bad[0][1]!r}")

    @property
    def num_classes(self) -> int:
        """How many classes the rule decides between."""
        return len(self.class_names)

    def scores(self, probabilities: Any) -> np.ndarray:
        """``log p + offsets`` per image and class, ``(N, K)`` (probabilities clipped at 1e-12)."""
        p = _check_probabilities(probabilities, self.num_classes, "DecisionRule.apply")
        return np.log(np.maximum(p, _FLOOR)) + np.asarray(self.offsets)

    def apply(self, probabilities: Any) -> np.ndarray:
        """The class index decided for each row of ``probabilities`` ``(N, K)``.

        Raises:
            DecisionRuleError: ``probabilities`` does not have one column per class of the rule,
                or holds a negative or non-finite value.
        """
        return self.scores(probabilities).argmax(axis=1)

    def apply_names(self, probabilities: Any) -> list[str]:
        """Like :meth:`apply`, as class names."""
        return [self.class_names[i] for i in self.apply(probabilities)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"class_names": list(self.class_names), "offsets": list(self.offsets), "fitted_on": self.fitted_on}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DecisionRule:
        """Read :meth:`to_dict`'s output back.

        Raises:
            DecisionRuleError: a missing key, or offsets that do not match the classes.
        """
        missing = [k for k in ("class_names", "offsets") if k not in data]
        if missing:
            raise DecisionRuleError(f"decision rule record lacks {missing}; expected class_names, offsets, fitted_on")
        names, offsets = data["class_names"], data["offsets"]
        if not isinstance(names, Sequence) or isinstance(names, str):
            raise DecisionRuleError(f"decision rule class_names must be a list of names; got {names!r}")
        if not isinstance(offsets, Sequence) or isinstance(offsets, str):
            raise DecisionRuleError(f"decision rule offsets must be a list of numbers; got {offsets!r}")
        if any(isinstance(o, bool) or not isinstance(o, (int, float)) for o in offsets):
            raise DecisionRuleError(f"decision rule offsets must be numbers; got {list(offsets)!r}")
        return cls(tuple(str(n) for n in names), tuple(offsets), str(data.get("fitted_on", "validation")))


def _objective(y: np.ndarray, decisions: np.ndarray, present: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Balanced accuracy of each row of ``decisions`` ``(G, N)`` against ``y``."""
    k = len(counts)
    hit = decisions == y  # (G, N)
    hits = np.stack([hit[:, y == c].sum(axis=1) for c in range(k)], axis=1)  # (G, K)
    return (hits[:, present] / counts[present]).mean(axis=1)


def _penalty(offsets: np.ndarray, present: np.ndarray) -> np.ndarray:
    """``mean((o - mean o)²)`` over the present classes, for each row of ``offsets`` ``(G, K)``."""
    o = offsets[:, present]
    return ((o - o.mean(axis=1, keepdims=True)) ** 2).mean(axis=1)


def fit_decision_rule(
    labels: Any,
    probabilities: Any,
    class_names: Sequence[str],
    *,
    penalty: float = DEFAULT_PENALTY,
    grid: Sequence[float] = DEFAULT_GRID,
    fitted_on: str = "validation",
) -> DecisionRule:
    """Fit per-class offsets that maximise balanced accuracy on these labelled images.

    Coordinate ascent: starting from 0, each class in turn takes the grid value that
    maximises ``balanced accuracy - penalty * mean((offset - mean offset)²)`` with the
    other offsets fixed; sweeps repeat until none changes. Ties go to the value nearest
    0, then the smaller, so the result depends only on the inputs. A class absent from
    ``labels`` keeps offset 0 (its recall cannot be measured here). The offsets returned
    are centred on 0.

    Args:
        labels: true class index per image ``(N,)``.
        probabilities: the model's probabilities ``(N, K)``, columns in ``class_names`` order.
        class_names: the K classes.
        penalty: weight of the offsets' spread (0: pure balanced accuracy, overfits small splits).
        grid: offsets tried per class.
        fitted_on: the split's name, recorded in the rule.

    Raises:
        DecisionRuleError: ``probabilities`` without one column per class, labels that are
            not class indices, or a negative penalty / empty grid.

    Example:
        >>> probs = [[0.7, 0.3], [0.6, 0.4], [0.9, 0.1], [0.55, 0.45]]
        >>> fit_decision_rule([0, 1, 0, 1], probs, ("nevus", "melanoma")).apply(probs).tolist()
        [0, 1, 0, 1]
    """
    names = tuple(str(n) for n in class_names)
    k = len(names)
    if k < 2:
        raise DecisionRuleError(f"a decision rule needs at least 2 classes; got {list(names)}")
    p = _check_probabilities(probabilities, k, "fit_decision_rule")
    y = _check_labels(labels, len(p), k)
    if not (penalty >= 0 and math.isfinite(penalty)):
        raise DecisionRuleError(f"penalty = {penalty!r} must be a finite number >= 0")
    values = np.array(sorted({float(g) for g in grid}, key=lambda g: (abs(g), g)))
    if values.size == 0 or not np.isfinite(values).all():
        raise DecisionRuleError(f"grid must hold finite offsets; got {list(grid)!r}")
    logp = np.log(np.maximum(p, _FLOOR))
    counts = np.bincount(y, minlength=k).astype(np.float64)
    present = counts > 0
    offsets = np.zeros(k)
    for _ in range(_MAX_SWEEPS):
        changed = False
        for c in np.flatnonzero(present):
            rest = logp + offsets
            rest[:, c] = -np.inf
            best_other, other = rest.max(axis=1), rest.argmax(axis=1)
            # Class c wins an image where its score beats every other; on an exact tie the
            # arg-max takes the lower index, as DecisionRule.apply does.
            own = logp[:, c][None, :] + values[:, None]  # (G, N)
            wins = (own > best_other) | ((own == best_other) & (c < other))
            decisions = np.where(wins, c, other[None, :])
            trial = np.repeat(offsets[None, :], len(values), axis=0)
            trial[:, c] = values
            score = _objective(y, decisions, present, counts) - penalty * _penalty(trial, present)
            # values are sorted nearest-0 first, and argmax takes the first of equal scores.
            best = int(np.argmax(score))
            now = np.flatnonzero(values == offsets[c])
            # Move only for a strict gain, so sweeps cannot cycle between equal scores.
            if now.size == 0 or score[best] > score[now[0]] + 1e-12:
                changed = changed or values[best] != offsets[c]
                offsets[c] = values[best]
        if not changed:
            break
    offsets[present] -= offsets[present].mean()
    return DecisionRule(names, tuple(np.round(offsets, 6)), fitted_on)


#: Scales tried by :func:`fit_prior_rule`: -1 to 2 in steps of 0.05 (1: divide by the class frequency).
DEFAULT_SCALES: tuple[float, ...] = tuple(round(-1.0 + 0.05 * i, 2) for i in range(61))


def fit_prior_rule(
    labels: Any,
    probabilities: Any,
    class_names: Sequence[str],
    *,
    scales: Sequence[float] = DEFAULT_SCALES,
    fitted_on: str = "validation",
) -> DecisionRule:
    """Fit one number instead of K: offsets ``-tau * log(class frequency)``, ``tau`` for balanced accuracy.

    The one-parameter family of :func:`fit_decision_rule`'s offsets that reweights the classes
    by a power of their frequency in ``labels`` (``tau = 1`` divides each probability by its
    class's frequency, the balanced-accuracy decision for a calibrated model; ``tau = 0`` is the
    arg-max). One fitted number varies far less than K on a few hundred images, at the cost of
    not fitting each class on its own. ``tau`` is the scale with the highest balanced accuracy
    on these images; ties go to the one nearest 0. Classes absent from ``labels`` get offset 0.

    Raises:
        DecisionRuleError: as :func:`fit_decision_rule`, or no finite scale.

    Example:
        >>> probs = [[0.7, 0.3], [0.6, 0.4], [0.9, 0.1], [0.8, 0.2], [0.55, 0.45]]
        >>> rule = fit_prior_rule([0, 1, 0, 0, 1], probs, ("nevus", "melanoma"))
        >>> rule.apply(probs).tolist()
        [0, 1, 0, 0, 1]
    """
    names = tuple(str(n) for n in class_names)
    k = len(names)
    if k < 2:
        raise DecisionRuleError(f"a decision rule needs at least 2 classes; got {list(names)}")
    p = _check_probabilities(probabilities, k, "fit_prior_rule")
    y = _check_labels(labels, len(p), k)
    taus = np.array(sorted({float(s) for s in scales}, key=lambda s: (abs(s), s)))
    if taus.size == 0 or not np.isfinite(taus).all():
        raise DecisionRuleError(f"scales must hold finite numbers; got {list(scales)!r}")
    counts = np.bincount(y, minlength=k).astype(np.float64)
    present = counts > 0
    base = np.zeros(k)
    base[present] = -np.log(counts[present] / counts.sum())
    base[present] -= base[present].mean()
    logp = np.log(np.maximum(p, _FLOOR))
    decisions = np.stack([(logp + t * base).argmax(axis=1) for t in taus])  # (S, N)
    # taus are sorted nearest-0 first, and argmax takes the first of equal scores.
    tau = float(taus[int(np.argmax(_objective(y, decisions, present, counts)))])
    return DecisionRule(names, tuple(np.round(tau * base, 6)), fitted_on)
