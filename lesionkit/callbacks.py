"""Keras callbacks the Trainer adds to every fit (imports Keras; loaded lazily)."""

from __future__ import annotations

import math
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

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        score = logs.get(self.monitor, logs.get("auc"))
        score = float(score) if score is not None else math.nan
        improved = not math.isnan(score) and score > self.best
        if improved:
            self.best = score
        runs.save_checkpoint(
            self.run_dir,
            self.model,
            epoch + 1,
            best=improved,
            state={"best_score": self.best if math.isfinite(self.best) else None, "monitor": self.monitor},
        )
