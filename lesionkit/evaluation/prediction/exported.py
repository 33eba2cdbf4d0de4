"""Predicting image files with an exported model alone: its baked metadata says everything else.

The model file (``lesionkit export RUN -o model.keras``) carries its class names, image size
and post-hoc chain: metadata prior, temperature, decision threshold and test-time augmentation
(:class:`~lesionkit.evaluation.prediction.model_description.ModelDescription`). :func:`predict_exported`
decodes and resizes the images in a batched, parallel ``tf.data`` pipeline (the model
preprocesses them itself), averages the TTA views and applies the chain
(:class:`~lesionkit.evaluation.posthoc.chain.PostHoc`, the same as the run's);
:func:`write_predictions` writes one probability column per class and the decision.

Example:
    >>> from lesionkit import load_model
    >>> from lesionkit.evaluation.prediction.model_description import read_model_description
    >>> model = load_model("melanoma.keras")  # doctest: +SKIP
    >>> result = predict_exported(model, read_model_description(model), files)  # doctest: +SKIP
    >>> write_predictions("predictions.csv", result)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from lesionkit.evaluation.prediction.model_description import ModelDescription
from lesionkit.io import atomic_write_text


@attrs.frozen
class ExportedPredictions:
    """Predictions of an exported model for image files.

    Attributes:
        files: the images predicted, in order (skipped ones left out).
        probabilities: ``(N, K)`` calibrated class probabilities, columns in ``classes`` order.
        decisions: the decided class name of each image.
        classes: the class names; threshold: the threshold on the positive class (two classes).
        skipped: (path, reason) of each image that could not be decoded.
    """

    files: tuple[Path, ...]
    probabilities: np.ndarray = attrs.field(repr=False)
    decisions: tuple[str, ...]
    classes: tuple[str, ...]
    threshold: float | None
    skipped: tuple[tuple[Path, str], ...] = ()


def _decode_dataset(files: Sequence[Path], size: int, batch: int) -> Any:
    """(images, ok, reason) batches; images that fail to decode come as zeros with ok False and the reason."""
    import tensorflow as tf

    from lesionkit.data.loading.images import load_image
    from lesionkit.errors import DataError

    def decode(path: bytes) -> tuple[np.ndarray, bool, bytes]:
        try:
            return load_image(Path(path.decode()), size), True, b""
        except DataError as exc:
            return np.zeros((size, size, 3), np.uint8), False, str(exc).encode()

    def load(path: Any) -> tuple[Any, Any, Any]:
        image, ok, reason = tf.numpy_function(decode, [path], (tf.uint8, tf.bool, tf.string), stateful=False)
        image.set_shape((size, size, 3))
        return image, ok, reason

    paths = tf.data.Dataset.from_tensor_slices([str(f) for f in files])
    return paths.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).batch(batch).prefetch(2)


def class_probabilities(model: Any, images: np.ndarray) -> np.ndarray:
    """``(N, K)`` float64 probabilities of ``model`` (a one-unit sigmoid output becomes ``(1 - p, p)``)."""
    outputs = np.asarray(model(images.astype(np.float32), training=False), np.float64)
    return np.concatenate([1.0 - outputs, outputs], axis=1) if outputs.shape[1] == 1 else outputs


def predict_exported(
    model: Any,
    description: ModelDescription,
    files: Sequence[Path],
    *,
    batch: int = 32,
    tta: int | None = None,
    patients: Mapping[str, Sequence[object]] | None = None,
) -> ExportedPredictions:
    """Calibrated class probabilities and decisions of an exported ``model`` for image ``files``.

    Args:
        description: the model's own (:func:`~lesionkit.evaluation.prediction.model_description.read_model_description`).
        tta: test-time views averaged; default the exported setting.
        patients: per-image metadata columns aligned with ``files`` (age, sex, site; e.g. from
            :func:`lesionkit.data.labels.metadata_csv.read_metadata_csv`): with a model whose
            description holds a prior, the probabilities are combined with it before calibration,
            as ``Trainer.predict`` does (one :class:`~lesionkit.evaluation.posthoc.chain.PostHoc`). Ignored without a prior.

    Files that cannot be decoded are skipped and named with the reason in ``skipped``.
    """
    from lesionkit.evaluation.posthoc.chain import PostHoc
    from lesionkit.evaluation.prediction.inference import average_views

    chain = PostHoc.from_description(description)
    views = chain.views(tta)
    augmenter = chain.augmenter() if views > 1 else None
    once = lambda images: class_probabilities(model, images)  # noqa: E731
    kept: list[Path] = []
    kept_rows: list[int] = []
    skipped: list[tuple[Path, str]] = []
    chunks: list[np.ndarray] = []
    position = 0
    for images, ok, reasons in _decode_dataset(files, description.image_size, batch):
        ok_mask = ok.numpy()
        chunk = list(files[position : position + len(ok_mask)])
        position += len(ok_mask)
        for file, good, reason in zip(chunk, ok_mask, reasons.numpy()):
            if not good:
                skipped.append((Path(file), reason.decode()))
        if not ok_mask.any():
            continue
        kept += [Path(f) for f, good in zip(chunk, ok_mask) if good]
        kept_rows += [position - len(ok_mask) + i for i, good in enumerate(ok_mask) if good]
        batch_images = images.numpy()[ok_mask]
        chunks.append(average_views(once, batch_images, views=views, augmenter=augmenter, seed=chain.seed))
    raw = np.concatenate(chunks) if chunks else np.zeros((0, max(len(chain.classes), 2)))
    rows = None if patients is None else {name: [column[i] for i in kept_rows] for name, column in patients.items()}
    probabilities = chain.apply(raw, rows)
    return ExportedPredictions(
        files=tuple(kept),
        probabilities=probabilities,
        decisions=tuple(chain.decide_names(probabilities)),
        classes=chain.classes,
        threshold=chain.threshold if chain.binary else None,
        skipped=tuple(skipped),
    )


def write_predictions(path: str | Path, result: ExportedPredictions) -> int:
    """Write ``image_id,<class>...,decision`` (probabilities to 6 decimals), atomically; returns the rows written."""
    lines = [",".join(["image_id", *result.classes, "decision"])]
    for file, row, decision in zip(result.files, result.probabilities, result.decisions):
        lines.append(",".join([file.stem, *(f"{p:.6f}" for p in row), decision]))
    atomic_write_text(Path(path), "\n".join(lines) + "\n")
    return len(result.files)
