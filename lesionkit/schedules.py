"""Built-in learning-rate schedulers, as serialisable Keras schedules counted in optimizer steps.

A scheduler factory is ``factory(learning_rate, steps_per_epoch, epochs, **params)`` and
returns a ``keras.optimizers.schedules.LearningRateSchedule`` (or a float for a constant
rate). The Trainer passes the initial rate, the steps of one epoch and the epochs.
Epochs count from 0: "after epoch 20" means from step ``20 × steps_per_epoch`` on.

Example:
    >>> import lesionkit
    >>> s = lesionkit.schedulers.create("step_decay", learning_rate=1e-4, steps_per_epoch=10, epochs=40)
    >>> [round(float(s(step)), 8) for step in (0, 199, 200, 299, 300)]
    [0.0001, 0.0001, 1e-05, 1e-05, 1e-06]
"""

from __future__ import annotations

import math
from typing import Any

import keras

from lesionkit.errors import LesionkitError
from lesionkit.registries import schedulers


class ScheduleError(LesionkitError, ValueError):
    """Scheduler parameters that cannot work; the message names the parameter."""


def _positive(name: str, value: Any, kind: type = float, allow_zero: bool = False) -> Any:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value >= 0 if allow_zero else value > 0)
    if kind is int:
        ok = ok and float(value).is_integer()
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ScheduleError(f"{name} = {value!r}: use {'an integer' if kind is int else 'a number'} {bound}")
    return kind(value)


@keras.saving.register_keras_serializable(package="lesionkit")
class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``lr × factor`` from epoch ``first_drop`` on, and again every ``every`` epochs after.

    With the defaults (20, 10, 0.1), the paper's: epochs 0–19 at ``lr``, 20–29 at
    ``lr/10``, 30–39 at ``lr/100``...
    """

    def __init__(
        self, learning_rate: float, steps_per_epoch: int, first_drop: int = 20, every: int = 10, factor: float = 0.1
    ) -> None:
        self.learning_rate = _positive("learning_rate", learning_rate)
        self.steps_per_epoch = _positive("steps_per_epoch", steps_per_epoch, int)
        self.first_drop = _positive("first_drop", first_drop, int, allow_zero=True)
        self.every = _positive("every", every, int)
        self.factor = _positive("factor", factor)

    def __call__(self, step: Any) -> Any:
        ops = keras.ops
        # Integer arithmetic on the epoch: float32 division misplaces boundaries past 2^24 steps.
        epoch = ops.floor_divide(ops.cast(step, "int64"), self.steps_per_epoch)
        drops = ops.where(epoch < self.first_drop, 0, 1 + ops.floor_divide(epoch - self.first_drop, self.every))
        return self.learning_rate * ops.power(self.factor, ops.cast(drops, "float32"))

    def get_config(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "steps_per_epoch": self.steps_per_epoch,
            "first_drop": self.first_drop,
            "every": self.every,
            "factor": self.factor,
        }


@keras.saving.register_keras_serializable(package="lesionkit")
class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up to ``lr`` over ``warmup_steps``, then cosine decay to ``alpha × lr``.

    Step ``s < warmup_steps`` gets ``lr × (s + 1) / warmup_steps`` (the first step already
    learns; the last warm-up step reaches ``lr``); from ``warmup_steps`` to ``total_steps``
    the rate follows half a cosine from ``lr`` down to ``alpha × lr`` and stays there.
    """

    def __init__(self, learning_rate: float, total_steps: int, warmup_steps: int = 0, alpha: float = 0.0) -> None:
        self.learning_rate = _positive("learning_rate", learning_rate)
        self.total_steps = _positive("total_steps", total_steps, int)
        self.warmup_steps = _positive("warmup_steps", warmup_steps, int, allow_zero=True)
        self.alpha = _positive("alpha", alpha, allow_zero=True)
        if self.warmup_steps >= self.total_steps and self.total_steps > 1:
            raise ScheduleError(
                f"warm-up of {self.warmup_steps} steps leaves nothing of {self.total_steps} steps to decay; "
                f"shorten the warm-up"
            )
        if self.alpha > 1:
            raise ScheduleError(f"alpha = {alpha!r}: the final rate fraction must be in [0, 1]")

    def __call__(self, step: Any) -> Any:
        ops = keras.ops
        step = ops.cast(step, "float32")
        warm = self.learning_rate * (step + 1.0) / float(max(self.warmup_steps, 1))
        span = float(max(self.total_steps - self.warmup_steps, 1))
        progress = ops.clip((step - self.warmup_steps) / span, 0.0, 1.0)
        cosine = 0.5 * (1.0 + ops.cos(math.pi * progress))
        decayed = self.learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)
        return ops.where(step < self.warmup_steps, warm, decayed)

    def get_config(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
            "alpha": self.alpha,
        }


@schedulers.register("step_decay")
def step_decay(
    learning_rate: float,
    steps_per_epoch: int,
    epochs: int = 0,
    first_drop: int = 20,
    every: int = 10,
    factor: float = 0.1,
) -> StepDecay:
    """The paper's schedule: ×``factor`` (0.1) after epoch ``first_drop`` (20), then every ``every`` (10) epochs."""
    return StepDecay(learning_rate, steps_per_epoch, first_drop, every, factor)


@schedulers.register("constant")
def constant(learning_rate: float, steps_per_epoch: int = 1, epochs: int = 0) -> float:
    """The initial learning rate throughout."""
    return _positive("learning_rate", learning_rate)


@schedulers.register("cosine")
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
    steps_per_epoch = _positive("steps_per_epoch", steps_per_epoch, int)
    epochs = _positive("epochs", epochs, int)
    warmup = _positive("warmup_epochs", warmup_epochs, allow_zero=True)
    return WarmupCosine(
        learning_rate,
        total_steps=steps_per_epoch * epochs,
        warmup_steps=int(round(warmup * steps_per_epoch)),
        alpha=alpha,
    )
