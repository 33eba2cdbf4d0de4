"""time_plan's estimate of an epoch against a measured epoch, and the requests it refuses.

The estimate (lesionkit/training/time_plan.py) comes from a probe of a few training steps:
``OVERHEAD × (train images + validation images / 3) / rate``. Here a tiny run is planned, then
trained with a callback that times each epoch and its training steps. The steps must run at the
probe's rate within a factor of 3 (a rate off by the batch size, 8x here, would fall outside), and a
steady epoch must take what was planned within a generous factor (the machine is shared).
"""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from lesionkit import Trainer
from lesionkit.errors import ConfigError
from lesionkit.training.time_plan import epoch_images, plan_epochs, plan_for_budget, probe_images_per_second

CONFIG: dict[str, Any] = dict(
    name="planned",
    dataset={"name": "synthetic", "params": {"sizes": {"train": 48, "validation": 24, "test": 4}}},
    backbone={"name": "resnet18", "params": {"preprocessing": "tf"}},
    weights=None,
    trainable="none",  # every layer trains: the epoch's compute, not Keras's fixed per-epoch cost, dominates
    balance="none",
    image_size=32,
    batch_size=8,
    epochs=3,
)


def test_the_planned_epoch_is_the_measured_one_within_a_generous_factor(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import keras

    trainer = Trainer({**CONFIG, "run_dir": str(tmp_path / "run")})
    plan = plan_for_budget(trainer, 3600.0)
    assert plan.epochs == 3 and (plan.train_images, plan.eval_images) == (48, 24)
    assert plan.seconds_per_epoch == pytest.approx(1.25 * (48 + 24 / 3) / plan.images_per_second)

    class EpochTimes(keras.callbacks.Callback):
        """Each epoch's seconds, and the seconds of its training steps alone (first step to last)."""

        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []
            self.training: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.start = time.perf_counter()
            self.first_step = None

        def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
            self.first_step = self.first_step or time.perf_counter()

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self.last_step = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.seconds.append(time.perf_counter() - self.start)
            self.training.append(self.last_step - self.first_step)

    times = EpochTimes()
    plan.trainer().fit(verbose=0, callbacks=[times])
    assert len(times.seconds) == 3
    # The probe's rate is fit's: the training steps of a steady epoch run at it within a factor of 3
    # (measured: 1.1-1.9x slower in fit, which also computes the AUC and a weighted loss).
    fit_rate = 48 / min(times.training[1:])
    assert 1 / 3 < fit_rate / plan.images_per_second < 3, (plan.images_per_second, times.training)
    # The whole epoch: on epochs this small (about a second) a per-epoch cost the plan leaves out
    # (validation set-up, the checkpoint snapshot) is most of it, 2.5-5x the plan when measured;
    # at real sizes it is the 1.18-1.27x that OVERHEAD stands for. The bound catches gross errors only.
    ratio = min(times.seconds[1:]) / plan.seconds_per_epoch
    assert 1 / 3 < ratio < 10, f"planned {plan.seconds_per_epoch:.2f} s per epoch, measured {times.seconds}"
    assert times.seconds[0] > min(times.seconds[1:])  # the set-up the plan reserves an epoch for


def test_refusals_say_what_to_give() -> None:
    trainer = Trainer(CONFIG)
    for budget in (0.0, -5.0, math.nan):
        with pytest.raises(ConfigError, match=r"budget = .* seconds: give a positive number of minutes"):
            plan_for_budget(trainer, budget)
    with pytest.raises(ConfigError, match=r"probe steps = 0: time at least one training step"):
        probe_images_per_second(trainer, steps=0)
    with pytest.raises(ConfigError, match=r"rate = -1.0 images/s: give the measured, positive training rate"):
        plan_epochs(trainer.config, seconds=60, rate=-1.0, train_images=48, eval_images=24)
    assert epoch_images(trainer) == (48, 24)
