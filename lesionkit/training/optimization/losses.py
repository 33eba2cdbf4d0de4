"""Built-in losses: factories registered in ``lesionkit.losses``.

A loss factory is ``factory(**params) -> keras.losses.Loss``; a factory that declares
``class_counts`` receives the training set's images per class (after balancing) from the
Trainer: ``(negatives, positives)`` for a binary task, one count per class in class order
for a multi-class one. The Keras classes live in
:mod:`lesionkit.training.optimization.keras_losses`, imported when a loss is built, so that listing,
describing and validating losses needs no TensorFlow.

Example:
    >>> import lesionkit
    >>> loss = lesionkit.losses.create("weighted_categorical_crossentropy", positive_weight=3.0)
    >>> round(float(loss([[0.0, 1.0]], [[0.5, 0.5]])), 4)   # 3 × −ln 0.5
    2.0794
    >>> lesionkit.losses.create("weighted_categorical_crossentropy", class_counts=(60, 30, 10)).class_weights
    (0.5555555555555556, 1.1111111111111112, 3.3333333333333335)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lesionkit.errors import LesionkitError

if TYPE_CHECKING:
    from lesionkit.training.optimization.keras_losses import FocalLoss, WeightedCategoricalCrossentropy

#: Names this module forwards to :mod:`lesionkit.training.optimization.keras_losses` on first access.
_KERAS_NAMES = ("WeightedCategoricalCrossentropy", "FocalLoss", "EPSILON")


class LossError(LesionkitError, ValueError):
    """Loss parameters that cannot work; the message names the parameter."""


def __getattr__(name: str) -> Any:
    if name in _KERAS_NAMES:
        from lesionkit.training.optimization import keras_losses

        return getattr(keras_losses, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def positive_weight_from(positive_weight: float | str, class_counts: Sequence[int] | None) -> float:
    """The weight of the positive class: a number as given, or negatives/positives for ``"auto"``.

    ``"auto"`` without usable counts (none given, or a class with no examples) falls back to 1.

    Raises:
        LossError: a weight that is not a positive finite number or ``"auto"``.
    """
    if positive_weight == "auto":
        if class_counts is None:
            return 1.0
        counts = list(class_counts)
        if len(counts) != 2:
            raise LossError(f"class_counts = {class_counts!r}: expected (negatives, positives)")
        negatives, positives = (float(c) for c in counts)
        if negatives <= 0 or positives <= 0:
            return 1.0
        return negatives / positives
    try:
        weight = float(positive_weight)
    except (TypeError, ValueError):
        weight = float("nan")
    if isinstance(positive_weight, bool) or not (weight > 0 and math.isfinite(weight)):
        raise LossError(f"positive_weight = {positive_weight!r}: use a positive number or 'auto'")
    return weight


def inverse_frequency(class_counts: Sequence[int]) -> tuple[float, ...]:
    """One weight per class, ``n / (K · n_c)``: inversely proportional to its count, mean 1 over images.

    Example:
        >>> inverse_frequency((3, 1))
        (0.6666666666666666, 2.0)

    Raises:
        LossError: a class without images (its weight would be infinite).
    """
    counts = [float(c) for c in class_counts]
    if not counts or min(counts) <= 0:
        raise LossError(
            f"class_counts = {tuple(class_counts)!r}: inverse-frequency weights need every class in the "
            "training set; give class_weights as numbers or drop the empty class from the task"
        )
    total = sum(counts)
    return tuple(total / (len(counts) * c) for c in counts)


def class_weights_from(
    class_weights: Sequence[float] | str | None, class_counts: Sequence[int] | None
) -> tuple[float, ...] | None:
    """Per-class loss weights: numbers as given, ``"inverse_frequency"`` from ``class_counts``, or None.

    Raises:
        LossError: a weight that is not a positive finite number, or ``"inverse_frequency"``
            without counts.
    """
    if class_weights is None:
        return None
    if isinstance(class_weights, str):
        if class_weights != "inverse_frequency":
            raise LossError(f"class_weights = {class_weights!r}: use 'inverse_frequency' or one number per class")
        if class_counts is None:
            raise LossError("class_weights = 'inverse_frequency' needs class_counts (the Trainer passes them)")
        return inverse_frequency(class_counts)
    weights = []
    for w in class_weights:
        value = float("nan") if isinstance(w, bool) or not isinstance(w, (int, float)) else float(w)
        if not (value > 0 and math.isfinite(value)):
            raise LossError(f"class_weights = {list(class_weights)!r}: each weight must be a positive number")
        weights.append(value)
    if class_counts is not None and len(weights) != len(class_counts):
        raise LossError(
            f"class_weights = {weights!r} has {len(weights)} entries but the task has {len(class_counts)} classes"
        )
    return tuple(weights)


def weighted_categorical_crossentropy(
    positive_weight: float | str = "auto",
    class_counts: Sequence[int] | None = None,
    class_weights: Sequence[float] | str | None = None,
    label_smoothing: float = 0.0,
) -> WeightedCategoricalCrossentropy:
    """The paper's loss: cross-entropy where a missed positive costs ``positive_weight`` times more.

    For a multi-class task (more than two ``class_counts``) ``positive_weight="auto"``
    means inverse-frequency weights per class; ``class_weights`` sets them for any task.

    Args:
        positive_weight: a number, or ``"auto"``: negatives/positives of the training set
            (``class_counts``, which the Trainer passes after balancing; 1 without counts).
        class_counts: ``(negatives, positives)``, or one count per class.
        class_weights: one weight per class, or ``"inverse_frequency"``; overrides
            ``positive_weight``.
        label_smoothing: ``ε`` in [0, 1): targets ``y · (1 − ε) + ε / K``.
    """
    from lesionkit.training.optimization.keras_losses import WeightedCategoricalCrossentropy

    smoothing = _label_smoothing(label_smoothing)
    weights = class_weights_from(class_weights, class_counts)
    if weights is None and class_counts is not None and len(list(class_counts)) > 2:
        if positive_weight != "auto":
            raise LossError(
                f"positive_weight = {positive_weight!r} is for two-class tasks; this task has "
                f"{len(list(class_counts))} classes: give class_weights (numbers or 'inverse_frequency')"
            )
        weights = inverse_frequency(class_counts)
    if weights is not None:
        return WeightedCategoricalCrossentropy(class_weights=weights, label_smoothing=smoothing)
    return WeightedCategoricalCrossentropy(
        positive_weight_from(positive_weight, class_counts), label_smoothing=smoothing
    )


def _label_smoothing(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) < 1.0:
        raise LossError(f"label_smoothing = {value!r}: use a number in [0, 1), e.g. 0.1")
    return float(value)


def crossentropy(label_smoothing: float = 0.0) -> WeightedCategoricalCrossentropy:
    """Plain cross-entropy (categorical for 2 outputs, binary for 1): every class weighs 1.

    ``label_smoothing`` ``ε`` in [0, 1) trains on ``y · (1 − ε) + ε / K``.

    Example:
        >>> import lesionkit
        >>> loss = lesionkit.losses.create("crossentropy", label_smoothing=0.2)
        >>> round(float(loss([[0.0, 1.0]], [[0.5, 0.5]])), 4)   # −(0.1 + 0.9) ln 0.5
        0.6931
    """
    from lesionkit.training.optimization.keras_losses import WeightedCategoricalCrossentropy

    return WeightedCategoricalCrossentropy(1.0, name="crossentropy", label_smoothing=_label_smoothing(label_smoothing))


def focal(
    gamma: float = 2.0, alpha: float | Sequence[float] | str | None = 0.25, class_counts: Sequence[int] | None = None
) -> FocalLoss:
    """Focal loss (Lin et al. 2017): down-weights easy examples by ``(1 − p_t)^gamma``.

    Args:
        gamma: focusing parameter, >= 0 (0 gives weighted cross-entropy).
        alpha: weight of positives in (0, 1), negatives get ``1 − alpha`` (two classes);
            one positive number per class; ``"inverse_frequency"`` (from ``class_counts``);
            ``None``: every class 1. A multi-class task's default is ``None``.
        class_counts: images per class after balancing (passed by the Trainer).
    """
    if not (isinstance(gamma, (int, float)) and not isinstance(gamma, bool) and gamma >= 0 and math.isfinite(gamma)):
        raise LossError(f"gamma = {gamma!r}: use a number >= 0")
    from lesionkit.training.optimization.keras_losses import FocalLoss

    many = class_counts is not None and len(list(class_counts)) > 2
    if isinstance(alpha, (str, list, tuple)):
        return FocalLoss(gamma=gamma, alpha=class_weights_from(alpha, class_counts))
    if alpha is not None and not (isinstance(alpha, (int, float)) and 0.0 < float(alpha) < 1.0):
        raise LossError(f"alpha = {alpha!r}: use a number in (0, 1), one number per class, or None")
    if many and alpha is not None:
        if alpha != 0.25:  # not the (binary) default: the user asked for a scalar alpha
            raise LossError(
                f"alpha = {alpha!r} is for two-class tasks; give one alpha per class, 'inverse_frequency' or None"
            )
        alpha = None
    return FocalLoss(gamma=gamma, alpha=alpha)
