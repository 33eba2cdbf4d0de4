"""Predicting image files with a trained model, and writing ISIC 2017 submission CSVs.

A multi-class run's probabilities are written one column per class
(:func:`write_class_probabilities`), in the task's class order.

Example:
    >>> from lesionkit import Trainer
    >>> from lesionkit.evaluation.predict import predict_files, write_submission
    >>> task, probabilities, skipped = predict_files(Trainer.from_run("runs/mel"), files)  # doctest: +SKIP
    >>> write_submission("predictions.csv", files, {task: probabilities})  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from lesionkit.config import ExperimentConfig
from lesionkit.io import atomic_write_text

SUBMISSION_COLUMNS = ("melanoma", "seborrheic_keratosis")


class Predictor(Protocol):
    """What :func:`predict_files` needs of a trained model: a :class:`lesionkit.Trainer` is one."""

    @property
    def config(self) -> ExperimentConfig: ...

    def predict(self, images: np.ndarray, *, tta: int = 1) -> np.ndarray: ...


def predict_files(
    predictor: Predictor, files: Sequence[Path], *, tta: int | None = None, batch: int = 64
) -> tuple[str, np.ndarray, list[tuple[Path, str]]]:
    """Positive-class probabilities of image ``files`` by ``predictor`` (e.g. ``Trainer.from_run(run_dir)``).

    Files that cannot be decoded are skipped (probability NaN) and returned with
    the reason, never silently dropped. A multi-class predictor gives one row of
    class probabilities per file, ``(N, K)``.

    Returns:
        (task, probabilities aligned with ``files``, skipped (path, reason) pairs)
    """
    from lesionkit.data.images import load_image
    from lesionkit.errors import DataError

    size = predictor.config.image_size
    views = predictor.config.tta if tta is None else int(tta)
    out: np.ndarray | None = None
    skipped: list[tuple[Path, str]] = []
    for start in range(0, len(files), batch):
        chunk = list(range(start, min(start + batch, len(files))))
        images, ok = [], []
        for i in chunk:
            try:
                images.append(load_image(files[i], size))
                ok.append(i)
            except DataError as exc:
                skipped.append((files[i], str(exc)))
        if not images:
            continue
        predicted = np.asarray(predictor.predict(np.stack(images), tta=views))
        if out is None:  # (N,) for a binary task, (N, K) for a multi-class one
            out = np.full((len(files), *predicted.shape[1:]), np.nan)
        out[ok] = predicted
    return predictor.config.task, np.full(len(files), np.nan) if out is None else out, skipped


def write_submission(path: str | Path, files: Sequence[Path], columns: Mapping[str, np.ndarray]) -> tuple[int, int]:
    """Write ``image_id,melanoma,seborrheic_keratosis`` (missing task → empty cells), atomically.

    Rows of images with no prediction (skipped) are left out. Returns (written, skipped).
    """
    lines = ["image_id," + ",".join(SUBMISSION_COLUMNS)]
    written = skipped = 0
    for i, file in enumerate(files):
        values = [columns[c][i] if c in columns else None for c in SUBMISSION_COLUMNS]
        if any(v is not None and math.isnan(v) for v in values):
            skipped += 1
            continue
        cells = ["" if v is None else f"{v:.6f}" for v in values]
        lines.append(",".join([Path(file).stem, *cells]))
        written += 1
    atomic_write_text(Path(path), "\n".join(lines) + "\n")
    return written, skipped


def write_class_probabilities(
    path: str | Path, files: Sequence[Path], classes: Sequence[str], probabilities: np.ndarray
) -> tuple[int, int]:
    """Write ``image_id,<class 1>,...,<class K>`` (one probability column per class), atomically.

    Rows of images with no prediction (skipped, NaN) are left out. Returns (written, skipped).

    Example:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()) / "p.csv"
        >>> write_class_probabilities(out, [Path("a.jpg")], ("nevus", "melanoma"), np.array([[0.25, 0.75]]))
        (1, 0)
        >>> out.read_text()
        'image_id,nevus,melanoma\\na,0.250000,0.750000\\n'
    """
    lines = ["image_id," + ",".join(classes)]
    written = skipped = 0
    for file, row in zip(files, np.asarray(probabilities, dtype=np.float64), strict=True):
        if np.isnan(row).any():
            skipped += 1
            continue
        lines.append(",".join([Path(file).stem, *(f"{v:.6f}" for v in row)]))
        written += 1
    atomic_write_text(Path(path), "\n".join(lines) + "\n")
    return written, skipped
