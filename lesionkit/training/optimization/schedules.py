"""Built-in learning-rate schedules: factories registered in ``lesionkit.schedules``.

A schedule factory is ``factory(learning_rate, steps_per_epoch, epochs, **params)`` and
returns a ``keras.optimizers.schedules.LearningRateSchedule`` (or a float for a constant
rate), counted in optimizer steps. The Trainer passes the initial rate, the steps of one
epoch and the epochs. Epochs count from 0: "after epoch 20" means from step
``20 × steps_per_epoch`` on. The Keras classes live in
:mod:`lesionkit.training.optimization.keras_schedules`, imported when a schedule is built.

Example:
    >>> import lesionkit
    >>> s = lesionkit.schedules.create("step_decay", learning_rate=1e-4, steps_per_epoch=10, epochs=40)
    >>> [round(float(s(step)), 8) for step in (0, 199, 200, 299, 300)]
    [0.0001, 0.0001, 1e-05, 1e-05, 1e-06]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from lesionkit.errors import LesionkitError
from lesionkit.warn import warn

if TYPE_CHECKING:
    from lesionkit.training.optimization.keras_schedules import StepDecay, WarmupCosine

#: Names this module forwards to :mod:`lesionkit.training.optimization.keras_schedules` on first access.
_KERAS_NAMES = ("StepDecay", "WarmupCosine")


class ScheduleError(LesionkitError, ValueError):
    """Schedule parameters that cannot work; the message names the parameter."""


def __getattr__(name: str) -> Any:
    if name in _KERAS_NAMES:
        from lesionkit.training.optimization import keras_schedules

        return getattr(keras_schedules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def positive_number(name: str, value: Any, kind: type = float, allow_zero: bool = False) -> Any:
    """``value`` as ``kind`` if it is a finite number > 0 (>= 0 with ``allow_zero``), an integer for ``int``.

    Raises:
        ScheduleError: naming ``name`` and what it must be.

    Example:
        >>> positive_number("every", 10.0, int)
        10
    """
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value >= 0 if allow_zero else value > 0)
    if kind is int:
        ok = ok and float(value).is_integer()
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ScheduleError(f"{name} = {value!r}: use {'an integer' if kind is int else 'a number'} {bound}")
    return kind(value)


def fitted_warmup_steps(warmup_steps: int, total_steps: int, *, warmup_epochs: float) -> int:
    """``warmup_steps``, or a quarter of the run (with a warning) when the warm-up would fill all of it.

    A preset's warm-up is written for its own epochs; a shorter run (``--epochs 1``, a time
    plan) keeps a schedule that warms up and then decays instead of refusing to start.

    Example:
        >>> fitted_warmup_steps(3, 12, warmup_epochs=1.0)
        3
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     fitted_warmup_steps(9, 6, warmup_epochs=3.0)
        1
    """
    if warmup_steps < total_steps or total_steps <= 1:
        return warmup_steps
    fitted = total_steps // 4
    warn(
        f"warmup_epochs = {warmup_epochs:g} ({warmup_steps} steps) is not shorter than the whole run "
        f"({total_steps} steps): warming up for {fitted} steps (a quarter of the run) instead; "
        f"set schedule.params.warmup_epochs to choose another length"
    )
    return fitted


def step_decay(
    learning_rate: float,
    steps_per_epoch: int,
    epochs: int = 0,
    first_drop: int = 20,
    every: int = 10,
    factor: float = 0.1,
) -> StepDecay:
    """The paper's schedule: ×``factor`` (0.1) after epoch ``first_drop`` (20), then every ``every`` (10) epochs."""
    checked = (
        positive_number("learning_rate", learning_rate),
        positive_number("steps_per_epoch", steps_per_epoch, int),
        positive_number("first_drop", first_drop, int, allow_zero=True),
        positive_number("every", every, int),
        positive_number("factor", factor),
    )
    from lesionkit.training.optimization.keras_schedules import StepDecay

    return StepDecay(*checked)


def constant(learning_rate: float, steps_per_epoch: int = 1, epochs: int = 0) -> float:
    """The initial learning rate throughout."""
    return positive_number("learning_rate", learning_rate)


def cosine(
    learning_rate: float, steps_per_epoch: int, epochs: int, warmup_epochs: float = 1.0, alpha: float = 0.0
) -> WarmupCosine:
    """Linear warm-up for ``warmup_epochs`` (may be fractional), then cosine decay to ``alpha × lr``.

    Args:
        learning_rate: peak rate, reached at the end of the warm-up.
        steps_per_epoch, epochs: the length of training; the decay ends with it.
        warmup_epochs: warm-up length in epochs (0 for none).
        alpha: final rate as a fraction of ``learning_rate``.
    """
    rate = positive_number("learning_rate", learning_rate)
    steps_per_epoch = positive_number("steps_per_epoch", steps_per_epoch, int)
    epochs = positive_number("epochs", epochs, int)
    warmup = positive_number("warmup_epochs", warmup_epochs, allow_zero=True)
    alpha = positive_number("alpha", alpha, allow_zero=True)
    if alpha > 1:
        raise ScheduleError(f"alpha = {alpha!r}: the final rate fraction must be in [0, 1]")
    total_steps = steps_per_epoch * epochs
    warmup_steps = fitted_warmup_steps(int(round(warmup * steps_per_epoch)), total_steps, warmup_epochs=warmup)
    from lesionkit.training.optimization.keras_schedules import WarmupCosine

    return WarmupCosine(rate, total_steps=total_steps, warmup_steps=warmup_steps, alpha=alpha)
