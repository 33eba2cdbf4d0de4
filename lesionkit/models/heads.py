"""Built-in heads: layers from backbone features to class probabilities.

A head factory is ``factory(num_classes, **params) -> Head``. The model's last
output is probabilities: with ``num_outputs == 2`` a softmax over
(negative, positive), labels one-hot; with ``num_outputs == 1`` the positive
probability, labels a single 0/1 column. The output layer is named
``probabilities`` and runs in float32 even under mixed precision, so the
loss and the metrics never see float16 rounding.

Example:
    >>> import keras, lesionkit
    >>> head = lesionkit.heads.create("dense_dropout", num_classes=2, units=8)
    >>> outputs = head(keras.Input((4, 4, 16)))
    >>> head.num_outputs, tuple(outputs.shape), outputs.dtype
    (2, (None, 2), 'float32')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from lesionkit.errors import LesionkitError
from lesionkit.registries import heads

POOLINGS = ("avg", "max")


class HeadError(LesionkitError, ValueError):
    """Head parameters that cannot work; the message names the parameter."""


@attrs.frozen
class Head:
    """Builds the head on a feature tensor; ``num_outputs`` is 1 (sigmoid) or 2+ (softmax)."""

    build: Callable[[Any], Any]
    num_outputs: int

    def __call__(self, features: Any) -> Any:
        return self.build(features)


def _check(num_classes: int, pooling: str) -> None:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise HeadError(f"num_classes = {num_classes!r}: use an integer >= 2")
    if pooling not in POOLINGS:
        raise HeadError(f"pooling = {pooling!r}: use one of {', '.join(POOLINGS)}")


def _output(x: Any, units: int, activation: str) -> Any:
    import keras

    return keras.layers.Dense(units, activation=activation, dtype="float32", name="probabilities")(x)


@heads.register("softmax")
def softmax(num_classes: int = 2, pooling: str = "avg") -> Head:
    """The paper's head: global pooling and a dense softmax over ``num_classes`` (2).

    Args:
        num_classes: outputs; 2 for the binary tasks (negative, positive).
        pooling: ``"avg"`` or ``"max"`` global pooling of a feature map.
    """
    _check(num_classes, pooling)

    def build(x: Any) -> Any:
        return _output(_pool(x, pooling), num_classes, "softmax")

    return Head(build, num_classes)


@heads.register("sigmoid")
def sigmoid(num_classes: int = 2, pooling: str = "avg") -> Head:
    """Global pooling and one sigmoid unit: the positive-class probability (binary tasks only)."""
    _check(num_classes, pooling)
    if num_classes != 2:
        raise HeadError(f"the sigmoid head is for two classes, got num_classes = {num_classes}; use 'softmax'")

    def build(x: Any) -> Any:
        return _output(_pool(x, pooling), 1, "sigmoid")

    return Head(build, 1)


@heads.register("dense_dropout")
def dense_dropout(num_classes: int = 2, units: int = 256, dropout: float = 0.5, pooling: str = "avg") -> Head:
    """Global pooling, a ReLU dense layer of ``units``, dropout, then a softmax over ``num_classes``."""
    _check(num_classes, pooling)
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise HeadError(f"units = {units!r}: use a positive integer")
    if not 0.0 <= float(dropout) < 1.0:
        raise HeadError(f"dropout = {dropout!r}: use a rate in [0, 1)")

    def build(x: Any) -> Any:
        import keras

        x = _pool(x, pooling)
        x = keras.layers.Dense(units, activation="relu", name="head_dense")(x)
        x = keras.layers.Dropout(float(dropout), name="head_dropout")(x)
        return _output(x, num_classes, "softmax")

    return Head(build, num_classes)


def _pool(x: Any, pooling: str) -> Any:
    import keras

    if len(x.shape) == 2:  # already a feature vector
        return x
    if pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name="head_pool")(x)
    return keras.layers.GlobalMaxPooling2D(name="head_pool")(x)
