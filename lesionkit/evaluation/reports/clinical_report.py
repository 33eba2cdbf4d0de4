"""The clinical part of every report: intervals, calibration, the frozen operating point, subgroups.

:func:`clinical_report` gathers, for one split's labels and probabilities, what a
clinical study cites beside the point estimates:

- stratified-bootstrap 95 % intervals (seeded; :data:`DEFAULT_RESAMPLES` resamples,
  ``bootstrap=0`` turns them off) of ROC AUC, average precision, sensitivity,
  specificity and balanced accuracy, and DeLong's interval of the AUC;
- calibration: ECE with equal-width and equal-mass bins, the Brier score, and which
  temperature (fitted on which split) the probabilities went through;
- sensitivity, specificity, PPV and NPV with Wilson intervals at the run's **frozen**
  operating point (chosen on validation, never re-chosen on the split reported; a split
  it was chosen on gets no operating-point figures). A run without one is reported at
  the default threshold 0.5, and the report says that it was not chosen on data;
- metrics by subgroup for the metadata columns the dataset has (age, sex, site).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 40)
    >>> p = np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, 80), 0.01, 0.99)
    >>> r = clinical_report(y, p, split="test", bootstrap=200)
    >>> r.flat()["roc_auc_ci"][0] < r.intervals["roc_auc"].estimate < r.flat()["roc_auc_ci"][1]
    True
    >>> r.threshold.point.chosen_on
    'default (not chosen on data)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from lesionkit.evaluation.reports.report_files import RELIABILITY, SUBGROUPS
from lesionkit.evaluation.stats.confidence import (
    DEFAULT_LEVEL,
    DEFAULT_RESAMPLES,
    BootstrapResult,
    bootstrap_ci,
)
from lesionkit.evaluation.stats.operating_point import OperatingPoint, ThresholdMetrics, metrics_at_threshold
from lesionkit.evaluation.stats.paired import DeLongAUC, delong_auc
from lesionkit.evaluation.stats.subgroups import SubgroupTable, subgroup_metrics
from lesionkit.evaluation.text import interval as interval_text

__all__ = [
    "AGE_COLUMNS",
    "DEFAULT_THRESHOLD",
    "SUBGROUP_COLUMNS",
    "ClinicalReport",
    "clinical_report",
    "subgroup_columns",
]

#: The threshold of a run without a frozen operating point (the paper's).
DEFAULT_THRESHOLD = 0.5
#: Metadata columns that define patient subgroups, as the datasets name them
#: (ISIC 2017: ``age_approximate``, ``sex``; HAM10000/ISIC 2019: ``age``, ``sex``, ``site``).
SUBGROUP_COLUMNS = ("age_approximate", "age", "sex", "anatom_site_general", "site", "localization")
#: Columns holding an age in years (banded into groups).
AGE_COLUMNS = ("age_approximate", "age")
#: Bins of the expected calibration error.
ECE_BINS = 15


def subgroup_columns(metadata: Mapping[str, Sequence[object]]) -> list[str]:
    """The columns of ``metadata`` that define subgroups and hold at least one value.

    Example:
        >>> subgroup_columns({"sex": ["male", None], "lesion_id": ["a", "b"], "site": [None, None]})
        ['sex']
    """
    return [c for c in SUBGROUP_COLUMNS if c in metadata and any(v is not None for v in metadata[c])]


@attrs.frozen(eq=False)
class ClinicalReport:
    """Intervals, calibration, operating point and subgroups of one split (see the module docs).

    Attributes:
        split: the split reported. n_cases, n_positive: its size and positives.
        intervals: bootstrap intervals (None when off, or when one class is absent).
        delong: DeLong's AUC interval (None for multi-class or one class).
        calibration: ``ece`` (equal-width), ``ece_equal_mass``, ``brier``, ``ece_bins``.
        temperature: the temperature record the probabilities went through (None: raw).
        threshold: metrics at the operating point (None where it was chosen on this split).
        subgroups: metrics by subgroup (None when the split has no subgroup metadata).
        notes: what was left out and why.
    """

    split: str
    n_cases: int
    n_positive: int | None
    intervals: BootstrapResult | None
    delong: DeLongAUC | None
    calibration: Mapping[str, float]
    temperature: Mapping[str, Any] | None
    threshold: ThresholdMetrics | None
    subgroups: SubgroupTable | None
    notes: tuple[str, ...] = ()
    y_true: np.ndarray = attrs.field(default=np.zeros(0), repr=False)
    probabilities: np.ndarray = attrs.field(default=np.zeros(0), repr=False)

    def flat(self) -> dict[str, Any]:
        """``<metric>_ci: [low, high]`` for every bootstrap interval, ``roc_auc_delong_ci``, and the calibration."""
        out: dict[str, Any] = {}
        if self.intervals is not None:
            for name, interval in self.intervals.intervals.items():
                out[f"{name}_ci"] = interval.to_dict(name)[f"{name}_ci"]
            out.update(ci_level=self.intervals.level, n_resamples=self.intervals.n_resamples, seed=self.intervals.seed)
        if self.delong is not None:
            out["roc_auc_delong_ci"] = self.delong.interval.to_dict("x")["x_ci"]
        out.update({k: _json(v) for k, v in self.calibration.items()})
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: intervals (flat), calibration, temperature, operating point, subgroups, notes."""
        return {
            "n_cases": self.n_cases,
            "n_positive": self.n_positive,
            "intervals": self.flat(),
            "bootstrap": self.intervals.to_dict() if self.intervals is not None else None,
            "delong": self.delong.to_dict() if self.delong is not None else None,
            "calibration": {**{k: _json(v) for k, v in self.calibration.items()}, "temperature": self.temperature},
            "operating_point": self.threshold.to_dict() if self.threshold is not None else None,
            "subgroups": self.subgroups.to_dict() if self.subgroups is not None else None,
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        """The report in plain lines (printed under :meth:`Report.table`)."""
        out: list[str] = []
        if self.intervals is not None:
            r = self.intervals
            out.append(
                f"{r.level:.0%} intervals: stratified bootstrap ({r.n_resamples} resamples, seed {r.seed})"
                + (f", thresholded metrics at p > {r.threshold:.4g}" if r.threshold is not None else "")
            )
            for name, interval in r.intervals.items():
                extra = ""
                if name == "roc_auc" and self.delong is not None:
                    extra = f"   DeLong {interval_text(self.delong.interval.low, self.delong.interval.high)}"
                out.append(f"  {name:<18} {interval.text()}{extra}")
        elif self.delong is not None:
            out.append(f"ROC AUC {self.delong.interval.text()} (DeLong)")
        if self.threshold is not None:
            t, point = self.threshold, self.threshold.point
            out.append(
                f"operating point: p > {point.threshold:.4g} ({_describe(point)}); Wilson intervals on {t.split}"
            )
            for name in ("sensitivity", "specificity", "ppv", "npv"):
                out.append(f"  {name:<18} {getattr(t, name).text()}")
        c = self.calibration
        scale = (
            f"temperature {self.temperature['temperature']:.3g} fitted on {self.temperature['chosen_on']} applied"
            if self.temperature
            else "uncalibrated probabilities (no temperature fitted: `lesionkit calibrate RUN`)"
        )
        out.append(
            f"calibration: ECE {c['ece']:.4f} (equal-width, {int(c['ece_bins'])} bins), "
            f"{c['ece_equal_mass']:.4f} (equal-mass), Brier {c['brier']:.4f}; {scale}"
        )
        if self.subgroups is not None:
            flagged = len(self.subgroups.flagged())
            out.append(f"subgroups: {len(self.subgroups.rows) - 1} groups, {flagged} flagged (small or one class)")
        out += [f"note: {n}" for n in self.notes]
        return out

    def markdown(self) -> str:
        """The report as Markdown sections (appended to report.md)."""
        parts = ["## Intervals, operating point and calibration", "", "```", *self.lines(), "```"]
        if self.subgroups is not None:
            parts += ["", "## Subgroups", "", "```", self.subgroups.table(), "```", "", f"![subgroups]({SUBGROUPS})"]
        parts += ["", f"![reliability]({RELIABILITY})"]
        return "\n".join(parts)

    def save_plots(self, reliability: str | Path, subgroups: str | Path) -> list[Path]:
        """The reliability diagram, and (with subgroups) the subgroup plot, at the paths given."""
        from lesionkit.evaluation.reports.plots import plot_reliability

        written = [plot_reliability(self.y_true, self.probabilities, reliability, n_bins=ECE_BINS, title=self.split)]
        if self.subgroups is not None:
            metric = "roc_auc" if "roc_auc" in self.subgroups.metrics else self.subgroups.metrics[0]
            written.append(self.subgroups.plot(subgroups, metric=metric))
        return written


def clinical_report(
    y_true: Any,
    probabilities: Any,
    *,
    split: str,
    metadata: Mapping[str, Sequence[object]] | None = None,
    operating_point: OperatingPoint | None = None,
    temperature: Mapping[str, Any] | None = None,
    bootstrap: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
    subgroup_class: tuple[int, str] | None = None,
    decisions: Any | None = None,
) -> ClinicalReport:
    """The clinical report of ``split`` (labels, probabilities as the model gave them after ``temperature``).

    Args:
        metadata: per-case columns (``Split.metadata``); the :data:`SUBGROUP_COLUMNS` among them give subgroups.
        operating_point: the run's frozen threshold; None: :data:`DEFAULT_THRESHOLD`, said so.
        temperature: the record of the temperature already applied (only reported).
        bootstrap: resamples of the intervals (0 = no bootstrap intervals; DeLong and Wilson stay).
        seed: the bootstrap's seed (the same seed gives the same intervals).
        subgroup_class: for a multi-class task, ``(column, name)`` of the class whose one-vs-rest
            metrics the subgroup table shows (e.g. melanoma); None: no subgroups for multi-class.
        decisions: a multi-class run's decided classes (its decision rule's); None: the arg-max.
    """
    y = np.asarray(y_true)
    p = np.asarray(probabilities, dtype=np.float64)
    multiclass = p.ndim == 2 and p.shape[1] > 2
    notes: list[str] = []
    classes = np.unique(y)
    one_class = len(classes) < 2
    point = operating_point or OperatingPoint(DEFAULT_THRESHOLD, "fixed", "default (not chosen on data)")
    reported_at = point.threshold
    threshold: ThresholdMetrics | None = None
    if not multiclass:
        if point.chosen_on == split:
            notes.append(
                f"the operating point (p > {point.threshold:.4g}) was chosen on {split}: its sensitivity and "
                f"specificity are reported on another split only; thresholded intervals here use p > {DEFAULT_THRESHOLD}"
            )
            reported_at = DEFAULT_THRESHOLD
        else:
            threshold = metrics_at_threshold(y, p, point, split=split, level=level)
    if one_class:
        notes.append(f"{split} holds one class only: no bootstrap or DeLong intervals")
    intervals = None
    if bootstrap > 0 and not one_class:
        intervals = bootstrap_ci(
            y, p, threshold=reported_at, n_resamples=bootstrap, seed=seed, level=level, decisions=decisions
        )
    elif bootstrap <= 0:
        notes.append("bootstrap intervals off (bootstrap=0)")
    delong = None
    if not (multiclass or one_class):
        positives = int(np.sum(y == 1))
        if min(positives, len(y) - positives) < 2:  # DeLong's variance needs two of each class
            notes.append(f"{split} has {positives} positive(s) of {len(y)}: DeLong's interval needs two of each class")
        else:
            delong = delong_auc(y, p, level=level)
    subgroups = None
    columns = subgroup_columns(metadata or {})
    sub_y, sub_p = y, p
    if multiclass and subgroup_class is not None:
        sub_y, sub_p = (y == subgroup_class[0]).astype(int), p[:, subgroup_class[0]]
        notes.append(f"subgroups: {subgroup_class[1]} vs rest, p({subgroup_class[1]}) > {DEFAULT_THRESHOLD}")
    if columns and sub_p.ndim == 1 and len(np.unique(sub_y)) == 2 and metadata is not None:
        age = next((c for c in AGE_COLUMNS if c in columns), None)
        subgroups = subgroup_metrics(
            sub_y,
            sub_p,
            metadata,
            columns=columns,
            age_column=age,
            threshold=reported_at,
            n_resamples=max(bootstrap, 1) if bootstrap > 0 else 200,
            level=level,
            seed=seed,
        )
        if bootstrap <= 0:
            notes.append("subgroup intervals use 200 resamples (bootstrap=0)")
    return ClinicalReport(
        split=split,
        n_cases=len(y),
        n_positive=None if multiclass else int(np.sum(y == 1)),
        intervals=intervals,
        delong=delong,
        calibration=_calibration(y, p),
        temperature=dict(temperature) if temperature else None,
        threshold=threshold,
        subgroups=subgroups,
        notes=tuple(notes),
        y_true=y,
        probabilities=p,
    )


def _calibration(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from lesionkit.evaluation.stats.calibration import brier_score, expected_calibration_error

    return {
        "ece": expected_calibration_error(y, p, n_bins=ECE_BINS),
        "ece_equal_mass": expected_calibration_error(y, p, n_bins=ECE_BINS, strategy="equal_mass"),
        "brier": brier_score(y, p),
        "ece_bins": ECE_BINS,
    }


def _describe(point: OperatingPoint) -> str:
    if point.rule == "sensitivity":
        return f"sensitivity >= {point.target:g} on {point.chosen_on}"
    if point.rule == "youden":
        return f"Youden's J on {point.chosen_on}"
    return f"fixed, {point.chosen_on}"


def _json(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
