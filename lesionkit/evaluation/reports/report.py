"""Evaluation reports: metrics of one split, rendered as tables, beside the paper's row.

A binary task's report holds positive-class probabilities and the paper's five
metrics. A multi-class task's report (``classes`` set) holds the probability matrix
``(N, K)``, its headline metrics (:data:`MULTICLASS_COLUMNS`), a per-class table and
the confusion matrix (as text and a plot).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from lesionkit.evaluation.stats.metric_names import METRIC_NAMES
from lesionkit.evaluation.text import markdown_table, number, text_table

if TYPE_CHECKING:
    from lesionkit.evaluation.reports.clinical_report import ClinicalReport

PAPER_COLUMNS = ("accuracy", "recall", "precision", "f1", "roc_auc")
#: Column headings (from :data:`~lesionkit.evaluation.stats.metric_names.METRIC_NAMES`).
COLUMN_TITLES = {key: name.title for key, name in METRIC_NAMES.items()}
#: The headline columns of a multi-class report (``mean_auc`` where the task has positive classes).
MULTICLASS_COLUMNS = ("accuracy", "balanced_accuracy", "argmax_balanced_accuracy", "macro_auc", "mean_auc")


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


@attrs.frozen(eq=False)
class Report:
    """Metrics of a model on one split, with the predictions they came from.

    Attributes:
        name: experiment name.
        split: the split evaluated.
        task: ``"melanoma"`` or ``"seborrheic_keratosis"``.
        metrics: the paper's five (``accuracy``, ``recall``, ``precision``, ``f1``,
            ``roc_auc``) and the ISIC 2017 set where available.
        y_true: binary labels (class indices for a multi-class task).
        probabilities: positive-class probabilities (``(N, K)`` for a multi-class task).
        ids: image ids in the same order.
        reference: a published row to print beside ours (e.g. the paper's).
        tta: test-time augmentation views averaged (1 = none).
        clinical: intervals, calibration, operating point and subgroups
            (:mod:`lesionkit.evaluation.reports.clinical_report`); shown by :meth:`table`, saved by :meth:`save`.
        classes: a multi-class task's class names, in column order (empty: binary report).
        positive: a multi-class task's positive classes, scored one vs rest with the
            ISIC 2017 set (``isic2017_3class``: melanoma and SK).
        decisions: a multi-class run's decided class per image when it decides with a decision
            rule (its confusion matrix and recalls count these); None: the arg-max.
    """

    name: str
    split: str
    task: str
    metrics: Mapping[str, float]
    y_true: np.ndarray = attrs.field(repr=False)
    probabilities: np.ndarray = attrs.field(repr=False)
    ids: tuple[str, ...] = attrs.field(default=(), repr=False)
    reference: Mapping[str, float] | None = None
    reference_label: str = "paper"
    tta: int = 1
    classes: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    positive: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    clinical: ClinicalReport | None = attrs.field(default=None, repr=False)
    decisions: np.ndarray | None = attrs.field(default=None, repr=False)

    @property
    def is_multiclass(self) -> bool:
        """True for a multi-class task's report (probabilities are ``(N, K)``)."""
        return bool(self.classes)

    @property
    def columns(self) -> tuple[str, ...]:
        """The headline metric columns: the paper's five, or :data:`MULTICLASS_COLUMNS`."""
        if not self.is_multiclass:
            return PAPER_COLUMNS
        return tuple(c for c in MULTICLASS_COLUMNS if c in self.metrics)

    @property
    def label(self) -> str:
        """``"<split>"``, or ``"<split>, TTA ×N"`` with test-time augmentation."""
        return self.split if self.tta <= 1 else f"{self.split}, TTA ×{self.tta}"

    def rows(self) -> list[tuple[str, list[float]]]:
        columns = self.columns
        rows = [(f"{self.name} ({self.label})", [self.metrics.get(c, math.nan) for c in columns])]
        if self.reference:
            rows.append((self.reference_label, [self.reference.get(c, math.nan) for c in columns]))
        return rows

    def table(self) -> str:
        """Plain-text table of the paper's five metrics (and the reference row).

        A multi-class report adds the per-class table and the confusion matrix.
        """
        head = ["", *[COLUMN_TITLES[c] for c in self.columns]]
        body = [[label, *[number(v) for v in values]] for label, values in self.rows()]
        text = text_table(head, body)
        if self.is_multiclass:
            text += "\n\n" + self.per_class_table() + "\n\n" + self.confusion_table()
        if self.clinical is not None:
            text += "\n\n" + "\n".join(self.clinical.lines())
        return text

    def markdown(self) -> str:
        """The same table in Markdown."""
        head = ["model", *[COLUMN_TITLES[c] for c in self.columns]]
        lines = [markdown_table(head, [[label, *[number(v) for v in values]] for label, values in self.rows()])]
        if self.is_multiclass:
            lines += ["", "```", self.per_class_table(), "", self.confusion_table(), "```"]
        return "\n".join(lines)

    @property
    def confusion_matrix(self) -> np.ndarray:
        """Counts ``(K, K)`` of a multi-class report: row = true class, column = decided class
        (the decision rule's when the report has :attr:`decisions`, else the arg-max)."""
        from lesionkit.evaluation.stats.metrics import confusion_matrix

        k = len(self.classes)
        scores = self.probabilities if self.decisions is None else np.eye(k)[self.decisions]
        return confusion_matrix(self.y_true, scores, k)

    def per_class(self) -> dict[str, dict[str, float]]:
        """Per class of a multi-class report: images, one-vs-rest ROC AUC, recall, precision."""
        matrix = self.confusion_matrix
        predicted = matrix.sum(axis=0)
        return {
            name: {
                "images": int(matrix[c].sum()),
                "roc_auc": float(self.metrics.get(f"auc_{name}", math.nan)),
                "recall": float(self.metrics.get(f"recall_{name}", math.nan)),
                "precision": float(matrix[c, c] / predicted[c]) if predicted[c] else math.nan,
            }
            for c, name in enumerate(self.classes)
        }

    def per_class_table(self) -> str:
        """Plain-text table: one row per class (images, ROC AUC one vs rest, recall, precision)."""
        head = ["class", "images", "ROC AUC", "recall", "precision"]
        body = [
            [name, str(v["images"]), number(v["roc_auc"]), number(v["recall"]), number(v["precision"])]
            for name, v in self.per_class().items()
        ]
        return text_table(head, body)

    def confusion_table(self) -> str:
        """The confusion matrix as plain text (rows: true class, columns: predicted)."""
        matrix = self.confusion_matrix
        head = ["true \\ predicted", *self.classes]
        body = [[name, *[str(int(n)) for n in matrix[c]]] for c, name in enumerate(self.classes)]
        return text_table(head, body)

    def __str__(self) -> str:
        return self.table()

    @property
    def isic(self) -> dict[str, Any]:
        """The ISIC 2017 official metrics of this task's class (AUC, AP, spec@sens...).

        For a multi-class report, one such set per positive class (``{class: {...}}``).
        """
        from lesionkit.evaluation.stats.metrics import isic_metrics, positive_class_metrics

        if self.is_multiclass:
            return positive_class_metrics(self.y_true, self.probabilities, self.classes, self.positive)
        return isic_metrics(self.y_true, self.probabilities)

    def threshold_for_sensitivity(self, sensitivity: float) -> float:
        """The probability threshold that reaches ``sensitivity`` on this split."""
        from lesionkit.evaluation.stats.metrics import threshold_for_sensitivity

        return threshold_for_sensitivity(self.y_true, self.probabilities, sensitivity)

    def plot_roc(self, path: str | Path) -> Path:
        """ROC curve as a PNG (ISIC sensitivity levels marked)."""
        from lesionkit.evaluation.reports.plots import plot_roc

        return plot_roc(self.y_true, self.probabilities, path, label=self.name, title=f"ROC, {self.task}, {self.label}")

    def plot_precision_recall(self, path: str | Path) -> Path:
        """Precision-recall curve as a PNG."""
        from lesionkit.evaluation.reports.plots import plot_precision_recall

        return plot_precision_recall(self.y_true, self.probabilities, path, label=self.name)

    def plot_metrics(self, path: str | Path) -> Path:
        """Bar chart of the paper's five metrics, ours beside the reference row."""
        from lesionkit.evaluation.reports.plots import plot_metrics_bar

        columns = self.columns
        bars = {self.name: {c: self.metrics[c] for c in columns}}
        if self.reference:
            bars[self.reference_label] = {c: self.reference[c] for c in columns if c in self.reference}
        return plot_metrics_bar(bars, path, metrics=list(columns), title=f"{self.task}, {self.label}")

    def plot_confusion_matrix(self, path: str | Path) -> Path:
        """The confusion matrix of a multi-class report as a PNG."""
        from lesionkit.evaluation.reports.plots import plot_confusion_matrix

        return plot_confusion_matrix(self.confusion_matrix, self.classes, path, title=f"{self.task}, {self.label}")

    def to_dict(self) -> dict[str, Any]:
        """What ``metrics.json`` holds: metrics, the ISIC 2017 set, the reference row and the clinical section."""
        data = {
            "name": self.name,
            "split": self.split,
            "task": self.task,
            "tta": self.tta,
            "metrics": dict(self.metrics),
            "isic2017": self.isic,
            "reference": dict(self.reference) if self.reference else None,
            **(self.clinical.to_dict() if self.clinical is not None else {}),
        }
        if self.is_multiclass:
            data |= {
                "classes": list(self.classes),
                "per_class": self.per_class(),
                "confusion_matrix": self.confusion_matrix.tolist(),
            }
        return data

    def save(self, directory: str | Path) -> Path:
        """Write the report's files (metrics, tables, predictions, plots) into ``directory``.

        :class:`~lesionkit.evaluation.reports.report_files.ReportFiles` owns the files and reads them back.
        """
        from lesionkit.evaluation.reports.report_files import ReportFiles

        return ReportFiles(directory).write(self)
