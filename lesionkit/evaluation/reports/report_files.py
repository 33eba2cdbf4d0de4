"""The files of one report folder, written and read back by one class: :class:`ReportFiles`.

A report folder (``RUN/reports/<folder>/``, or ``--out`` of an ensemble) holds::

    metrics.json          every figure of the report (metrics, ISIC 2017 set, intervals, calibration,
                          operating point, subgroups); read back as a :class:`SavedReport`
    report.md             the tables in Markdown
    predictions.csv       image_id,label,probability (binary) or image_id,label,<class>... (multi-class);
                          read back as :class:`Predictions`
    roc.png, precision_recall.png, metrics.png, confusion_matrix.png, reliability.png,
    subgroups.png, gradcam_errors.png

No other module spells these names: the model card, ``lesionkit runs`` and ``lesionkit compare``
read through :class:`ReportFiles`.

Example:
    >>> import tempfile
    >>> import numpy as np
    >>> from lesionkit.evaluation.reports.report import Report
    >>> from lesionkit.evaluation.stats.metrics import binary_metrics
    >>> y, p = np.array([0, 1, 1, 0]), np.array([0.2, 0.9, 0.4, 0.6])
    >>> report = Report("demo", "test", "melanoma", binary_metrics(y, p), y, p, ids=("a", "b", "c", "d"))
    >>> files = ReportFiles(tempfile.mkdtemp())
    >>> _ = files.write(report)
    >>> files.read().value("roc_auc"), files.read_predictions().ids
    (0.75, ('a', 'b', 'c', 'd'))
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs
import numpy as np

from lesionkit.errors import DataError
from lesionkit.io import atomic_write_text
from lesionkit.runs import RunDir
from lesionkit.runs.report_folders import ReportFolder

if TYPE_CHECKING:
    from lesionkit.evaluation.reports.report import Report

__all__ = ["Predictions", "ReportFiles", "SavedReport", "read_predictions"]

METRICS = "metrics.json"
MARKDOWN = "report.md"
PREDICTIONS = "predictions.csv"
ROC = "roc.png"
PRECISION_RECALL = "precision_recall.png"
METRICS_BAR = "metrics.png"
CONFUSION_MATRIX = "confusion_matrix.png"
RELIABILITY = "reliability.png"
SUBGROUPS = "subgroups.png"
ERROR_GALLERY = "gradcam_errors.png"


class Predictions(NamedTuple):
    """One binary report's predictions: image ids, 0/1 labels, positive-class probabilities, and where from."""

    ids: tuple[str, ...]
    labels: np.ndarray
    probabilities: np.ndarray
    source: str


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _optional_int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@attrs.frozen
class SavedReport:
    """What a report's ``metrics.json`` holds, as read back (missing sections are empty).

    Attributes:
        folder: the report folder's name (``test-tta8``...).
        name, split, task, tta: the experiment, split, task and test-time views of the report.
        metrics: the headline metrics (``roc_auc``... or the multi-class set).
        isic2017: the ISIC 2017 official set (binary).
        intervals: ``<metric>_ci`` pairs, ``roc_auc_delong_ci``, ``ci_level``, ``n_resamples``.
        bootstrap: the bootstrap estimates; calibration: ECE, Brier, the temperature record.
        operating_point: metrics at the frozen threshold (empty: none).
        subgroups: the subgroup table (None: the split had no subgroup metadata).
        n_cases, n_positive: the split's size and positives.
    """

    folder: str
    name: str
    split: str
    task: str
    tta: int
    metrics: Mapping[str, Any]
    isic2017: Mapping[str, Any]
    intervals: Mapping[str, Any]
    bootstrap: Mapping[str, Any]
    calibration: Mapping[str, Any]
    operating_point: Mapping[str, Any]
    subgroups: Mapping[str, Any] | None
    n_cases: int | None
    n_positive: int | None

    @classmethod
    def from_dict(cls, folder: str, data: Mapping[str, Any]) -> SavedReport:
        """The record of a ``metrics.json`` object (sections an older report lacks are left empty)."""
        return cls(
            folder=folder,
            name=str(data.get("name", "?")),
            split=str(data.get("split", ReportFolder.parse(folder).split)),
            task=str(data.get("task", "?")),
            tta=int(data.get("tta", 1) or 1),
            metrics=_mapping(data.get("metrics")),
            isic2017=_mapping(data.get("isic2017")),
            intervals=_mapping(data.get("intervals")),
            bootstrap=_mapping(data.get("bootstrap")),
            calibration=_mapping(data.get("calibration")),
            operating_point=_mapping(data.get("operating_point")),
            subgroups=data.get("subgroups") if isinstance(data.get("subgroups"), Mapping) else None,
            n_cases=_optional_int(data.get("n_cases")),
            n_positive=_optional_int(data.get("n_positive")),
        )

    def value(self, metric: str) -> float:
        """A headline metric as a float (``nan`` where the report has none)."""
        value = self.metrics.get(metric)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan

    def interval(self, metric: str) -> tuple[float, float] | None:
        """The bootstrap interval ``(low, high)`` of ``metric`` (``roc_auc_delong`` for DeLong's), or None."""
        pair = self.intervals.get(f"{metric}_ci")
        if isinstance(pair, (list, tuple)) and len(pair) == 2 and None not in pair:
            return float(pair[0]), float(pair[1])
        return None


