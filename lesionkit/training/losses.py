"""Built-in losses for the binary tasks: factories registered in ``lesionkit.losses``.

A loss factory is ``factory(**params) -> keras.losses.Loss``; a factory that declares
``class_counts`` receives the training set's ``(negatives, positives)`` (after
balancing) from the Trainer. The Keras classes live in
:mod:`lesionkit.training.keras_losses`, imported when a loss is built, so that listing,
describing and validating losses needs no TensorFlow.

Example:
    >>> import lesionkit
    >>> loss = lesionkit.losses.create("weighted_categorical_crossentropy", positive_weight=3.0)
    >>> round(float(loss([[0.0, 1.0]], [[0.5, 0.5]])), 4)   # 3 × −ln 0.5
    2.0794
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lesionkit.errors import LesionkitError

if TYPE_CHECKING:
    from lesionkit.training.keras_losses import FocalLoss, WeightedCategoricalCrossentropy

#: Names this module forwards to :mod:`lesionkit.training.keras_losses` on first access.
_KERAS_NAMES = ("WeightedCategoricalCrossentropy", "FocalLoss", "EPSILON")


class LossError(LesionkitError, ValueError):
    """Loss parameters that cannot work; the message names the parameter."""


def __getattr__(name: str) -> Any:
    if name in _KERAS_NAMES:
        from lesionkit.training import keras_losses

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


def weighted_categorical_crossentropy(
    positive_weight: float | str = "auto", class_counts: Sequence[int] | None = None
) -> WeightedCategoricalCrossentropy:
    """The paper's loss: cross-entropy where a missed positive costs ``positive_weight`` times more.

    Args:
        positive_weight: a number, or ``"auto"``: negatives/positives of the training set
            (``class_counts``, which the Trainer passes after balancing; 1 without counts).
        class_counts: ``(negatives, positives)``.
    """
    from lesionkit.training.keras_losses import WeightedCategoricalCrossentropy

    return WeightedCategoricalCrossentropy(positive_weight_from(positive_weight, class_counts))


def crossentropy() -> WeightedCategoricalCrossentropy:
    """Plain cross-entropy (categorical for 2 outputs, binary for 1): both classes weigh 1."""
    from lesionkit.training.keras_losses import WeightedCategoricalCrossentropy

    return WeightedCategoricalCrossentropy(1.0, name="crossentropy")


def focal(gamma: float = 2.0, alpha: float | None = 0.25) -> FocalLoss:
    """Focal loss (Lin et al. 2017): down-weights easy examples by ``(1 − p_t)^gamma``.

    Args:
        gamma: focusing parameter, >= 0 (0 gives weighted cross-entropy).
        alpha: weight of positives in (0, 1), negatives get ``1 − alpha``; ``None``: both 1.
    """
    if not (isinstance(gamma, (int, float)) and not isinstance(gamma, bool) and gamma >= 0 and math.isfinite(gamma)):
        raise LossError(f"gamma = {gamma!r}: use a number >= 0")
    if alpha is not None and not (isinstance(alpha, (int, float)) and 0.0 < float(alpha) < 1.0):
        raise LossError(f"alpha = {alpha!r}: use a number in (0, 1), or None for no class weighting")
    from lesionkit.training.keras_losses import FocalLoss

    return FocalLoss(gamma=gamma, alpha=alpha)
