"""Training within a wall-clock budget: stop cleanly before the budget runs out.

:class:`TimeBudget` is a Keras callback for ``Trainer.fit(callbacks=[...])``. After each
epoch it stops training when another epoch (as long as the longest so far) would not fit
in what is left; during an epoch it stops at the next batch once the budget is spent (Keras
then still validates and lesionkit's checkpoint callback saves that epoch). The run keeps
its best checkpoint either way, so ``Trainer.from_run`` and ``--resume`` work as after any
run.

Example:
    >>> budget = TimeBudget(minutes=0.5)
    >>> budget.seconds
    30.0
"""

from __future__ import annotations

import time
from typing import Any

import keras

from lesionkit.errors import ConfigError


class TimeBudget(keras.callbacks.Callback):
    """Stop ``fit`` so that training takes at most about ``minutes`` (or ``seconds``).

    Attributes:
        stopped_early: whether the budget, not the epoch count, ended training.
        elapsed: seconds from the start of training to its end (after ``fit``).
    """

    def __init__(self, minutes: float | None = None, *, seconds: float | None = None) -> None:
        super().__init__()
        if (minutes is None) == (seconds is None):
            raise ConfigError("TimeBudget: give minutes or seconds (one of them)")
        budget = float(seconds if seconds is not None else minutes * 60.0)  # type: ignore[operator]
        if not budget > 0:
            raise ConfigError(f"TimeBudget: the budget must be positive, got {budget!r} seconds")
        self.seconds = budget
        self.stopped_early = False
        self.elapsed = 0.0
        self._start = 0.0
        self._epoch_start = 0.0
        self._longest_epoch = 0.0

    def _used(self) -> float:
        return time.perf_counter() - self._start

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch_start = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._used() >= self.seconds:
            self._stop()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._longest_epoch = max(self._longest_epoch, time.perf_counter() - self._epoch_start)
        last = epoch + 1 >= int(self.params.get("epochs") or 0)
        if not last and self._used() + self._longest_epoch > self.seconds:
            self._stop()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.elapsed = self._used()

    def _stop(self) -> None:
        self.stopped_early = True
        self.model.stop_training = True
