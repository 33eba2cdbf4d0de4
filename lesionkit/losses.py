"""Built-in losses for the binary tasks.

A loss factory is ``factory(**params) -> keras loss``; a factory that declares
``class_counts`` receives the training split's ``(negatives, positives)``
after balancing. Labels arrive one-hot for 2-output heads and as a single
column for 1-output heads; every loss here handles both.
"""

from __future__ import annotations

from typing import Any, Sequence

from lesionkit.registries import losses


def _positive_weight(positive_weight: float | str, class_counts: Sequence[int] | None) -> float:
    if positive_weight == "auto":
        if not class_counts or min(class_counts) <= 0:
            return 1.0
        negatives, positives = class_counts
        return float(negatives) / float(positives)
    weight = float(positive_weight)
    if not weight > 0:
        raise ValueError(f"positive_weight = {positive_weight!r} must be > 0 or 'auto'")
    return weight


def _two_columns(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    import keras

    ops = keras.ops
    y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(y_true, "float32")
    if y_pred.shape[-1] == 1:
        y_pred = ops.concatenate([1.0 - y_pred, y_pred], axis=-1)
        y_true = ops.reshape(y_true, (-1, 1))
        y_true = ops.concatenate([1.0 - y_true, y_true], axis=-1)
    return y_true, y_pred


@losses.register("weighted_categorical_crossentropy")
def weighted_categorical_crossentropy(
    positive_weight: float | str = "auto", class_counts: Sequence[int] | None = None
) -> Any:
    """The paper's loss: cross-entropy where a missed positive costs ``positive_weight`` times more.

    ``positive_weight="auto"`` uses negatives/positives of the (balanced) training set.
    """
    import keras

    weight = _positive_weight(positive_weight, class_counts)

    def loss(y_true: Any, y_pred: Any) -> Any:
        ops = keras.ops
        y_true, y_pred = _two_columns(y_true, y_pred)
        y_pred = ops.clip(y_pred, 1e-7, 1.0 - 1e-7)
        weights = ops.convert_to_tensor([1.0, weight], dtype="float32")
        return -ops.sum(y_true * weights * ops.log(y_pred), axis=-1)

    loss.__name__ = "weighted_categorical_crossentropy"
    return loss


@losses.register("crossentropy")
def crossentropy() -> Any:
    """Plain cross-entropy (categorical for 2 outputs, binary for 1)."""
    return weighted_categorical_crossentropy(positive_weight=1.0)


@losses.register("focal")
def focal(gamma: float = 2.0, alpha: float = 0.5) -> Any:
    """Focal loss (Lin et al. 2017): down-weights easy examples; ``alpha`` weighs positives."""
    import keras

    def loss(y_true: Any, y_pred: Any) -> Any:
        ops = keras.ops
        y_true, y_pred = _two_columns(y_true, y_pred)
        y_pred = ops.clip(y_pred, 1e-7, 1.0 - 1e-7)
        weights = ops.convert_to_tensor([1.0 - alpha, alpha], dtype="float32") * 2.0
        return -ops.sum(y_true * weights * ops.power(1.0 - y_pred, gamma) * ops.log(y_pred), axis=-1)

    loss.__name__ = "focal"
    return loss
