"""Built-in heads: layers from backbone features to class probabilities.

A head factory is ``factory(num_classes, **params) -> Head``. The model's last
output is probabilities: with ``num_outputs == 2`` a softmax over
(negative, positive), with ``num_outputs == 1`` the positive probability.
Output layers run in float32 even under mixed precision.
"""

from __future__ import annotations

from typing import Any, Callable

import attrs

from lesionkit.registries import heads


@attrs.frozen
class Head:
    """Builds the head on a feature tensor; ``num_outputs`` is 1 (sigmoid) or 2 (softmax)."""

    build: Callable[[Any], Any]
    num_outputs: int

    def __call__(self, features: Any) -> Any:
        return self.build(features)


@heads.register("softmax")
def softmax(num_classes: int = 2, pooling: str = "avg") -> Head:
    """The paper's head: global pooling and a dense softmax over ``num_classes`` (2)."""
    import keras

    def build(x: Any) -> Any:
        x = _pool(x, pooling)
        return keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="probabilities")(x)

    return Head(build, num_classes)


@heads.register("sigmoid")
def sigmoid(num_classes: int = 2, pooling: str = "avg") -> Head:
    """Global pooling and one sigmoid unit: the positive-class probability."""
    import keras

    def build(x: Any) -> Any:
        x = _pool(x, pooling)
        return keras.layers.Dense(1, activation="sigmoid", dtype="float32", name="probabilities")(x)

    return Head(build, 1)


@heads.register("dense_dropout")
def dense_dropout(
    num_classes: int = 2, units: int = 256, dropout: float = 0.5, pooling: str = "avg"
) -> Head:
    """Global pooling, a ReLU dense layer, dropout, then a softmax over ``num_classes``."""
    import keras

    def build(x: Any) -> Any:
        x = _pool(x, pooling)
        x = keras.layers.Dense(units, activation="relu", name="head_dense")(x)
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
        return keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="probabilities")(x)

    return Head(build, num_classes)


def _pool(x: Any, pooling: str) -> Any:
    import keras

    if len(x.shape) == 2:
        return x
    if pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name="head_pool")(x)
    if pooling == "max":
        return keras.layers.GlobalMaxPooling2D(name="head_pool")(x)
    raise ValueError(f"pooling = {pooling!r}: use 'avg' or 'max'")
