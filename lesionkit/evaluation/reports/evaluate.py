"""Evaluating on one split: probabilities → metrics → :class:`~lesionkit.evaluation.reports.report.Report`, saved with the run.

Example:
    >>> import numpy as np
    >>> from lesionkit.data.sources.synthetic import SyntheticLesions
    >>> split = SyntheticLesions(sizes={"train": 4, "validation": 4, "test": 8}).split("test")
    >>> def predict(images, views):  # a model that says 0.5 to everything
    ...     return np.full(len(images), 0.5)
    >>> from lesionkit.task import get_task
    >>> report = evaluate_split(predict, split, name="demo", task=get_task("melanoma"), image_size=32)
    >>> report.metrics["roc_auc"]
    0.5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from lesionkit.data.splitting.split import Split
from lesionkit.evaluation.posthoc.chain import PostHoc
from lesionkit.evaluation.reports.report import Report
from lesionkit.evaluation.stats.confidence import DEFAULT_RESAMPLES
from lesionkit.runs import RunDir
from lesionkit.runs.report_folders import ReportFolder
from lesionkit.task import Task


def evaluate_split(
    predict: Callable[[np.ndarray, int], np.ndarray],
    split: Split,
    *,
    name: str,
    task: Task,
    image_size: int,
    tta: int = 1,
    reference: Mapping[str, float] | None = None,
    bootstrap: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    posthoc: PostHoc | None = None,
) -> Report:
    """The report of ``predict(images, tta)`` on ``split``: the paper's five metrics and the ISIC 2017 set,
    with intervals (``bootstrap`` resamples, 0 = off), calibration, the frozen operating point and
    subgroups (:func:`~lesionkit.evaluation.reports.clinical_report.clinical_report`).

    ``posthoc`` is the chain ``predict`` applied (its prior and temperature are reported, its
    operating point gives the thresholded metrics); None: raw probabilities at p > 0.5.

    For a multi-class task ``predict`` returns the probability matrix ``(N, K)`` and the
    report holds the multi-class metrics (:func:`~lesionkit.evaluation.stats.metrics.multiclass_metrics`)
    and their intervals (balanced accuracy, accuracy, macro AUC).

    A note says which fields the chain's metadata prior used, and how many of the split's images
    had metadata.
    """
    from lesionkit.evaluation.reports.clinical_report import clinical_report
    from lesionkit.evaluation.stats.decision_rule import decided_metrics
    from lesionkit.evaluation.stats.metrics import binary_metrics, multiclass_metrics

    probabilities = predict(split.load_images(image_size), tta)
    chain = posthoc or PostHoc(())
    metadata_prior = chain.prior
    y_true = split.labels(task)
    decisions = None
    if task.is_binary:
        metrics = binary_metrics(y_true, probabilities)
        classes: tuple[str, ...] = ()
    else:
        metrics = multiclass_metrics(y_true, probabilities, task.classes, task.positive)
        classes = task.classes
        if chain.decision_rule is not None:
            # The run decides with its rule: its figures under the plain keys, the arg-max's beside them.
            decisions = chain.decide(probabilities)
            argmax = {f"argmax_{key}": metrics[key] for key in ("accuracy", "balanced_accuracy")}
            metrics = {**metrics, **argmax, **decided_metrics(y_true, decisions, classes)}
    clinical = clinical_report(
        y_true,
        probabilities,
        split=split.name,
        metadata=split.metadata,
        operating_point=chain.operating_point,
        temperature=chain.temperature.to_dict() if chain.temperature else None,
        bootstrap=bootstrap,
        seed=seed,
        subgroup_class=(task.classes.index(task.positive[0]), task.positive[0]) if classes and task.positive else None,
        decisions=decisions,
    )
    if metadata_prior is not None:
        known = int(metadata_prior.known_rows(split.metadata, metadata_prior.fields, len(split)).sum())
        note = f"{metadata_prior.describe()}: {known} of {len(split)} images had metadata"
        clinical = attrs.evolve(clinical, notes=(*clinical.notes, note))
    return Report(
        name=name,
        split=split.name,
        task=task.name,
        metrics=metrics,
        y_true=y_true,
        probabilities=probabilities,
        ids=split.ids,
        reference=reference,
        tta=tta,
        classes=classes,
        positive=task.positive if classes else (),
        clinical=clinical,
        decisions=decisions,
    )


def save_report(
    report: Report,
    run: RunDir,
    folder: str | ReportFolder,
    *,
    split_counts: Mapping[str, int] | None = None,
    model: Any = None,
    images: Callable[[], np.ndarray] | None = None,
) -> Path:
    """Write ``report`` to ``run``'s ``reports/<folder>/``, the training curves when it has a history,
    and the run's model card (``split_counts``: images per split of the dataset, for the card).

    With the ``model`` and its ``images()``, a test report also gets the Grad-CAM gallery of its
    most confident errors (:func:`lesionkit.evaluation.prediction.explain.save_error_gallery`).
    """
    from lesionkit.evaluation.reports.model_card import write_model_card
    from lesionkit.evaluation.reports.report_files import ReportFiles

    files = ReportFiles.of_run(run, folder)
    out = files.write(report)
    if model is not None and images is not None and report.split == "test":
        from lesionkit.evaluation.prediction.explain import save_error_gallery

        save_error_gallery(model, images(), report, files.error_gallery_file)
    if run.history_file.is_file():
        from lesionkit.evaluation.reports.plots import plot_training_curves

        plot_training_curves(run.history_file, run.training_curves_file)
    write_model_card(run, split_counts=split_counts)
    return out