class ReportFiles:
    """Reads and writes the files of one report folder (see the module docs).

    Args:
        directory: the report folder (need not exist before :meth:`write`).
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"ReportFiles({str(self.directory)!r})"

    @classmethod
    def of_run(cls, run: RunDir, folder: str | ReportFolder) -> ReportFiles:
        """The report folder ``folder`` of ``run`` (``reports/<folder>/``)."""
        return cls(run.report_dir(folder))

    @classmethod
    def in_run(cls, run: RunDir) -> dict[str, ReportFiles]:
        """``{folder name: ReportFiles}`` of every report folder ``run`` holds, sorted by name."""
        return {name: cls.of_run(run, name) for name in run.report_folders()}

    @property
    def folder(self) -> ReportFolder:
        """The folder's name, parsed (split, TTA views, external-data prefix)."""
        return ReportFolder.parse(self.directory.name)

    @property
    def metrics_file(self) -> Path:
        return self.directory / METRICS

    @property
    def predictions_file(self) -> Path:
        return self.directory / PREDICTIONS

    @property
    def markdown_file(self) -> Path:
        return self.directory / MARKDOWN

    @property
    def error_gallery_file(self) -> Path:
        """``gradcam_errors.png``: the Grad-CAM overlays of a test report's most confident errors."""
        return self.directory / ERROR_GALLERY

    # -- writing ---------------------------------------------------------------------------------

    def write(self, report: Report) -> Path:
        """Write ``report``'s metrics.json, report.md, predictions.csv and plots; return the folder."""
        out = self.directory
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.metrics_file, json.dumps(report.to_dict(), indent=2, default=float) + "\n")
        clinical = f"\n{report.clinical.markdown()}\n" if report.clinical is not None else ""
        title = f"# {report.name}: {report.task}, {report.label}"
        atomic_write_text(self.markdown_file, f"{title}\n\n{report.markdown()}\n{clinical}")
        atomic_write_text(self.predictions_file, _predictions_csv(report))
        if report.is_multiclass:
            report.plot_confusion_matrix(out / CONFUSION_MATRIX)
        elif len(set(np.asarray(report.y_true).tolist())) == 2:
            report.plot_roc(out / ROC)
            report.plot_precision_recall(out / PRECISION_RECALL)
        report.plot_metrics(out / METRICS_BAR)
        if report.clinical is not None:
            report.clinical.save_plots(out / RELIABILITY, out / SUBGROUPS)
        return out

    # -- reading ---------------------------------------------------------------------------------

    def read(self) -> SavedReport | None:
        """``metrics.json`` as a :class:`SavedReport`; None when missing or unreadable (listings go on)."""
        try:
            data = json.loads(self.metrics_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return SavedReport.from_dict(self.directory.name, data) if isinstance(data, Mapping) else None

    def read_predictions(self) -> Predictions:
        """``predictions.csv`` of a binary report (see :func:`read_predictions`)."""
        return read_predictions(self.predictions_file)


def read_predictions(path: str | Path) -> Predictions:
    """A binary report's predictions file (``image_id,label,probability``), wherever it was copied.

    Raises:
        DataError: the file is missing, lacks those columns, or has a row that does not parse (named).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist")
    ids: list[str] = []
    labels: list[int] = []
    probs: list[float] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("image_id", "label", "probability") if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path}: no column(s) {missing}; expected image_id,label,probability (a binary report)")
        for line, row in enumerate(reader, start=2):
            try:
                ids.append(row["image_id"])
                labels.append(int(row["label"]))
                probs.append(float(row["probability"]))
            except (TypeError, ValueError):
                raise DataError(f"{path}, line {line}: {row!r} does not parse; evaluate the run again") from None
    return Predictions(tuple(ids), np.asarray(labels), np.asarray(probs), str(path))


def _predictions_csv(report: Report) -> str:
    if report.is_multiclass:
        rows = ["image_id,label," + ",".join(report.classes)] + [
            f"{i},{int(y)}," + ",".join(f"{v:.6f}" for v in p)
            for i, y, p in zip(report.ids, report.y_true, report.probabilities)
        ]
    else:
        rows = ["image_id,label,probability"] + [
            f"{i},{int(y)},{p:.6f}" for i, y, p in zip(report.ids, report.y_true, report.probabilities)
        ]
    return "\n".join(rows) + "\n"
