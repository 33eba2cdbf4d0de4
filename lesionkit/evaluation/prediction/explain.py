"""Grad-CAM pictures: one overlay per image, and a gallery of a test report's most confident errors.

An overlay draws the Grad-CAM map (:mod:`lesionkit.evaluation.prediction.gradcam`) of the predicted
class over the image, with the class probabilities in the title. The error gallery of a
report shows the most confident false negatives (positives scored lowest) and false
positives (negatives scored highest), each with its map, so the first look at a model's
mistakes is one picture in the report folder.

Example:
    >>> from lesionkit.evaluation.prediction.explain import explain_files
    >>> written, skipped = explain_files(model, files, "explained/", image_size=224,
    ...                                  class_names=("other", "melanoma"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lesionkit.evaluation.reports._plotting import new_figure, save_png
from lesionkit.evaluation.reports.report import Report

if TYPE_CHECKING:
    from lesionkit.evaluation.posthoc.chain import PostHoc

#: Most confident errors of each kind the gallery shows.
GALLERY_PER_KIND = 4
#: Opacity of the heat map over the image.
HEAT_ALPHA = 0.45


def _draw(axis: Any, image: np.ndarray, heatmap: np.ndarray, title: str) -> None:
    axis.imshow(np.asarray(image, np.uint8))
    axis.imshow(heatmap, cmap="jet", alpha=HEAT_ALPHA, vmin=0.0, vmax=1.0)
    axis.set_title(title, fontsize=8)
    axis.axis("off")


def probability_title(name: str, probabilities: np.ndarray, class_names: Sequence[str]) -> str:
    """``"<name>\\n<class> 0.83 · <class> 0.17"``, most probable class first.

    Example:
        >>> print(probability_title("ISIC_0001", np.array([0.2, 0.8]), ("other", "melanoma")))
        ISIC_0001
        melanoma 0.80 · other 0.20
    """
    order = np.argsort(-np.asarray(probabilities), kind="stable")
    return name + "\n" + " · ".join(f"{class_names[i]} {probabilities[i]:.2f}" for i in order)


def save_overlay(path: str | Path, image: np.ndarray, heatmap: np.ndarray, title: str) -> Path:
    """Write ``heatmap`` over ``image`` with ``title`` as a PNG, atomically."""
    fig = new_figure(4.0, 4.4)
    _draw(fig.add_subplot(1, 1, 1), image, heatmap, title)
    return save_png(fig, path)


def explain_files(
    model: Any,
    files: Sequence[Path],
    out_dir: str | Path,
    *,
    image_size: int,
    class_names: Sequence[str],
    layer: str | None = None,
    posthoc: PostHoc | None = None,
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """An overlay PNG ``<out_dir>/<image stem>_gradcam.png`` for each image file, of its most probable class.

    ``posthoc`` (the run's or exported model's chain) calibrates the probabilities in the titles;
    the temperature never changes which class is the most probable.

    Files that cannot be decoded are skipped and returned with the reason, never silently dropped.

    Returns:
        (overlays written, skipped (path, reason) pairs)
    """
    from lesionkit.data.loading.images import load_image
    from lesionkit.errors import DataError
    from lesionkit.evaluation.prediction.exported import class_probabilities
    from lesionkit.evaluation.prediction.gradcam import gradcam

    out = Path(out_dir)
    written: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for start in range(0, len(files), 16):
        images, kept = [], []
        for file in files[start : start + 16]:
            try:
                images.append(load_image(file, image_size))
                kept.append(Path(file))
            except DataError as exc:
                skipped.append((Path(file), str(exc)))
        if not images:
            continue
        batch = np.stack(images)
        raw = class_probabilities(model, batch)
        probabilities = raw if posthoc is None else posthoc.apply(raw)  # no metadata: no prior
        maps = gradcam(model, batch, class_index=np.argmax(probabilities, axis=1), layer=layer)
        for file, image, heatmap, p in zip(kept, batch, maps, probabilities):
            title = probability_title(file.name, p, class_names)
            written.append(save_overlay(out / f"{file.stem}_gradcam.png", image, heatmap, title))
    return written, skipped


def confident_errors(
    y_true: np.ndarray, probabilities: np.ndarray, *, per_kind: int = GALLERY_PER_KIND, threshold: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the most confident false negatives (lowest score first) and false positives (highest first).

    An image is called positive when its score is strictly greater than ``threshold``.

    Example:
        >>> fn, fp = confident_errors(np.array([1, 1, 0, 0, 1]), np.array([0.1, 0.4, 0.9, 0.2, 0.8]))
        >>> fn.tolist(), fp.tolist()
        ([0, 1], [2])
    """
    y = np.asarray(y_true).astype(bool)
    p = np.asarray(probabilities, np.float64)
    false_negatives = np.flatnonzero(y & (p <= threshold))
    false_positives = np.flatnonzero(~y & (p > threshold))
    fn = false_negatives[np.argsort(p[false_negatives], kind="stable")][:per_kind]
    fp = false_positives[np.argsort(-p[false_positives], kind="stable")][:per_kind]
    return fn, fp


