"""Predicting image files with a trained model, and writing ISIC 2017 submission CSVs.

A multi-class run's probabilities are written one column per class
(:func:`write_class_probabilities`), in the task's class order.

Example:
    >>> from lesionkit import Trainer
    >>> from lesionkit.evaluation.prediction.predict import predict_files, write_submission
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

    def predict(
        self,
        images: np.ndarray,
        *,
        tta: int = 1,
        batch_size: int | None = None,
        metadata: Mapping[str, Sequence[object]] | None = None,
    ) -> np.ndarray: ...


def predict_files(
    predictor: Predictor,
    files: Sequence[Path],
    *,
    tta: int | None = None,
    batch: int = 64,
    workers: int | None = None,
    metadata: Mapping[str, Sequence[object]] | None = None,
) -> tuple[str, np.ndarray, list[tuple[Path, str]]]:
    """Positive-class probabilities of image ``files`` by ``predictor`` (e.g. ``Trainer.from_run(run_dir)``).

    ``metadata`` (columns aligned with ``files``, e.g. from
    :func:`lesionkit.data.labels.metadata_csv.read_metadata_csv`) goes to the predictor with each
    batch, so a run with a metadata prior combines it with the image probabilities.

    Files are decoded by ``workers`` threads (default: one per available core, at most 8;
    Pillow releases the GIL while it decodes and resizes), and the next batch is decoded
    while the model predicts the current one. Files that cannot be decoded are skipped
    (probability NaN) and returned with the reason, never silently dropped. A multi-class
    predictor gives one row of class probabilities per file, ``(N, K)``.

    Returns:
        (task, probabilities aligned with ``files``, skipped (path, reason) pairs)
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    from lesionkit.runtime.host import available_cores

    size = predictor.config.image_size
    views = predictor.config.tta if tta is None else int(tta)
    out: np.ndarray | None = None
    skipped: list[tuple[Path, str]] = []
    chunks = [range(start, min(start + batch, len(files))) for start in range(0, len(files), batch)]
    with ThreadPoolExecutor(max_workers=workers or min(available_cores(), 8)) as pool:

        def decode(chunk: range) -> list[Future[np.ndarray | str]]:
            return [pool.submit(_decode, files[i], size) for i in chunk]

        pending = decode(chunks[0]) if chunks else []
        for k, chunk in enumerate(chunks):
            current, pending = pending, (decode(chunks[k + 1]) if k + 1 < len(chunks) else [])
            images, ok = [], []
            for i, future in zip(chunk, current, strict=True):
                result = future.result()
                if isinstance(result, str):
                    skipped.append((files[i], result))
                else:
                    images.append(result)
                    ok.append(i)
            if not images:
                continue
            # The whole chunk in one model call: a training batch size (often 8-32) makes
            # inference needlessly slower.
            # Only with metadata given is it passed: a predictor without the keyword still works.
            extra = {} if metadata is None else {"metadata": {k: [v[i] for i in ok] for k, v in metadata.items()}}
            predicted = np.asarray(predictor.predict(np.stack(images), tta=views, batch_size=batch, **extra))
            if out is None:  # (N,) for a binary task, (N, K) for a multi-class one
                out = np.full((len(files), *predicted.shape[1:]), np.nan)
            out[ok] = predicted
    return predictor.config.task, np.full(len(files), np.nan) if out is None else out, skipped


def _decode(path: Path, size: int) -> np.ndarray | str:
    """The image at ``size`` pixels, or why it could not be decoded."""
    from lesionkit.data.loading.images import load_image
    from lesionkit.errors import DataError

    try:
        return load_image(path, size)
    except DataError as exc:
        return str(exc)


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
