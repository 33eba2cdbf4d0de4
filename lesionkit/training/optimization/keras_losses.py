"""The Keras loss classes behind the built-in losses (imports Keras; see :mod:`lesionkit.training.optimization.losses`).

Labels arrive one-hot ``(N, K)`` for K-output (softmax) heads and as one 0/1 column
``(N, 1)`` or ``(N,)`` for 1-output heads; every loss here accepts both and treats a
1-output head as the two columns (negative, positive). A weight per class
(``class_weights``, ``alpha``) has one entry per column. Predictions are probabilities (the heads end in softmax/sigmoid), clipped to
``[eps, 1 − eps]`` before the logarithm. The classes are registered as Keras serialisables
(package ``lesionkit``), so exported models that use them load again.

Example:
    >>> loss = WeightedCategoricalCrossentropy(positive_weight=3.0)
    >>> round(float(loss([[0.0, 1.0]], [[0.5, 0.5]])), 4)   # 3 × −ln 0.5
    2.0794
    >>> three = WeightedCategoricalCrossentropy(class_weights=(1.0, 2.0, 4.0))
    >>> round(float(three([[0.0, 0.0, 1.0]], [[0.25, 0.25, 0.5]])), 4)   # 4 × −ln 0.5
    2.7726
"""

from __future__ import annotations

from typing import Any

import keras

EPSILON = 1e-7


def _two_columns(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """Labels and probabilities as one column per class, float32 (a 1-output head as two)."""
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
    """Cross-entropy with a weight per class.

    Per example: ``−Σ_c w_c · y_c · ln p_c``; the batch loss is the mean over examples.
    ``w`` is ``class_weights`` when given (one per column), else ``(1, positive_weight)``
    for two columns and all ones for more (where ``positive_weight`` must stay 1).
    ``label_smoothing`` ``ε`` trains on ``y · (1 − ε) + ε / K`` instead of the one-hot ``y``
    (Szegedy et al. 2016), which keeps a small dataset from driving its logits apart.
    """

    def __init__(
        self,
        positive_weight: float = 1.0,
        name: str = "weighted_categorical_crossentropy",
        class_weights: tuple[float, ...] | list[float] | None = None,
        label_smoothing: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.positive_weight = float(positive_weight)
        self.class_weights = None if class_weights is None else tuple(float(w) for w in class_weights)
        self.label_smoothing = float(label_smoothing)

    def _weights(self, columns: int) -> tuple[float, ...]:
        if self.class_weights is not None:
            if len(self.class_weights) != columns:
                raise ValueError(
                    f"class_weights has {len(self.class_weights)} entries but the model outputs {columns} classes"
                )
            return self.class_weights
        if columns == 2:
            return (1.0, self.positive_weight)
        if self.positive_weight != 1.0:
            raise ValueError(
                f"positive_weight = {self.positive_weight} is for two classes; give {columns} class_weights instead"
            )
        return (1.0,) * columns

    def call(self, y_true: Any, y_pred: Any) -> Any:
        ops = keras.ops
        y_true, y_pred = _two_columns(y_true, y_pred)
        columns = int(y_pred.shape[-1])
        weights = ops.convert_to_tensor(self._weights(columns), dtype="float32")
        if self.label_smoothing:
            y_true = y_true * (1.0 - self.label_smoothing) + self.label_smoothing / columns
        return -ops.sum(y_true * weights * ops.log(y_pred), axis=-1)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "positive_weight": self.positive_weight}
        if self.label_smoothing:
            config["label_smoothing"] = self.label_smoothing
        return config if self.class_weights is None else {**config, "class_weights": list(self.class_weights)}


@keras.saving.register_keras_serializable(package="lesionkit")
class FocalLoss(keras.losses.Loss):
    """Focal loss (Lin et al. 2017): ``−α_t (1 − p_t)^γ ln p_t``.

    ``alpha`` a number (two classes): ``α_t`` is ``alpha`` for positives and ``1 − alpha``
    for negatives; a sequence: one ``α`` per class (column); ``None``: every class weighs 1.
    With ``gamma=0`` and ``alpha=None`` it is plain cross-entropy.
    """

    def __init__(
        self,
        gamma: float = 2.0,
        alpha: float | tuple[float, ...] | list[float] | None = 0.25,
        name: str = "focal",
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.gamma = float(gamma)
        self.alpha: float | tuple[float, ...] | None
        if alpha is None:
            self.alpha = None
        elif isinstance(alpha, (list, tuple)):
            self.alpha = tuple(float(a) for a in alpha)
        else:
            self.alpha = float(alpha)

    def _weights(self, columns: int) -> tuple[float, ...]:
        if self.alpha is None:
            return (1.0,) * columns
        if isinstance(self.alpha, tuple):
            if len(self.alpha) != columns:
                raise ValueError(f"alpha has {len(self.alpha)} entries but the model outputs {columns} classes")
            return self.alpha
        if columns != 2:
            raise ValueError(f"alpha = {self.alpha} is for two classes; give one alpha per class ({columns}) or None")
        return (1.0 - self.alpha, self.alpha)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        ops = keras.ops
        y_true, y_pred = _two_columns(y_true, y_pred)
        weights = ops.convert_to_tensor(self._weights(int(y_pred.shape[-1])), dtype="float32")
        modulator = ops.power(1.0 - y_pred, self.gamma)
        return -ops.sum(y_true * weights * modulator * ops.log(y_pred), axis=-1)

    def get_config(self) -> dict[str, Any]:
        alpha = list(self.alpha) if isinstance(self.alpha, tuple) else self.alpha
        return {**super().get_config(), "gamma": self.gamma, "alpha": alpha}