def confident_misclassifications(
    y_true: np.ndarray, probabilities: np.ndarray, *, count: int = 2 * GALLERY_PER_KIND
) -> np.ndarray:
    """Indices of the wrongly classified images (most probable class not the true one), most confident first.

    Example:
        >>> p = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5]])
        >>> confident_misclassifications(np.array([1, 1, 0]), p).tolist()
        [0, 2]
    """
    p = np.asarray(probabilities, np.float64)
    wrong = np.flatnonzero(np.argmax(p, axis=1) != np.asarray(y_true))
    return wrong[np.argsort(-p[wrong].max(axis=1), kind="stable")][:count]


def _gallery_rows(report: Report, per_kind: int) -> list[tuple[str, np.ndarray, list[str], np.ndarray]]:
    """(row label, image indices, panel titles, class explained) per gallery row."""
    p = np.asarray(report.probabilities, np.float64)
    names = [report.ids[i] if report.ids else f"#{i}" for i in range(len(p))]
    if p.ndim == 1:  # binary: the positive class's score
        rows = []
        for kind, indices in zip(
            ("false negatives", "false positives"), confident_errors(report.y_true, p, per_kind=per_kind)
        ):
            titles = [f"{kind[:-1]}\n{names[i]}\np({report.task}) = {p[i]:.2f}" for i in indices]
            rows.append((kind, indices, titles, (p[indices] > 0.5).astype(np.int32)))
        return rows
    wrong = confident_misclassifications(report.y_true, p, count=2 * per_kind)
    predicted = np.argmax(p, axis=1)
    classes = report.classes or tuple(str(k) for k in range(p.shape[1]))
    titles = [
        f"{names[i]}\n{classes[int(report.y_true[i])]} → {classes[predicted[i]]} {p[i, predicted[i]]:.2f}"
        for i in wrong
    ]
    halves = [slice(0, per_kind), slice(per_kind, 2 * per_kind)]
    return [("misclassifications", wrong[h], titles[h], predicted[wrong[h]]) for h in halves][
        : 1 if len(wrong) <= per_kind else 2
    ]


def save_error_gallery(
    model: Any, images: np.ndarray, report: Report, path: str | Path, *, per_kind: int = GALLERY_PER_KIND
) -> Path:
    """A PNG of the most confident errors of ``report``, each with the Grad-CAM map of the class predicted.

    Binary: false negatives (positives scored lowest) in the top row, false positives (negatives
    scored highest) below. Multi-class: the most confident misclassifications (true → predicted).
    ``images`` are the report's images in its order (0–255 RGB). A row without errors says so.
    """
    from lesionkit.evaluation.prediction.gradcam import gradcam

    rows = _gallery_rows(report, per_kind)
    columns = max([len(indices) for _, indices, _, _ in rows] + [1])
    fig = new_figure(2.2 * columns + 0.4, 2.5 * len(rows))
    for r, (kind, indices, titles, explained) in enumerate(rows):
        if not len(indices):
            axis = fig.add_subplot(len(rows), columns, r * columns + 1)
            axis.text(0.5, 0.5, f"no {kind}", ha="center", va="center")
            axis.axis("off")
            continue
        maps = gradcam(model, images[indices], class_index=explained)
        for c, (index, heatmap, title) in enumerate(zip(indices, maps, titles)):
            _draw(fig.add_subplot(len(rows), columns, r * columns + c + 1), images[index], heatmap, title)
    fig.suptitle(f"{report.name}: most confident errors, {report.label} (Grad-CAM of the predicted class)", fontsize=9)
    return save_png(fig, path)
