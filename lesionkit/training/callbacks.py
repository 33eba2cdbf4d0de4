"""Keras callbacks the Trainer adds to every fit (imports Keras; loaded lazily)."""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import keras

from lesionkit.config import ExperimentConfig
from lesionkit.runs import RunDir


def snapshot(model: Any) -> tuple[list[Any], list[Any]]:
    """Copies of the model's and its optimizer's variables, cheap enough for every epoch.

    ``Variable.numpy()`` reads into a new buffer, so training may go on while a
    background thread writes the copies (it is also several times faster than
    ``np.array(variable)``, which goes through Keras's ``__array__``).
    """
    weights = [v.numpy() for v in model.weights]
    optimizer = getattr(model, "optimizer", None)
    slots = [v.numpy() for v in optimizer.variables] if optimizer is not None and optimizer.built else []
    return weights, slots


class RunCheckpoint(keras.callbacks.Callback):
    """After each epoch: an atomic checkpoint, the best one by ``monitor``, then state.json.

    Args:
        run: the run directory.
        monitor: metric to maximise for the best checkpoint (``val_auc``, or the task's
            primary metric such as ``val_balanced_accuracy``; falls back to the training
            value, ``auc``, when an epoch does not report it).
        best: best score so far (when resuming).
    """

    def __init__(self, run: RunDir, monitor: str = "val_auc", best: float = -math.inf) -> None:
        super().__init__()
        self.run = run
        self.monitor = monitor
        self.best = best
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # One writer thread: checkpoints land in epoch order while training goes on.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lesionkit-checkpoint")
        self._pending = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        assert self._writer is not None, "on_train_begin starts the writer"
        logs = logs or {}
        score = logs.get(self.monitor, logs.get(self.monitor.removeprefix("val_")))
        score = float(score) if score is not None else math.nan
        improved = not math.isnan(score) and score > self.best
        if improved:
            self.best = score
        weights, slots = snapshot(self.model)
        state = {"best_score": self.best if math.isfinite(self.best) else None, "monitor": self.monitor}
        self._pending.append(
            self._writer.submit(self.run.save_checkpoint, weights, slots, epoch + 1, best=improved, state=state)
        )
        self._raise_failures(wait=False)

    @contextlib.contextmanager
    def writes_flushed(self, epochs: int) -> Iterator[None]:
        """Around ``model.fit``: every checkpoint is on disk when it ends, however it ends.

        Keras skips ``on_train_end`` on any exception; on Ctrl-C this also says how
        many epochs are saved and how to continue.
        """
        try:
            yield
        except KeyboardInterrupt:
            self.finish_writes()  # every finished epoch is on disk before we say so
            state = self.run.read_state()
            print(
                f"\ninterrupted: {state['epoch'] if state else 0} of {epochs} epochs are checkpointed in "
                f"{self.run.path}; continue with trainer.fit(resume=True) or `{self.run.resume_command()}`",
                file=sys.stderr,
            )
            raise
        finally:
            self.finish_writes()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.finish_writes()

    def finish_writes(self) -> None:
        """Wait until every submitted checkpoint is on disk (Keras skips ``on_train_end`` on an interrupt)."""
        if self._writer is None:
            return
        try:
            self._raise_failures(wait=True)
        finally:
            self._writer.shutdown(wait=True)

    def _raise_failures(self, *, wait: bool) -> None:
        # A failed write (disk full...) must stop training, not pass silently; each failure is raised once.
        while self._pending and (wait or self._pending[0].done()):
            self._pending.pop(0).result()


def fit_callbacks(
    run: RunDir, cfg: ExperimentConfig, *, monitor: str, best: float, append: bool
) -> tuple[RunCheckpoint, list[Any]]:
    """lesionkit's callbacks of one fit, in order: history row, checkpoint, TensorBoard, early stopping.

    Returns the checkpoint callback (the Trainer waits for its writes) and the whole list.
    """
    checkpoint = RunCheckpoint(run, monitor=monitor, best=best)
    # The CSV row goes before the checkpoint: a kill in between leaves a row that
    # RunDir.truncate_history drops on resume, never a checkpoint without its row.
    callbacks: list[Any] = [
        keras.callbacks.CSVLogger(str(run.history_file), append=append),
        checkpoint,
        keras.callbacks.TensorBoard(str(run.logs_dir), write_graph=False, profile_batch=0),
    ]
    if cfg.early_stopping_patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(monitor=monitor, mode="max", patience=cfg.early_stopping_patience)
        )
    return checkpoint, callbacks
