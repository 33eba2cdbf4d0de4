"""Built-in optimizers: ``factory(learning_rate, **params) -> keras optimizer``."""

from __future__ import annotations

from typing import Any

from lesionkit.registries import optimizers


@optimizers.register("sgd")
def sgd(learning_rate: Any = 1e-4, momentum: float = 0.9, nesterov: bool = False) -> Any:
    """Stochastic gradient descent (the paper's optimizer), with momentum."""
    import keras

    return keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum, nesterov=nesterov)


@optimizers.register("adam")
def adam(learning_rate: Any = 1e-3, beta_1: float = 0.9, beta_2: float = 0.999) -> Any:
    """Adam."""
    import keras

    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2)


@optimizers.register("adamw")
def adamw(learning_rate: Any = 1e-3, weight_decay: float = 1e-4) -> Any:
    """Adam with decoupled weight decay."""
    import keras

    return keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay)
