"""Evaluation reports: metrics of one split, rendered as tables, beside the paper's row."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import numpy as np

if TYPE_CHECKING:
    from lesionkit.evaluation.clinical_report import ClinicalReport

PAPER_COLUMNS = ("accuracy", "recall", "precision", "f1", "roc_auc")
COLUMN_TITLES = {
    "accuracy": "accuracy",
    "recall": "recall",
    "precision": "precision",
    "f1": "F-measure",
    "roc_auc": "ROC AUC",
}


@attrs.frozen(eq=False)
class Report:
    """Metrics of a model on one split, with the predictions they came from.

    Attributes:
        name: experiment name.
        split: the split evaluated.
        task: ``"melanoma"`` or ``"seborrheic_keratosis"``.
        metrics: the paper's five (``accuracy``, ``recall``, ``precision``, ``f1``,
            ``roc_auc``) and the ISIC 2017 set where available.
        y_true: binary labels. probabilities: positive-class probabilities.
        ids: image ids in the same order.
        reference: a published row to print beside ours (e.g. the paper's).
        tta: test-time augmentation views averaged (1 = none).
        clinical: intervals, calibration, operating point and subgroups
            (:mod:`lesionkit.evaluation.clinical_report`); shown by :meth:`table`, saved by :meth:`save`.
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
    clinical: ClinicalReport | None = attrs.field(default=None, repr=False)

    @property
    def label(self) -> str:
        """``"<split>"``, or ``"<split>, TTA ×N"`` with test-time augmentation."""
        return self.split if self.tta <= 1 else f"{self.split}, TTA ×{self.tta}"

    def rows(self) -> list[tuple[str, list[float]]]:
        rows = [(f"{self.name} ({self.label})", [self.metrics.get(c, math.nan) for c in PAPER_COLUMNS])]
        if self.reference:
            rows.append((self.reference_label, [self.reference.get(c, math.nan) for c in PAPER_COLUMNS]))
        return rows

    def table(self) -> str:
        """Plain-text table of the paper's five metrics (and the reference row)."""
        head = ["", *[COLUMN_TITLES[c] for c in PAPER_COLUMNS]]
        body = [[label, *[_fmt(v) for v in values]] for label, values in self.rows()]
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        lines = [
            "  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths)))
            for r in [head, *body]
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if self.clinical is not None:
            lines += ["", *self.clinical.lines()]
        return "\n".join(lines)

    def markdown(self) -> str:
        """The same table in Markdown."""
        head = ["model", *[COLUMN_TITLES[c] for c in PAPER_COLUMNS]]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join([label, *[_fmt(v) for v in values]]) + " |" for label, values in self.rows()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    @property
    def isic(self) -> dict[str, float]:
        """The ISIC 2017 official metrics of this task's class (AUC, AP, spec@sens...)."""
        from lesionkit.evaluation.metrics import isic_metrics

        return isic_metrics(self.y_true, self.probabilities)

    def threshold_for_sensitivity(self, sensitivity: float) -> float:
        """The probability threshold that reaches ``sensitivity`` on this split."""
        from lesionkit.evaluation.metrics import threshold_for_sensitivity

        return threshold_for_sensitivity(self.y_true, self.probabilities, sensitivity)

    def plot_roc(self, path: str | Path) -> Path:
        """ROC curve as a PNG (ISIC sensitivity levels marked)."""
        from lesionkit.evaluation.plots import plot_roc

        return plot_roc(self.y_true, self.probabilities, path, label=self.name, title=f"ROC, {self.task}, {self.label}")

    def plot_precision_recall(self, path: str | Path) -> Path:
        """Precision-recall curve as a PNG."""
        from lesionkit.evaluation.plots import plot_precision_recall

        return plot_precision_recall(self.y_true, self.probabilities, path, label=self.name)

    def plot_metrics(self, path: str | Path) -> Path:
        """Bar chart of the paper's five metrics, ours beside the reference row."""
        from lesionkit.evaluation.plots import plot_metrics_bar

        bars = {self.name: {c: self.metrics[c] for c in PAPER_COLUMNS}}
        if self.reference:
            bars[self.reference_label] = {c: self.reference[c] for c in PAPER_COLUMNS if c in self.reference}
        return plot_metrics_bar(bars, path, metrics=list(PAPER_COLUMNS), title=f"{self.task}, {self.label}")

    def save(self, directory: str | Path) -> Path:
        """Write metrics.json, report.md, predictions.csv and the plots into ``directory``."""
        import json

        from lesionkit.io import atomic_write_text

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
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
        atomic_write_text(out / "metrics.json", json.dumps(data, indent=2, default=float) + "\n")
        clinical = f"\n{self.clinical.markdown()}\n" if self.clinical is not None else ""
        atomic_write_text(
            out / "report.md", f"# {self.name}: {self.task}, {self.label}\n\n{self.markdown()}\n{clinical}"
        )
        rows = ["image_id,label,probability"] + [
            f"{i},{int(y)},{p:.6f}" for i, y, p in zip(self.ids, self.y_true, self.probabilities)
        ]
        atomic_write_text(out / "predictions.csv", "\n".join(rows) + "\n")
        if len(set(np.asarray(self.y_true).tolist())) == 2:
            self.plot_roc(out / "roc.png")
            self.plot_precision_recall(out / "precision_recall.png")
        self.plot_metrics(out / "metrics.png")
        if self.clinical is not None:
            self.clinical.save_plots(out)
        return out


def _fmt(value: float) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4f}"
