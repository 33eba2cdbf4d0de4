"""Metrics by subgroup (age band, sex, anatomic site...) from per-image metadata, with counts and CIs.

A model can do well overall and badly on the few images of, say, patients over 75 or
lesions on the palms and soles. :func:`subgroup_metrics` splits the cases by each
metadata column, and reports for every group its size, its positives and each
metric with a stratified bootstrap interval (:func:`lesionkit.evaluation.stats.confidence.bootstrap_ci`).
Groups that are too small (fewer than ``min_size`` cases, 30 by default) or that lack
positives or negatives are kept in the table, flagged, so nobody reads a number from
12 images as a finding; a metric a group cannot define (ROC AUC without positives)
is nan. Missing values form their own group, ``"unknown"``.

A percentile interval of a share that is 0 or 1 within a group is degenerate (the
resamples cannot vary what never happened); at a frozen threshold,
:func:`lesionkit.evaluation.stats.operating_point.metrics_at_threshold` on the group's cases
gives Wilson intervals instead.

Age (column ``age_approximate`` by default) is banded: ``<30``, ``30-44``, ``45-59``,
``60-74``, ``>=75``.

Example:
    >>> [age_band(a) for a in (12, 30, 44.9, 59, 74, 75, None)]
    ['<30', '30-44', '30-44', '45-59', '60-74', '>=75', 'unknown']
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 80)
    >>> p = np.clip(0.4 * y + 0.6 * rng.random(80), 0, 1)
    >>> t = subgroup_metrics(y, p, {"sex": ["male", "female"] * 40}, n_resamples=100)
    >>> [(r.group, r.n, r.flag) for r in t.rows]
    [('all', 80, None), ('female', 40, None), ('male', 40, None)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from lesionkit.errors import DataError
from lesionkit.evaluation.reports._plotting import new_figure, save_png
from lesionkit.evaluation.stats.confidence import (
    DEFAULT_LEVEL,
    DEFAULT_RESAMPLES,
    Interval,
    _binary_metric_fns,
    _check_level,
    _check_resamples,
    _percentile,
    resample_counts,
)
from lesionkit.evaluation.stats.metrics import MetricInputError, _as_binary_inputs
from lesionkit.evaluation.text import text_table

__all__ = [
    "AGE_BANDS",
    "DEFAULT_MIN_SIZE",
    "UNKNOWN",
    "SubgroupRow",
    "SubgroupTable",
    "age_band",
    "subgroup_metrics",
]

#: Age bands, youngest first (years; each lower bound inclusive).
AGE_BANDS = ("<30", "30-44", "45-59", "60-74", ">=75")
_AGE_EDGES = (30.0, 45.0, 60.0, 75.0)
#: The group of images whose value is missing.
UNKNOWN = "unknown"
#: Groups smaller than this are flagged.
DEFAULT_MIN_SIZE = 30
DEFAULT_METRICS = ("roc_auc", "sensitivity", "specificity")
# Which class a metric needs: both, positives only (sensitivity), negatives only (specificity).
_NEEDS = {"sensitivity": "positive", "specificity": "negative"}


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in ("", "unknown", "nan", "na")


def age_band(age: object) -> str:
    """The age band of ``age`` in years; ``"unknown"`` for a missing, non-numeric or negative age."""
    if _missing(age):
        return UNKNOWN
    try:
        years = float(age)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return UNKNOWN
    if not math.isfinite(years) or years < 0:
        return UNKNOWN
    return AGE_BANDS[int(np.searchsorted(_AGE_EDGES, years, side="right"))]


@attrs.frozen
class SubgroupRow:
    """One group's size and metrics.

    Attributes:
        column: the metadata column (``"all"`` for the whole set). group: its value.
        n: cases. positives: positive cases.
        metrics: metric name -> :class:`Interval` (nan where the group cannot define it).
        flag: why not to trust it (``"n=12 < 30"``, ``"no positives"``...), or None.
    """

    column: str
    group: str
    n: int
    positives: int
    metrics: Mapping[str, Interval]
    flag: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: column, group, n, positives, flag and each metric with its ``_ci``."""
        out: dict[str, Any] = {"column": self.column, "group": self.group, "n": self.n, "positives": self.positives}
        for name, interval in self.metrics.items():
            out.update(interval.to_dict(name))
        out["flag"] = self.flag
        return out


