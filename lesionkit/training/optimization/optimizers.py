"""Built-in optimizers, registered in ``lesionkit.optimizers``: ``factory(learning_rate, **params) -> keras.optimizers.Optimizer``.

``learning_rate`` is a float or a Keras schedule (the Trainer passes the configured
schedule). Each factory checks its parameters, so a typo or a bad value fails before
training starts. Gradient clipping (``clipnorm``) is available everywhere.

Example:
    >>> import lesionkit
    >>> opt = lesionkit.optimizers.create("sgd", learning_rate=1e-4, momentum=0.9, nesterov=True)
    >>> type(opt).__name__, opt.nesterov
    ('SGD', True)
"""

from __future__ import annotations

import math
from typing import Any

from lesionkit.errors import LesionkitError


class OptimizerError(LesionkitError, ValueError):
    """Optimizer parameters that cannot work; the message names the parameter."""


def _number(name: str, value: Any, low: float, high: float | None = None, *, low_open: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if low_open else value >= low) and (high is None or value < high)
    if not ok:
        bounds = f"{'>' if low_open else '>='} {low}" + ("" if high is None else f" and < {high}")
        raise OptimizerError(f"{name} = {value!r}: use a number {bounds}")
    return float(value)


def _rate(learning_rate: Any) -> Any:
    if isinstance(learning_rate, (int, float)) and not isinstance(learning_rate, bool):
        return _number("learning_rate", learning_rate, 0.0, low_open=True)
    if callable(learning_rate):  # a Keras LearningRateSchedule
        return learning_rate
    raise OptimizerError(f"learning_rate = {learning_rate!r}: use a positive number or a Keras schedule")


def _clip(clipnorm: float | None) -> dict[str, Any]:
    return {} if clipnorm is None else {"clipnorm": _number("clipnorm", clipnorm, 0.0, low_open=True)}


def sgd(
    learning_rate: Any = 1e-4,
    momentum: float = 0.9,
    nesterov: bool = False,
    weight_decay: float | None = None,
    clipnorm: float | None = None,
) -> Any:
    """Stochastic gradient descent (the paper's optimizer), with momentum and optional Nesterov.

    Args:
        momentum: in [0, 1).
        nesterov: Nesterov momentum.
        weight_decay: decoupled weight decay, or ``None``.
        clipnorm: clip each gradient to this norm, or ``None``.
    """
    if not isinstance(nesterov, bool):
        raise OptimizerError(f"nesterov = {nesterov!r}: use true or false")
    checked = dict(
        learning_rate=_rate(learning_rate),
        momentum=_number("momentum", momentum, 0.0, 1.0),
        nesterov=nesterov,
        weight_decay=None if weight_decay is None else _number("weight_decay", weight_decay, 0.0),
        **_clip(clipnorm),
    )
    import keras  # after the checks: a bad value fails without loading TensorFlow

    return keras.optimizers.SGD(**checked)


def adam(
    learning_rate: Any = 1e-3,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    clipnorm: float | None = None,
) -> Any:
    """Adam (Kingma & Ba 2015)."""
    checked = dict(
        learning_rate=_rate(learning_rate),
        beta_1=_number("beta_1", beta_1, 0.0, 1.0),
        beta_2=_number("beta_2", beta_2, 0.0, 1.0),
        epsilon=_number("epsilon", epsilon, 0.0, low_open=True),
        **_clip(clipnorm),
    )
    import keras

    return keras.optimizers.Adam(**checked)


def adamw(
    learning_rate: Any = 1e-3,
    weight_decay: float = 1e-4,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    clipnorm: float | None = None,
) -> Any:
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019)."""
    checked = dict(
        learning_rate=_rate(learning_rate),
        weight_decay=_number("weight_decay", weight_decay, 0.0),
        beta_1=_number("beta_1", beta_1, 0.0, 1.0),
        beta_2=_number("beta_2", beta_2, 0.0, 1.0),
        epsilon=_number("epsilon", epsilon, 0.0, low_open=True),
        **_clip(clipnorm),
    )
    import keras

    return keras.optimizers.AdamW(**checked)
