"""Is a multi-class decision rule worth keeping? Cross-fitted balanced accuracy against the arg-max.

A decision rule (:mod:`lesionkit.evaluation.stats.decision_rule`) fitted and scored on the
same validation images always looks better than the arg-max: it was chosen on them. The
honest question is how it does on images it never saw. :func:`cross_fit_rule` deals the
images into ``folds`` folds — whole lesions at a time when ``groups`` gives each image's
lesion, stratified by class — fits the rule on all folds but one, decides the held-out fold,
and repeats that with ``repeats`` fold seeds. Every decision it scores comes from a rule that
never saw the image, so the comparison with the arg-max (which fits nothing) is fair.

``lesionkit calibrate RUN --decision-rule prior`` keeps a rule only when this says it wins;
``benchmarks/multiclass_decisions.py`` prints the same comparison with bootstrap intervals.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], [80, 15, 5])
    >>> logits = rng.normal(size=(100, 3)) + 1.5 * np.eye(3)[y] + np.log([0.8, 0.15, 0.05])
    >>> p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    >>> result = cross_fit_rule(y, p, ("nevus", "melanoma", "dermatofibroma"), kind="prior", folds=4, repeats=2)
    >>> result.rule_balanced_accuracy > result.argmax_balanced_accuracy
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from lesionkit.data.splitting.folds import stratified_folds
from lesionkit.evaluation.stats.decision_rule import (
    DEFAULT_PENALTY,
    DecisionRule,
    DecisionRuleError,
    balanced_accuracy_of,
    fit_decision_rule,
    fit_prior_rule,
)

#: The rule families: ``prior`` fits one scale of -log(class frequency) (one number, steady on a
#: few hundred images); ``per_class`` fits one offset per class (K numbers, noisy for rare classes).
RULE_KINDS = ("prior", "per_class")


def grouped_folds(labels: Any, groups: Any | None, k: int, seed: int = 0) -> np.ndarray:
    """Fold index per image: whole groups (lesions) dealt into ``k`` folds, stratified by a group's first label.

    ``groups=None`` makes each image its own group.

    Example:
        >>> grouped_folds([0, 0, 1, 1], ["a", "a", "b", "c"], k=2).tolist()
        [0, 0, 1, 0]
    """
    y = np.asarray(labels, dtype=np.int64)
    if k < 2:
        raise DecisionRuleError(f"cross-fitting needs at least 2 folds; got folds={k}")
    g = np.arange(len(y)) if groups is None else np.asarray(groups)
    if len(g) != len(y):
        raise DecisionRuleError(f"groups has {len(g)} entries for {len(y)} labels; give one lesion id per image")
    _, first, inverse = np.unique(g, return_index=True, return_inverse=True)
    group_folds = np.empty(len(first), dtype=np.int64)
    for fold, members in enumerate(stratified_folds(y[first], k, seed)):
        group_folds[members] = fold
    return group_folds[inverse]


def fit_rule(
    labels: Any,
    probabilities: Any,
    class_names: Sequence[str],
    *,
    kind: str = "prior",
    fitted_on: str = "validation",
    penalty: float = DEFAULT_PENALTY,
) -> DecisionRule:
    """The rule of family ``kind`` (:data:`RULE_KINDS`) fitted on these images (``penalty``: per_class only)."""
    if kind == "prior":
        return fit_prior_rule(labels, probabilities, class_names, fitted_on=fitted_on)
    if kind == "per_class":
        return fit_decision_rule(labels, probabilities, class_names, penalty=penalty, fitted_on=fitted_on)
    raise DecisionRuleError(f"decision rule kind {kind!r}: give one of {', '.join(RULE_KINDS)}")


def cross_fitted_decisions(
    labels: Any,
    probabilities: Any,
    class_names: Sequence[str],
    folds: np.ndarray,
    *,
    kind: str = "prior",
    penalty: float = DEFAULT_PENALTY,
) -> np.ndarray:
    """Each image's decision by a rule fitted on the other folds only."""
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(probabilities, dtype=np.float64)
    out = np.empty(len(y), dtype=np.int64)
    for f in np.unique(folds):
        held = folds == f
        rule = fit_rule(y[~held], p[~held], class_names, kind=kind, fitted_on=f"folds other than {f}", penalty=penalty)
        out[held] = rule.apply(p[held])
    return out