@attrs.frozen
class SubgroupTable:
    """Metrics of every group of every column, the whole set first.

    Attributes:
        rows: ``"all"`` first, then each column's groups (age bands in order, others
            alphabetically, ``"unknown"`` last).
        metrics: the metric names. threshold: of sensitivity/specificity (score > threshold).
        min_size, level, n_resamples: as passed to :func:`subgroup_metrics`.
    """

    rows: tuple[SubgroupRow, ...]
    metrics: tuple[str, ...]
    threshold: float
    min_size: int
    level: float
    n_resamples: int

    def flagged(self) -> list[SubgroupRow]:
        """The rows with a flag."""
        return [r for r in self.rows if r.flag]

    def table(self) -> str:
        """A plain-text table: one row per group, each metric as ``estimate (low-high)``, flags last."""
        header = ["column", "group", "n", "positives", *self.metrics, "flag"]
        body = [
            [
                r.column,
                r.group,
                str(r.n),
                str(r.positives),
                *(r.metrics[m].text(3) for m in self.metrics),
                r.flag or "",
            ]
            for r in self.rows
        ]
        lines = text_table(header, body, left=len(header), rule=False)
        note = (
            f"{round(self.level * 100)} % stratified bootstrap intervals ({self.n_resamples} resamples); "
            f"sensitivity/specificity at score > {self.threshold:g}; flagged: fewer than {self.min_size} cases "
            "or a class absent"
        )
        return "\n".join([lines, "", note])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the rows and the settings."""
        return {
            "rows": [r.to_dict() for r in self.rows],
            "threshold": self.threshold,
            "min_size": self.min_size,
            "ci_level": self.level,
            "ci_method": "stratified percentile bootstrap",
            "n_resamples": self.n_resamples,
        }

    def plot(self, path: str | Path, metric: str = "roc_auc") -> Path:
        """Bar chart PNG of ``metric`` per group with CI error bars; flagged groups hatched and pale.

        Example:
            >>> import tempfile, pathlib
            >>> t = subgroup_metrics([0, 1] * 20, [0.2, 0.7] * 20, {"sex": ["f"] * 40}, n_resamples=20)
            >>> t.plot(pathlib.Path(tempfile.mkdtemp()) / "by_sex.png").suffix
            '.png'
        """
        if metric not in self.metrics:
            raise MetricInputError(f"metric {metric!r} is not in this table; it has {list(self.metrics)}")
        rows = self.rows
        est = np.array([r.metrics[metric].estimate for r in rows])
        low = np.array([r.metrics[metric].low for r in rows])
        high = np.array([r.metrics[metric].high for r in rows])
        x = np.arange(len(rows))
        fig = new_figure(max(6.0, 0.45 * len(rows) + 2.0), 4.5)
        ax = fig.subplots()
        colours = ["tab:grey" if r.flag else "tab:blue" for r in rows]
        heights = np.nan_to_num(est, nan=0.0)
        bars = ax.bar(x, heights, color=colours, alpha=0.8, edgecolor="black")
        for bar, row in zip(bars, rows):
            if row.flag:
                bar.set_hatch("//")
        ok = np.isfinite(low) & np.isfinite(est)
        ax.errorbar(x[ok], est[ok], yerr=[est[ok] - low[ok], high[ok] - est[ok]], fmt="none", ecolor="black", capsize=3)
        for xi in x[~np.isfinite(est)]:
            ax.text(xi, 0.02, "n/a", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(
            x, [f"{r.group}\n(n={r.n})" if r.column == "all" else f"{r.column}: {r.group}\n(n={r.n})" for r in rows]
        )
        ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(metric)
        ax.set_title(f"{metric} by subgroup, {round(self.level * 100)} % CI (hatched: flagged)")
        return save_png(fig, path)


def _group_labels(column: str, values: Sequence[object], age_column: str | None) -> list[str]:
    if column == age_column:
        return [age_band(v) for v in values]
    return [UNKNOWN if _missing(v) else str(v).strip() for v in values]


def _ordered(column: str, labels: Sequence[str], age_column: str | None) -> list[str]:
    present = set(labels)
    if column == age_column:
        known = [b for b in AGE_BANDS if b in present]
    else:
        known = sorted(present - {UNKNOWN})
    return known + ([UNKNOWN] if UNKNOWN in present else [])


def _group_metrics(
    y: np.ndarray, s: np.ndarray, metrics: Sequence[str], threshold: float, n_resamples: int, level: float, seed: int
) -> dict[str, Interval]:
    """Bootstrap intervals of the metrics this group can define; nan for the others."""
    has = {"positive": bool(np.any(y == 1)), "negative": bool(np.any(y == 0))}
    fns = _binary_metric_fns(y, s, threshold)
    weights = resample_counts(y, n_resamples, np.random.default_rng(seed))
    ones = np.ones((1, len(y)))
    method = "stratified percentile bootstrap"
    out = {}
    for name in metrics:
        needs = [_NEEDS[name]] if name in _NEEDS else ["positive", "negative"]
        if all(has[c] for c in needs):
            out[name] = _percentile(float(fns[name](ones)[0]), fns[name](weights), level, method)
        else:
            out[name] = Interval(math.nan, math.nan, math.nan, level, method)
    return out


def _flag(n: int, positives: int, min_size: int) -> str | None:
    reasons = []
    if n < min_size:
        reasons.append(f"n={n} < {min_size}")
    if positives == 0:
        reasons.append("no positives")
    if positives == n:
        reasons.append("no negatives")
    return "; ".join(reasons) or None


def subgroup_metrics(
    y_true: Any,
    scores: Any,
    metadata: Mapping[str, Sequence[object]],
    *,
    columns: Sequence[str] | None = None,
    age_column: str | None = "age_approximate",
    metrics: Sequence[str] = DEFAULT_METRICS,
    threshold: float = 0.5,
    min_size: int = DEFAULT_MIN_SIZE,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> SubgroupTable:
    """Metrics of a binary task for every group of every metadata column.

    Args:
        y_true: 0/1 labels. scores: positive-class probabilities.
        metadata: column name -> one value per case, in the same order (e.g.
            ``Split.metadata``: ``age_approximate``, ``sex``, ``anatom_site_general``).
        columns: which columns to use (default: all, in the mapping's order).
        age_column: the column to band into age groups (None: no banding).
        metrics: any of :data:`lesionkit.evaluation.stats.confidence.BINARY_METRICS`.
        threshold: sensitivity/specificity count score > threshold as positive
            (use an :class:`~lesionkit.evaluation.stats.operating_point.OperatingPoint`'s threshold).
        min_size: groups with fewer cases are flagged.

    Raises:
        DataError: a requested column that is missing or has the wrong length.
        MetricInputError: bad labels/scores, an unknown metric, a bad level.
    """
    y, s = _as_binary_inputs(y_true, scores)
    level = _check_level(level)
    n_resamples = _check_resamples(n_resamples)
    known = _binary_metric_fns(y[:0], s[:0], threshold)
    unknown = [m for m in metrics if m not in known]
    if unknown or not metrics:
        raise MetricInputError(f"unknown metric(s) {unknown!r}; choose from {sorted(known)}")
    names = list(metadata) if columns is None else list(columns)
    missing = [c for c in names if c not in metadata]
    if missing:
        raise DataError(f"metadata has no column(s) {missing}; it has {sorted(metadata)}")
    for column in names:
        if len(metadata[column]) != len(y):
            raise DataError(
                f"metadata column {column!r} has {len(metadata[column])} values for {len(y)} cases; "
                "give one value per case, in the order of the scores"
            )

    def row(column: str, group: str, members: np.ndarray) -> SubgroupRow:
        yg, sg = y[members], s[members]
        n, positives = len(yg), int(yg.sum())
        values = _group_metrics(yg, sg, metrics, float(threshold), n_resamples, level, seed)
        return SubgroupRow(column, group, n, positives, values, _flag(n, positives, min_size))

    rows = [row("all", "all", np.arange(len(y)))]
    for column in names:
        labels = _group_labels(column, metadata[column], age_column)
        label_array = np.array(labels, dtype=object)
        for group in _ordered(column, labels, age_column):
            rows.append(row(column, group, np.flatnonzero(label_array == group)))
    return SubgroupTable(tuple(rows), tuple(metrics), float(threshold), int(min_size), level, n_resamples)
