"""Evaluation reports: metrics of one split, rendered as tables, beside the paper's row."""

from __future__ import annotations

import math
from typing import Mapping

import attrs
import numpy as np

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

    def rows(self) -> list[tuple[str, list[float]]]:
        rows = [(f"{self.name} ({self.split})", [self.metrics.get(c, math.nan) for c in PAPER_COLUMNS])]
        if self.reference:
            rows.append((self.reference_label, [self.reference.get(c, math.nan) for c in PAPER_COLUMNS]))
        return rows

    def table(self) -> str:
        """Plain-text table of the paper's five metrics (and the reference row)."""
        head = ["", *[COLUMN_TITLES[c] for c in PAPER_COLUMNS]]
        body = [[label, *[_fmt(v) for v in values]] for label, values in self.rows()]
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths))) for r in [head, *body]]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def markdown(self) -> str:
        """The same table in Markdown."""
        head = ["model", *[COLUMN_TITLES[c] for c in PAPER_COLUMNS]]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join([label, *[_fmt(v) for v in values]]) + " |" for label, values in self.rows()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _fmt(value: float) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4f}"
