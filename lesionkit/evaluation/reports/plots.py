"""PNG plots of evaluation results: ROC and precision-recall curves, training curves, metric bars, confusion matrices.

Every function draws on its own matplotlib ``Figure`` rendered by the Agg backend
(no display needed, and the interactive backend of a notebook is left alone),
writes the PNG atomically (a crash never leaves half a file) and returns the path.
matplotlib is imported only when a plot is drawn.

Example:
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "roc.png"
    >>> plot_roc([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], out, label="demo").read_bytes()[:4]
    b'\\x89PNG'
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lesionkit.errors import DataError, DataNotFoundError
from lesionkit.evaluation.reports._plotting import new_figure as _figure
from lesionkit.evaluation.reports._plotting import save_png as _save
from lesionkit.evaluation.stats.calibration import Strategy, calibration_bins
from lesionkit.evaluation.stats.metrics import ISIC_SENSITIVITY_LEVELS, MetricInputError, _as_binary_inputs

if TYPE_CHECKING:
    pass

__all__ = [
    "plot_confusion_matrix",
    "plot_metrics_bar",
    "plot_precision_recall",
    "plot_reliability",
    "plot_roc",
    "plot_training_curves",
]

Scores = Any  # array-like of scores, or {curve label: array-like}


def _curves(y_true: Any, p: Scores, label: str | None) -> list[tuple[str | None, np.ndarray, np.ndarray]]:
    """(label, labels, scores) per curve; ``p`` may map curve labels to score arrays."""
    if isinstance(p, Mapping):
        if not p:
            raise MetricInputError("no curves to plot: the mapping of scores is empty")
        return [(str(name), *_as_binary_inputs(y_true, scores)) for name, scores in p.items()]
    return [(label, *_as_binary_inputs(y_true, p))]


def _need_both_classes(y: np.ndarray, what: str) -> None:
    if y.min() == y.max():
        missing = "positive" if y.max() == 0 else "negative"
        raise MetricInputError(f"cannot draw a {what}: y_true has no {missing}; it needs both classes")


def plot_roc(
    y_true: Any,
    p: Scores,
    path: str | Path,
    label: str | None = None,
    *,
    title: str = "ROC curve",
    mark_sensitivities: Sequence[float] = tuple(ISIC_SENSITIVITY_LEVELS.values()),
) -> Path:
    """Draw the ROC curve(s) of scores ``p`` against 0/1 labels ``y_true`` into a PNG.

    Args:
        y_true: 0/1 labels.
        p: positive-class scores, or ``{label: scores}`` for several curves on one plot.
        path: the PNG to write.
        label: legend label of a single curve (the AUC is appended).
        title: plot title.
        mark_sensitivities: dots at the first ROC point reaching each sensitivity
            (the ISIC 2017 spec@sens points); ``()`` for none.

    Raises:
        MetricInputError: bad inputs or a class absent from ``y_true``.

    Example:
        >>> plot_roc(y, {"ours": p1, "baseline": p0}, "roc.png")  # doctest: +SKIP
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    from lesionkit.evaluation.stats.metrics import specificity_at_sensitivity

    fig = _figure()
    ax = fig.add_subplot()
    for name, y, s in _curves(y_true, p, label):
        _need_both_classes(y, "ROC curve")
        fpr, tpr, _ = roc_curve(y, s)
        auc = roc_auc_score(y, s)
        (line,) = ax.plot(fpr, tpr, lw=2, label=f"{name + ' ' if name else ''}AUC {auc:.3f}")
        for level in mark_sensitivities:
            spec = specificity_at_sensitivity(y, s, level)
            ax.plot([1 - spec], [level], "o", color=line.get_color(), ms=7, mec="white", zorder=3)
    if mark_sensitivities:
        levels = ", ".join(f"{lv:.0%}" for lv in mark_sensitivities)
        ax.plot([], [], "o", color="0.4", ms=7, mec="white", label=f"specificity at sensitivity {levels}")
    ax.plot([0, 1], [0, 1], ls="--", color="0.6", lw=1, label="chance")
    ax.set(
        xlim=(-0.01, 1.01),
        ylim=(-0.01, 1.01),
        xlabel="false positive rate (1 - specificity)",
        ylabel="true positive rate (sensitivity)",
        title=title,
    )
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return _save(fig, path)


