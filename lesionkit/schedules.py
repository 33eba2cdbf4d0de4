"""Built-in learning-rate schedulers, as Keras schedules counted in steps.

A scheduler factory is ``factory(learning_rate, steps_per_epoch, epochs, **params)``
and returns a ``keras.optimizers.schedules.LearningRateSchedule`` (or a float).
"""

from __future__ import annotations

from typing import Any

import keras

from lesionkit.registries import schedulers


@keras.saving.register_keras_serializable(package="lesionkit")
class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``lr × factor`` once ``first_drop`` epochs are done, then again every ``every`` epochs."""

    def __init__(
        self, learning_rate: float, steps_per_epoch: int, first_drop: int = 20, every: int = 10, factor: float = 0.1
    ) -> None:
        self.learning_rate = float(learning_rate)
        self.steps_per_epoch = int(steps_per_epoch)
        self.first_drop = int(first_drop)
        self.every = int(every)
        self.factor = float(factor)

    def __call__(self, step: Any) -> Any:
        ops = keras.ops
        epoch = ops.floor(ops.cast(step, "float32") / float(self.steps_per_epoch))
        drops = ops.where(
            epoch < self.first_drop, 0.0, 1.0 + ops.floor((epoch - self.first_drop) / float(self.every))
        )
        return self.learning_rate * ops.power(self.factor, drops)

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
    """Linear warm-up from 0 over ``warmup_steps``, then cosine decay to ``alpha × lr``."""

    def __init__(self, learning_rate: float, total_steps: int, warmup_steps: int = 0, alpha: float = 0.0) -> None:
        self.learning_rate = float(learning_rate)
        self.total_steps = max(int(total_steps), 1)
        self.warmup_steps = int(warmup_steps)
        self.alpha = float(alpha)

    def __call__(self, step: Any) -> Any:
        ops = keras.ops
        step = ops.cast(step, "float32")
        warm = self.learning_rate * step / float(max(self.warmup_steps, 1))
        span = float(max(self.total_steps - self.warmup_steps, 1))
        progress = ops.clip((step - self.warmup_steps) / span, 0.0, 1.0)
        cosine = 0.5 * (1.0 + ops.cos(3.141592653589793 * progress))
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
    learning_rate: float, steps_per_epoch: int, epochs: int = 0, first_drop: int = 20, every: int = 10, factor: float = 0.1
) -> StepDecay:
    """The paper's schedule: ×0.1 after epoch 20, then ×0.1 every 10 epochs."""
    return StepDecay(learning_rate, steps_per_epoch, first_drop, every, factor)


@schedulers.register("constant")
def constant(learning_rate: float, steps_per_epoch: int = 1, epochs: int = 0) -> float:
    """The initial learning rate throughout."""
    return float(learning_rate)


@schedulers.register("cosine")
def cosine(
    learning_rate: float, steps_per_epoch: int, epochs: int, warmup_epochs: float = 1.0, alpha: float = 0.0
) -> WarmupCosine:
    """Linear warm-up for ``warmup_epochs``, then cosine decay over the remaining epochs."""
    return WarmupCosine(
        learning_rate,
        total_steps=steps_per_epoch * epochs,
        warmup_steps=int(round(warmup_epochs * steps_per_epoch)),
        alpha=alpha,
    )
