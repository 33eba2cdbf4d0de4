"""The Keras loss classes behind the built-in losses (imports Keras; see :mod:`lesionkit.training.losses`).

Labels arrive one-hot ``(N, 2)`` for 2-output heads and as one 0/1 column ``(N, 1)`` or
``(N,)`` for 1-output heads; every loss here accepts both and treats the two cases
identically. Predictions are probabilities (the heads end in softmax/sigmoid), clipped to
``[eps, 1 − eps]`` before the logarithm. The classes are registered as Keras serialisables
(package ``lesionkit``), so exported models that use them load again.

Example:
    >>> loss = WeightedCategoricalCrossentropy(positive_weight=3.0)
    >>> round(float(loss([[0.0, 1.0]], [[0.5, 0.5]])), 4)   # 3 × −ln 0.5
    2.0794
"""

from __future__ import annotations

from typing import Any

import keras

EPSILON = 1e-7


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
