"""Planning a run for a wall-clock budget: as many epochs as fit, so that its schedule still ends.

A :class:`~lesionkit.training.time_budget.TimeBudget` alone stops a run when the time is up,
which leaves a cosine schedule half-decayed: the learning rate is still high at the last
epoch, and the last epochs are the ones that matter most. :func:`plan_for_budget` instead
times a few training steps of the config's model on its own training pipeline, estimates what
one epoch costs (the training images, the validation images at about a third of one each, and a
margin for the rest of the epoch), and gives back the config with the epochs that fit
(never more than the config's own) and a warm-up that leaves most of a short run to decay.
The budget still stops the run if the estimate was short.

This is what ``lesionkit fit PRESET --minutes M`` does::

    plan = plan_for_budget(Trainer.from_preset("isic2017_3class_joint", data_dir=...), seconds=3600)
    print(plan.describe())
    plan.trainer().fit(callbacks=[plan.budget()])

Example:
    >>> from lesionkit.config import ExperimentConfig
    >>> plan_epochs(ExperimentConfig(epochs=12), seconds=600, rate=40, train_images=2000, eval_images=150)
    8
    >>> cfg = with_epochs(ExperimentConfig(epochs=12, schedule={"name": "cosine", "params": {"warmup_epochs": 1.0}}), 1)
    >>> cfg.epochs, cfg.schedule.params["warmup_epochs"]
    (1, 0.25)
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import attrs

from lesionkit.config import ExperimentConfig
from lesionkit.errors import ConfigError
from lesionkit.runtime.settings import ensure_runtime

if TYPE_CHECKING:
    from lesionkit.training.time_budget import TimeBudget
    from lesionkit.training.trainer import Trainer

#: An epoch costs this many times the probe's training steps for its images: Keras's loop,
#: metrics and the checkpoint write come on top (1.18–1.27 measured, 64-px ResNet-18, 2 cores).
OVERHEAD = 1.25
#: Set-up before the first epoch (the pipeline, compiling) and the first epoch's tracing cost
#: about one more epoch (measured: 3 epochs and their set-up took as long as 4.2 estimated epochs).
SETUP_EPOCHS = 1.0


@attrs.frozen
class TimePlan:
    """The epochs planned for a budget, and what they were planned from.

    Attributes:
        config: the config with the planned ``epochs`` (and warm-up, see :func:`with_epochs`).
        seconds: the training budget left once the probe was done.
        seconds_per_epoch: what one epoch is expected to take.
        images_per_second: the probe's training rate (``None``: planned from an earlier run's pace).
        train_images: images one epoch trains on (after the config's balancing).
        eval_images: validation images evaluated after each epoch.
        reference: the planned Trainer's reference row (a paper preset's published results).
        dataset: the planned Trainer's dataset, already read (the plan changes no data field).
    """

    config: ExperimentConfig
    seconds: float
    seconds_per_epoch: float
    images_per_second: float | None
    train_images: int
    eval_images: int
    reference: dict[str, float] | None = None
    dataset: Any = attrs.field(default=None, eq=False, repr=False)

    @property
    def epochs(self) -> int:
        """The planned number of epochs."""
        return self.config.epochs

    def trainer(self) -> Trainer:
        """A Trainer of the planned config, with the planned Trainer's reference row and dataset.

        The dataset is shared, not read again: its warnings (images dropped, rows skipped) are
        not repeated.
        """
        from lesionkit.training.trainer import Trainer

        planned = Trainer(self.config, reference=self.reference)
        if self.dataset is not None:
            planned.dataset = self.dataset  # a cached property: set, it is never read again
        return planned

    def budget(self) -> TimeBudget:
        """A :class:`~lesionkit.training.time_budget.TimeBudget` of :attr:`seconds`, for ``fit(callbacks=...)``."""
        from lesionkit.training.time_budget import TimeBudget

        return TimeBudget(seconds=max(self.seconds, 1.0))

    def describe(self) -> str:
        """One line for the console."""
        source = (
            f"a probe of {self.images_per_second:.1f} training images/s"
            if self.images_per_second is not None
            else "an earlier run's pace"
        )
        return (
            f"{self.epochs} epoch(s) planned in {self.seconds / 60:.1f} min, about {self.seconds_per_epoch:.0f} s "
            f"each (from {source}; {self.train_images} training and {self.eval_images} validation images per epoch)"
        )


def probe_images_per_second(trainer: Trainer, steps: int = 5) -> float:
    """Training images/s of ``trainer``'s model on its own training pipeline (augmentation included).

    A copy of the model is built and trained on the split's batches with ``train_on_batch``: one
    step to build it, ``steps`` more that fill the pipeline's prefetch buffer (it fills while the
    first step compiles, and timing those batches would miss their cost), then ``steps`` timed.
    Timing a short ``model.fit`` instead would also time its set-up (a new iterator, callbacks),
    which halved the measured rate of some models. Decoding and caching the images at this size,
    the first time, happens before the timing.
    """
    if steps < 1:
        raise ConfigError(f"probe steps = {steps!r}: time at least one training step")
    ensure_runtime("train")  # the settings fit will train with, chosen before TensorFlow's import
    import keras

    from lesionkit.training import assembly
    from lesionkit.training.trainer import Trainer

    cfg = trainer.config
    probe = Trainer(cfg.evolve(run_dir=None))  # its own model: the trainer's stays unbuilt
    model = probe.build()
    outputs = probe.head.num_outputs
    model.compile(
        optimizer=keras.optimizers.SGD(1e-4),
        loss="binary_crossentropy" if outputs == 1 else "categorical_crossentropy",
    )
    data = assembly.train_data(cfg, trainer.task, trainer.split("train"), outputs)
    batches = iter(data.dataset.repeat())  # a tiny split's epoch may hold fewer batches than the probe
    for _ in range(steps + 1):
        x, y = next(batches)[:2]
        model.train_on_batch(x, y)
    images = 0
    start = time.perf_counter()
    for _ in range(steps):
        x, y = next(batches)[:2]
        model.train_on_batch(x, y)
        images += int(x.shape[0])
    return images / (time.perf_counter() - start)


def plan_epochs(config: ExperimentConfig, seconds: float, rate: float, train_images: int, eval_images: int) -> int:
    """Whole epochs that fit in ``seconds`` at ``rate`` training images/s, between 1 and ``config.epochs``.

    A validation image costs about a third of a training image (no backward pass);
    :data:`OVERHEAD` covers the rest of an epoch (Keras's loop, metrics, checkpoints), and
    :data:`SETUP_EPOCHS` the set-up before the first.
    """
    if not rate > 0:
        raise ConfigError(f"rate = {rate!r} images/s: give the measured, positive training rate")
    return epochs_within(config, seconds, epoch_seconds(rate, train_images, eval_images))


def epochs_within(config: ExperimentConfig, seconds: float, per_epoch: float, setup: float = SETUP_EPOCHS) -> int:
    """Whole epochs of ``per_epoch`` seconds that fit in ``seconds`` after ``setup`` epochs' worth, between 1 and ``config.epochs``."""
    return int(max(1, min(config.epochs, math.floor(seconds / per_epoch - setup))))


def epoch_seconds(rate: float, train_images: int, eval_images: int) -> float:
    """Expected seconds of one epoch at ``rate`` training images/s (see :func:`plan_epochs`)."""
    return OVERHEAD * (train_images + eval_images / 3) / rate


def with_epochs(config: ExperimentConfig, epochs: int) -> ExperimentConfig:
    """``config`` for ``epochs`` epochs; a warm-up of half the run or more shrinks to a quarter of it.

    A short run still needs most of its steps to decay: a one-epoch warm-up in a two-epoch
    run would leave the learning rate at its peak for the epoch that counts.
    """
    changes: dict[str, Any] = {"epochs": int(epochs)}
    warmup = config.schedule.params.get("warmup_epochs")
    if warmup is not None and float(warmup) >= epochs / 2:
        changes["schedule"] = {
            "name": config.schedule.name,
            "params": {**config.schedule.params, "warmup_epochs": epochs / 4},
        }
    return config.evolve(**changes)


def epoch_images(trainer: Trainer) -> tuple[int, int]:
    """Training images per epoch (after the config's balancing) and validation images, of ``trainer``'s data."""
    from lesionkit.data.splitting.balancing import repeats_for

    cfg = trainer.config
    train = trainer.split("train")
    train_images = int(repeats_for(cfg.balance, train.diagnosis, trainer.task).sum())
    has_validation = "validation" in trainer.dataset.split_names()
    return train_images, len(trainer.split("validation")) if has_validation else 0


def plan_for_budget(trainer: Trainer, seconds: float, *, seconds_per_epoch: float | None = None) -> TimePlan:
    """Plan ``trainer``'s config to train within ``seconds`` (the probe's own time included).

    Args:
        trainer: the run to plan (its data is read; the probe trains a copy of its model, never the model itself).
        seconds: the whole budget, from this call on.
        seconds_per_epoch: what an epoch of this config took before (set-up included); when
            given, the epochs are planned from it and the probe is skipped.

    Raises:
        ConfigError: a budget that is not positive, or a multi-worker config (each worker
            would time itself and could plan other epochs than the rest).
    """
    if not seconds > 0:
        raise ConfigError(f"budget = {seconds!r} seconds: give a positive number of minutes")
    if trainer.config.distribute == "multi_worker_mirrored":
        raise ConfigError(
            "a time budget with distribute='multi_worker_mirrored': every worker must train the same epochs; "
            "find the epochs that fit on one machine (`lesionkit fit --minutes` there, or plan_for_budget) and give "
            "every worker those --epochs"
        )
    start = time.perf_counter()
    cfg = trainer.config
    train_images, eval_images = epoch_images(trainer)
    rate = None if seconds_per_epoch else probe_images_per_second(trainer)
    left = seconds - (time.perf_counter() - start)
    if seconds_per_epoch:  # an earlier run's whole time per epoch: its set-up is already in it
        per_epoch = seconds_per_epoch
        epochs = epochs_within(cfg, left, per_epoch, setup=0.0)
    else:
        assert rate is not None
        per_epoch = epoch_seconds(rate, train_images, eval_images)
        epochs = plan_epochs(cfg, left, rate, train_images, eval_images)
    planned = with_epochs(cfg, epochs)
    return TimePlan(planned, left, per_epoch, rate, train_images, eval_images, trainer.reference, trainer.dataset)
