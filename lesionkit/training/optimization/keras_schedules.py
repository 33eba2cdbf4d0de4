"""The Keras schedule classes behind the built-in schedules (imports Keras; see :mod:`lesionkit.training.optimization.schedules`).

Both count optimizer steps and are registered as Keras serialisables (package
``lesionkit``), so exported models that use them load again. They compute and nothing
more: the factories in :mod:`lesionkit.training.optimization.schedules` check the parameters (before
TensorFlow is imported) and build these from checked values.

Example:
    >>> s = StepDecay(1e-4, steps_per_epoch=10)
    >>> [round(float(s(step)), 8) for step in (0, 199, 200, 299, 300)]
    [0.0001, 0.0001, 1e-05, 1e-05, 1e-06]
"""

from __future__ import annotations

import math
from typing import Any

import keras


@keras.saving.register_keras_serializable(package="lesionkit")
class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``lr × factor`` from epoch ``first_drop`` on, and again every ``every`` epochs after.

    With the defaults (20, 10, 0.1), the paper's: epochs 0–19 at ``lr``, 20–29 at
    ``lr/10``, 30–39 at ``lr/100``...
    """

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
        self.learning_rate = float(learning_rate)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)
        self.alpha = float(alpha)

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
