"""Keras callbacks the Trainer adds to every fit (imports Keras; loaded lazily)."""

from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import keras

from lesionkit import runs


class RunCheckpoint(keras.callbacks.Callback):
    """After each epoch: an atomic checkpoint, the best one by ``monitor``, then state.json.

    Args:
        run_dir: the run directory.
        monitor: metric to maximise for the best checkpoint (``val_auc``; falls
            back to ``auc`` when there is no validation split).
        best: best score so far (when resuming).
    """

    def __init__(self, run_dir: Path, monitor: str = "val_auc", best: float = -math.inf) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.monitor = monitor
        self.best = best

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # One writer thread: checkpoints land in epoch order while training goes on.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lesionkit-checkpoint")
        self._pending: list[Future[None]] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        score = logs.get(self.monitor, logs.get("auc"))
        score = float(score) if score is not None else math.nan
        improved = not math.isnan(score) and score > self.best
        if improved:
            self.best = score
        weights, slots = runs.snapshot(self.model)
        state = {"best_score": self.best if math.isfinite(self.best) else None, "monitor": self.monitor}
        self._pending.append(
            self._writer.submit(
                runs.save_checkpoint, self.run_dir, weights, slots, epoch + 1, best=improved, state=state
            )
        )
        self._raise_failures(wait=False)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.finish_writes()

    def finish_writes(self) -> None:
        """Wait until every submitted checkpoint is on disk (Keras skips ``on_train_end`` on an interrupt)."""
        self._raise_failures(wait=True)
        self._writer.shutdown(wait=True)

    def _raise_failures(self, *, wait: bool) -> None:
        # A failed write (disk full...) must stop training, not pass silently.
        still: list[Future[None]] = []
        for future in self._pending:
            if wait or future.done():
                future.result()
            else:
                still.append(future)
        self._pending = still