@attrs.frozen
class CrossFit:
    """Balanced accuracy of the arg-max and of a cross-fitted rule on the same images.

    Attributes:
        kind: the rule family (:data:`RULE_KINDS`).
        folds, repeats: cross-fitting folds and fold seeds.
        argmax_balanced_accuracy: the arg-max's (it fits nothing, so it needs no cross-fitting).
        rule_balanced_accuracy: the cross-fitted rule's, averaged over the repeats.
        rule_range: its lowest and highest over the repeats.
        decisions: the first repeat's cross-fitted decisions (for recalls and bootstraps).
        rule: the rule fitted on all the images: what a run keeps when the comparison says so.
    """

    kind: str
    folds: int
    repeats: int
    argmax_balanced_accuracy: float
    rule_balanced_accuracy: float
    rule_range: tuple[float, float]
    decisions: np.ndarray = attrs.field(eq=False, repr=False)
    rule: DecisionRule = attrs.field(eq=False, repr=False)

    @property
    def gain(self) -> float:
        """Cross-fitted rule minus arg-max balanced accuracy (> 0: the rule decides better on unseen images)."""
        return self.rule_balanced_accuracy - self.argmax_balanced_accuracy

    @property
    def rule_wins(self) -> bool:
        """The rule beat the arg-max in every repeat (a rule that only wins on average is not kept)."""
        return self.rule_range[0] > self.argmax_balanced_accuracy

    def describe(self) -> str:
        """One line: both figures, the gain and the range over fold seeds."""
        low, high = self.rule_range
        return (
            f"balanced accuracy arg-max {self.argmax_balanced_accuracy:.3f}, {self.kind} rule cross-fitted "
            f"{self.rule_balanced_accuracy:.3f} ({self.gain:+.3f}; {low:.3f}-{high:.3f} over {self.repeats} fold "
            f"seeds, {self.folds} folds)"
        )


def cross_fit_rule(
    labels: Any,
    probabilities: Any,
    class_names: Sequence[str],
    *,
    kind: str = "prior",
    folds: int = 5,
    repeats: int = 5,
    groups: Any | None = None,
) -> CrossFit:
    """Cross-fit the rule ``kind`` over ``folds`` lesion-grouped folds, ``repeats`` fold seeds; see the module doc.

    Raises:
        DecisionRuleError: fewer than 2 folds or repeats < 1, groups of the wrong length, an unknown kind,
            or probabilities and labels that :func:`fit_decision_rule` refuses.
    """
    if repeats < 1:
        raise DecisionRuleError(f"repeats={repeats}: give at least 1 fold seed")
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(probabilities, dtype=np.float64)
    # Fitted first: it checks shapes, classes and kind once, before any fold, and is the rule to keep.
    rule = fit_rule(y, p, class_names, kind=kind)
    k = len(class_names)
    runs = [
        cross_fitted_decisions(y, p, class_names, grouped_folds(y, groups, folds, seed), kind=kind)
        for seed in range(repeats)
    ]
    scores = [balanced_accuracy_of(y, d, k) for d in runs]
    return CrossFit(
        kind=kind,
        folds=folds,
        repeats=repeats,
        argmax_balanced_accuracy=balanced_accuracy_of(y, p.argmax(axis=1), k),
        rule_balanced_accuracy=float(np.mean(scores)),
        rule_range=(float(min(scores)), float(max(scores))),
        decisions=runs[0],
        rule=rule,
    )
