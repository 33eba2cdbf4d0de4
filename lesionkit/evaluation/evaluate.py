"""Evaluating on one split: probabilities → metrics → :class:`~lesionkit.evaluation.report.Report`, saved with the run.

Example:
    >>> import numpy as np
    >>> from lesionkit.data.synthetic import SyntheticLesions
    >>> split = SyntheticLesions(sizes={"train": 4, "validation": 4, "test": 8}).split("test")
    >>> def predict(images, views):  # a model that says 0.5 to everything
    ...     return np.full(len(images), 0.5)
    >>> report = evaluate_split(predict, split, name="demo", task="melanoma", image_size=32)
    >>> report.metrics["roc_auc"]
    0.5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from lesionkit.data.split import Split
from lesionkit.evaluation.report import Report
from lesionkit.runs import RunDir


def evaluate_split(
    predict: Callable[[np.ndarray, int], np.ndarray],
    split: Split,
    *,
    name: str,
    task: str,
    image_size: int,
    tta: int = 1,
    reference: Mapping[str, float] | None = None,
) -> Report:
    """The report of ``predict(images, tta)`` on ``split``: the paper's five metrics and the ISIC 2017 set.

    For a multi-class task ``predict`` returns the probability matrix ``(N, K)`` and the
    report holds the multi-class metrics (:func:`~lesionkit.evaluation.metrics.multiclass_metrics`).
    """
    from lesionkit.evaluation.metrics import binary_metrics, multiclass_metrics
    from lesionkit.task import get_task

    probabilities = predict(split.load_images(image_size), tta)
    resolved = get_task(task)
    y_true = split.labels(resolved)
    if resolved.is_binary:
        metrics = binary_metrics(y_true, probabilities)
        classes: tuple[str, ...] = ()
    else:
        metrics = multiclass_metrics(y_true, probabilities, resolved.classes, resolved.positive)
        classes = resolved.classes
    return Report(
        name=name,
        split=split.name,
        task=task,
        metrics=metrics,
        y_true=y_true,
        probabilities=probabilities,
        ids=split.ids,
        reference=reference,
        tta=tta,
        classes=classes,
        positive=resolved.positive if classes else (),
    )


def save_report(report: Report, run: RunDir, folder: str) -> Path:
    """Write ``report`` to ``run``'s ``reports/<folder>/``, and the training curves when it has a history."""
    out = report.save(run.report_dir(folder))
    if run.history_file.is_file():
        from lesionkit.evaluation.plots import plot_training_curves

        plot_training_curves(run.history_file, run.training_curves_file)
    return out
