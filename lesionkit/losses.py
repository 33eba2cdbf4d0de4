"""Built-in losses for the binary tasks, as serialisable ``keras.losses.Loss`` objects.

A loss factory is ``factory(**params) -> keras.losses.Loss``; a factory that declares
``class_counts`` receives the training set's ``(negatives, positives)`` (after
balancing) from the Trainer. Labels arrive one-hot ``(N, 2)`` for 2-output heads and
as one 0/1 column ``(N, 1)`` or ``(N,)`` for 1-output heads; every loss here accepts
both and treats the two cases identically. Predictions are probabilities (the heads
end in softmax/sigmoid), clipped to ``[eps, 1 − eps]`` before the logarithm.

Example:
    >>> import lesionkit
    >>> loss = lesionkit.losses.create("weighted_categorical_crossentropy", positive_weight=3.0)
    >>> round(float(loss([[0.0, 1.0]], [[0.5, 0.5]])), 4)   # 3 × −ln 0.5
    2.0794
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras

from lesionkit.errors import LesionkitError
from lesionkit.registries import losses

EPSILON = 1e-7


class LossError(LesionkitError, ValueError):
    """Loss parameters that cannot work; the message names the parameter."""


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


def _two_columns(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """Labels and probabilities as (negative, positive) columns, float32."""
    ops = keras.ops
    y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(y_true, "float32")
    if y_pred.shape[-1] == 1 or len(y_pred.shape) == 1:
        y_pred = ops.reshape(y_pred, (-1, 1))
        y_true = ops.reshape(y_true, (-1, 1))
        y_pred = ops.concatenate([1.0 - y_pred, y_pred], axis=-1)
        y_true = ops.concatenate([1.0 - y_true, y_true], axis=-1)
    return y_true, ops.clip(y_pred, EPSILON, 1.0 - EPSILON)


@keras.saving.register_keras_serializable(package="lesionkit")
class WeightedCategoricalCrossentropy(keras.losses.Loss):
    """Cross-entropy where the positive class (last column) weighs ``positive_weight``.

    Per example: ``−Σ_c w_c · y_c · ln p_c`` with ``w = (1, positive_weight)``; the batch
    loss is the mean over examples.
    """

    def __init__(
        self, positive_weight: float = 1.0, name: str = "weighted_categorical_crossentropy", **kwargs: Any
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.positive_weight = float(positive_weight)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        ops = keras.ops
        y_true, y_pred = _two_columns(y_true, y_pred)
        weights = ops.convert_to_tensor([1.0, self.positive_weight], dtype="float32")
        return -ops.sum(y_true * weights * ops.log(y_pred), axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "positive_weight": self.positive_weight}


@keras.saving.register_keras_serializable(package="lesionkit")
class FocalLoss(keras.losses.Loss):
    """Focal loss (Lin et al. 2017): ``−α_t (1 − p_t)^γ ln p_t``.

    ``α_t`` is ``alpha`` for positives and ``1 − alpha`` for negatives; ``alpha=None``
    weighs both classes 1. With ``gamma=0`` and ``alpha=None`` it is plain cross-entropy.
    """

    def __init__(self, gamma: float = 2.0, alpha: float | None = 0.25, name: str = "focal", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.gamma = float(gamma)
        self.alpha = None if alpha is None else float(alpha)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        ops = keras.ops
        y_true, y_pred = _two_columns(y_true, y_pred)
        alpha = (0.5, 0.5) if self.alpha is None else (1.0 - self.alpha, self.alpha)
        # alpha=None means both classes weigh 1, hence the factor 2 on (0.5, 0.5).
        scale = 2.0 if self.alpha is None else 1.0
        weights = ops.convert_to_tensor(alpha, dtype="float32") * scale
        modulator = ops.power(1.0 - y_pred, self.gamma)
        return -ops.sum(y_true * weights * modulator * ops.log(y_pred), axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "gamma": self.gamma, "alpha": self.alpha}


@losses.register("weighted_categorical_crossentropy")
def weighted_categorical_crossentropy(
    positive_weight: float | str = "auto", class_counts: Sequence[int] | None = None
) -> WeightedCategoricalCrossentropy:
    """The paper's loss: cross-entropy where a missed positive costs ``positive_weight`` times more.

    Args:
        positive_weight: a number, or ``"auto"``: negatives/positives of the training set
            (``class_counts``, which the Trainer passes after balancing; 1 without counts).
        class_counts: ``(negatives, positives)``.
    """
    return WeightedCategoricalCrossentropy(positive_weight_from(positive_weight, class_counts))


@losses.register("crossentropy")
def crossentropy() -> WeightedCategoricalCrossentropy:
    """Plain cross-entropy (categorical for 2 outputs, binary for 1): both classes weigh 1."""
    return WeightedCategoricalCrossentropy(1.0, name="crossentropy")


@losses.register("focal")
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
    return FocalLoss(gamma=gamma, alpha=alpha)


# ``lesionkit.losses`` names both this module and the registry: keep the registry API working.
from lesionkit.models._alias import alias_registry  # noqa: E402

alias_registry(__name__, losses)