def plot_precision_recall(
    y_true: Any,
    p: Scores,
    path: str | Path,
    label: str | None = None,
    *,
    title: str = "Precision-recall curve",
) -> Path:
    """Draw the precision-recall curve(s) into a PNG, average precision in the legend.

    A dashed line marks the prevalence (the precision of a random classifier).
    Arguments as :func:`plot_roc`.

    Example:
        >>> plot_precision_recall(y, p, "pr.png", label="melanoma")  # doctest: +SKIP
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    fig = _figure()
    ax = fig.add_subplot()
    prevalence = None
    for name, y, s in _curves(y_true, p, label):
        _need_both_classes(y, "precision-recall curve")
        precision, recall, _ = precision_recall_curve(y, s)
        ap = average_precision_score(y, s)
        # Step drawing matches how average precision sums the curve.
        ax.step(recall, precision, where="post", lw=2, label=f"{name + ' ' if name else ''}AP {ap:.3f}")
        prevalence = float(y.mean())
    assert prevalence is not None  # _curves yields at least one curve
    ax.axhline(prevalence, ls="--", color="0.6", lw=1, label=f"prevalence {prevalence:.3f}")
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01), xlabel="recall (sensitivity)", ylabel="precision", title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")
    return _save(fig, path)


def _read_history(history: str | Path | Mapping[str, Sequence[float]]) -> dict[str, np.ndarray]:
    if isinstance(history, Mapping):
        columns: dict[str, list[Any]] = {str(k): list(v) for k, v in history.items()}
        source = "history"
    else:
        path = Path(history)
        if not path.is_file():
            raise DataNotFoundError(f"training history {path} does not exist; pass the run's CSV log or a dict")
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = [r for r in csv.reader(fh) if r]
        if len(rows) < 2:
            raise DataError(f"training history {path} has no epochs (expected a header and one row per epoch)")
        header = [h.strip() for h in rows[0]]
        columns = {h: [] for h in header}
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != len(header):
                raise DataError(
                    f"training history {path}, line {line}: {len(row)} fields, the header has {len(header)}"
                )
            for h, v in zip(header, row):
                columns[h].append(v)
        source = str(path)
    out: dict[str, np.ndarray] = {}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise DataError(f"{source}: columns have different lengths {sorted(lengths)}; one value per epoch each")
    for key, values in columns.items():
        try:
            out[key] = np.array([float(v) if v not in ("", None) else math.nan for v in values], dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{source}: column {key!r} holds a value that is not a number ({exc})") from exc
    if not out or not lengths or lengths == {0}:
        raise DataError(f"{source}: no epochs to plot")
    return out


def plot_training_curves(
    history: str | Path | Mapping[str, Sequence[float]],
    path: str | Path,
    *,
    title: str = "Training curves",
) -> Path:
    """Plot each metric of a training history, training and validation side by side.

    Args:
        history: a Keras ``CSVLogger`` file (``epoch,loss,val_loss,...``) or a dict of
            per-epoch lists such as ``keras.callbacks.History.history``.
        path: the PNG to write.
        title: figure title.

    One panel per metric (``loss`` with ``val_loss``, ``accuracy`` with ``val_accuracy``...);
    a learning-rate column (``lr``/``learning_rate``) gets its own log-scale panel.

    Raises:
        DataNotFoundError: the CSV file does not exist.
        DataError: no epochs, ragged columns or non-numeric values.

    Example:
        >>> plot_training_curves({"loss": [0.9, 0.6], "val_loss": [1.0, 0.8]}, "curves.png")  # doctest: +SKIP
    """
    data = _read_history(history)
    epochs = data.pop("epoch", None)
    n = len(next(iter(data.values()))) if data else 0
    if n == 0:
        raise DataError("training history has no metric columns to plot (only 'epoch')")
    # Keras' CSVLogger counts epochs from 0; people count from 1.
    x = epochs + 1 if epochs is not None else np.arange(1, n + 1)
    names = [k for k in data if not k.startswith("val_")]
    names += [k[4:] for k in data if k.startswith("val_") and k[4:] not in data]
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig = _figure(4.2 * cols, 3.3 * rows)
    for i, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, i + 1)
        for key, kind in ((name, "train"), (f"val_{name}", "validation")):
            if key in data:
                ax.plot(x, data[key], marker="o" if n <= 30 else None, ms=3, label=kind)
        if name in ("lr", "learning_rate") and np.all(data[name][np.isfinite(data[name])] > 0):
            ax.set_yscale("log")
        ax.set(title=name, xlabel="epoch")
        ax.grid(alpha=0.3)
        if f"val_{name}" in data:
            ax.legend(fontsize="small")
    fig.suptitle(title)
    return _save(fig, path)


def plot_metrics_bar(
    metrics_by_name: Mapping[str, Mapping[str, float]],
    path: str | Path,
    *,
    metrics: Sequence[str] | None = None,
    title: str = "Metrics",
) -> Path:
    """Grouped bars comparing metric values of several models (e.g. ours vs the paper).

    Args:
        metrics_by_name: ``{model name: {metric: value}}``; missing or nan values leave a gap.
        path: the PNG to write.
        metrics: which metrics, in order (default: every metric, first-seen order).
        title: plot title.

    Raises:
        MetricInputError: nothing to plot, or a value that is not a number.

    Example:
        >>> plot_metrics_bar({"ours": {"accuracy": 0.8, "roc_auc": 0.7},
        ...                   "paper": {"accuracy": 0.73, "roc_auc": 0.63}}, "bars.png")  # doctest: +SKIP
    """
    if not metrics_by_name:
        raise MetricInputError("no models to plot: metrics_by_name is empty")
    if metrics is None:
        metrics = list(dict.fromkeys(k for m in metrics_by_name.values() for k in m))
    if not metrics:
        raise MetricInputError("no metrics to plot: every model's metric dict is empty")
    values = np.full((len(metrics_by_name), len(metrics)), math.nan)
    for i, (name, m) in enumerate(metrics_by_name.items()):
        for j, metric in enumerate(metrics):
            if metric in m and m[metric] is not None:
                try:
                    values[i, j] = float(m[metric])
                except (TypeError, ValueError) as exc:
                    raise MetricInputError(f"{name}: {metric} value {m[metric]!r} is not a number") from exc
    n_models = len(metrics_by_name)
    width = 0.8 / n_models
    fig = _figure(max(6.0, 1.1 * len(metrics) * max(1, n_models / 2)), 4.5)
    ax = fig.add_subplot()
    x = np.arange(len(metrics))
    for i, name in enumerate(metrics_by_name):
        offsets = x - 0.4 + width * (i + 0.5)
        bars = ax.bar(offsets, np.nan_to_num(values[i], nan=0.0), width, label=str(name))
        for bar, v in zip(bars, values[i]):
            if math.isfinite(v):
                ax.annotate(
                    f"{v:.2f}",
                    (bar.get_x() + bar.get_width() / 2, v),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    xytext=(0, 1),
                    textcoords="offset points",
                )
            else:
                bar.set_visible(False)
    # Long or many labels overlap when horizontal.
    crowded = len(metrics) > 5 or sum(len(str(m)) for m in metrics) > 48
    ax.set_xticks(x, [str(m) for m in metrics], rotation=20 if crowded else 0, ha="right" if crowded else "center")
    finite = values[np.isfinite(values)]
    top = max(1.0, float(finite.max()) if finite.size else 1.0)
    ax.set_ylim(min(0.0, float(finite.min()) if finite.size else 0.0), top * 1.1)
    ax.set(title=title, ylabel="value")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)


def plot_confusion_matrix(
    matrix: Any, classes: Sequence[str], path: str | Path, *, title: str = "Confusion matrix"
) -> Path:
    """Heat map of a confusion matrix (rows: true class, columns: predicted), counts written in.

    Colours are each row's share (recall along the diagonal), so rare classes show as
    clearly as common ones.

    Raises:
        MetricInputError: ``matrix`` is not square with one row per class.

    Example:
        >>> plot_confusion_matrix([[5, 1], [2, 3]], ["nevus", "melanoma"], "cm.png")  # doctest: +SKIP
    """
    counts = np.asarray(matrix, dtype=np.int64)
    k = len(classes)
    if counts.shape != (k, k):
        raise MetricInputError(f"confusion matrix has shape {counts.shape} but there are {k} classes")
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = max(4.5, 0.7 * k + 2.5)
    fig = _figure(size + 1.0, size)
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, label="share of the true class")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", color="white" if shares[i, j] > 0.5 else "black")
    names = [str(c) for c in classes]
    ax.set_xticks(range(k), names, rotation=30, ha="right")
    ax.set_yticks(range(k), names)
    ax.set(title=title, xlabel="predicted", ylabel="true")
    return _save(fig, path)


def plot_reliability(
    y_true: Any,
    probs: Any,
    path: str | Path,
    *,
    n_bins: int = 10,
    strategy: Strategy = "equal_width",
    title: str | None = None,
) -> Path:
    """Reliability diagram as a PNG: observed share per bin against mean probability, with the diagonal.

    The bars' heights are the observed shares, drawn over each bin's range; the lower
    panel counts the cases per bin. The title gives the ECE. Written atomically.

    Example:
        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "reliability.png"
        >>> plot_reliability([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9], out).read_bytes()[:4]
        b'\\x89PNG'
    """
    bins = calibration_bins(y_true, probs, n_bins, strategy)
    fig = _figure(5.5, 6.0)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    widths = np.maximum(bins.upper - bins.lower, 0.01)
    full = bins.count > 0
    top.bar(bins.lower[full], bins.observed[full], width=widths[full], align="edge", edgecolor="black", alpha=0.7)
    top.plot(bins.mean_probability[full], bins.observed[full], "o", color="tab:red", label="bin mean")
    top.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    top.set_ylim(0, 1)
    top.set_ylabel("fraction positive" if bins.kind == "binary" else "accuracy")
    top.legend(loc="upper left")
    reading = "positive class" if bins.kind == "binary" else "top label"
    top.set_title(f"{title + ': ' if title else ''}ECE {bins.ece:.3f} ({reading}, {strategy.replace('_', '-')} bins)")
    bottom.bar(bins.lower, bins.count, width=widths, align="edge", edgecolor="black", color="tab:grey")
    bottom.set_xlim(0, 1)
    bottom.set_xlabel("predicted probability" if bins.kind == "binary" else "confidence")
    bottom.set_ylabel("cases")
    return _save(fig, path)
