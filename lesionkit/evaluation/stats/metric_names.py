"""The one table of metric names: the key reports and ``metrics.json`` use, its title, and its Keras log key.

Training logs a metric under a Keras key (``auc``, ``val_balanced_accuracy``...), reports and run
summaries name it by its key (``roc_auc``, ``balanced_accuracy``...) and print its title. They all
look the names up here, so the same number has one name everywhere (the multi-class macro
one-vs-rest AUC is ``macro_auc`` in training, reports and intervals alike).

Example:
    >>> METRIC_NAMES["roc_auc"].title, keras_key("roc_auc"), monitor_key("balanced_accuracy", validation=True)
    ('ROC AUC', 'auc', 'val_balanced_accuracy')
    >>> title("f1")
    'F-measure'
"""

from __future__ import annotations

import attrs

__all__ = ["METRIC_NAMES", "MetricName", "keras_key", "monitor_key", "title"]


@attrs.frozen
class MetricName:
    """One metric's names.

    Attributes:
        key: the name in reports, ``metrics.json``, intervals and run summaries.
        title: the heading of its table column.
        keras: the key training logs it under (``val_`` + it on validation); None: not logged in training.
    """

    key: str
    title: str
    keras: str | None = None


METRIC_NAMES: dict[str, MetricName] = {
    m.key: m
    for m in (
        MetricName("accuracy", "accuracy"),
        MetricName("recall", "recall"),
        MetricName("precision", "precision"),
        MetricName("f1", "F-measure"),
        MetricName("roc_auc", "ROC AUC", "auc"),
        MetricName("average_precision", "average precision"),
        MetricName("sensitivity", "sensitivity"),
        MetricName("specificity", "specificity"),
        MetricName("balanced_accuracy", "balanced accuracy", "balanced_accuracy"),
        # A run that decides with a decision rule reports its decisions' figures under the plain
        # keys, and the arg-max's beside them under these.
        MetricName("argmax_accuracy", "accuracy (arg-max)"),
        MetricName("argmax_balanced_accuracy", "balanced accuracy (arg-max)"),
        MetricName("macro_auc", "macro AUC", "macro_auc"),
        MetricName("mean_auc", "mean AUC", "mean_auc"),
    )
}


def title(key: str) -> str:
    """The table heading of metric ``key`` (the key itself for a metric the table does not know)."""
    known = METRIC_NAMES.get(key)
    return known.title if known else key


def keras_key(key: str) -> str | None:
    """The Keras log key training reports metric ``key`` under, or None where training does not log it."""
    known = METRIC_NAMES.get(key)
    return known.keras if known else None


def monitor_key(key: str, *, validation: bool) -> str:
    """The Keras log key that tracks metric ``key`` during training (``val_`` on the validation split).

    Raises:
        KeyError: training does not log ``key``.
    """
    keras = keras_key(key)
    if keras is None:
        raise KeyError(
            f"training does not log {key!r}; it logs {sorted(m.key for m in METRIC_NAMES.values() if m.keras)}"
        )
    return f"val_{keras}" if validation else keras
