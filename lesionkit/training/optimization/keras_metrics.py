"""Keras metrics tracked during training (imports Keras; loaded lazily by the Trainer)."""

from __future__ import annotations

from typing import Any

import keras


@keras.saving.register_keras_serializable(package="lesionkit")
class PositiveAUC(keras.metrics.AUC):
    """ROC AUC of the positive-class column, for 1-output (sigmoid) and 2-output (softmax) heads.

    Keras's own AUC would pool both one-hot columns into one curve.
    """

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        return super().update_state(y_true[:, -1:], y_pred[:, -1:], sample_weight)


@keras.saving.register_keras_serializable(package="lesionkit")
class OneVsRestAUC(keras.metrics.AUC):
    """Mean one-vs-rest ROC AUC over ``columns`` of a softmax output (labels one-hot).

    Over every column it is the macro AUC; over ISIC 2017's melanoma and seborrheic
    keratosis columns it is that challenge's ``mean_auc``. Each column's curve is Keras's
    (interpolated over ``num_thresholds``), as :class:`PositiveAUC`'s is.
    """

    def __init__(self, columns: tuple[int, ...] | list[int], name: str = "macro_auc", **kwargs: Any) -> None:
        kwargs.pop("multi_label", None)
        kwargs.pop("num_labels", None)
        self.columns = tuple(int(c) for c in columns)
        super().__init__(name=name, multi_label=True, num_labels=len(self.columns), **kwargs)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        ops = keras.ops
        index = list(self.columns)
        return super().update_state(ops.take(y_true, index, axis=-1), ops.take(y_pred, index, axis=-1), sample_weight)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("multi_label", None)
        config.pop("num_labels", None)
        return {**config, "columns": list(self.columns)}


@keras.saving.register_keras_serializable(package="lesionkit")
class BalancedAccuracy(keras.metrics.Metric):
    """Mean per-class recall of the arg-max class (ISIC 2018's balanced multiclass accuracy).

    Accumulates the confusion matrix; classes absent from the labels seen so far are
    left out of the mean (as scikit-learn's ``balanced_accuracy_score`` does).
    """

    def __init__(self, num_classes: int, name: str = "balanced_accuracy", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.num_classes = int(num_classes)
        self.confusion = self.add_variable(
            shape=(self.num_classes, self.num_classes), initializer="zeros", dtype="float32", name="confusion"
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        ops = keras.ops
        truth = ops.one_hot(ops.argmax(y_true, axis=-1), self.num_classes, dtype="float32")
        guess = ops.one_hot(ops.argmax(y_pred, axis=-1), self.num_classes, dtype="float32")
        if sample_weight is not None:
            truth = truth * ops.reshape(ops.cast(sample_weight, "float32"), (-1, 1))
        self.confusion.assign_add(ops.matmul(ops.transpose(truth), guess))

    def result(self) -> Any:
        ops = keras.ops
        rows = ops.sum(self.confusion, axis=1)
        present = ops.cast(rows > 0, "float32")
        recall = ops.diagonal(self.confusion) / ops.maximum(rows, 1.0)
        return ops.sum(recall * present) / ops.maximum(ops.sum(present), 1.0)

    def reset_state(self) -> None:
        self.confusion.assign(keras.ops.zeros_like(self.confusion))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_classes": self.num_classes}


def task_metrics(task: Any) -> list[Any]:
    """The metrics training logs for ``task``: ``auc`` for a binary task; else macro AUC,
    balanced accuracy and, where the task names positive classes, their ``mean_auc``."""
    if task.is_binary:
        return [PositiveAUC(name="auc")]
    metrics = [
        OneVsRestAUC(tuple(range(task.num_classes)), name="macro_auc"),
        BalancedAccuracy(task.num_classes, name="balanced_accuracy"),
    ]
    if task.positive:
        metrics.append(OneVsRestAUC(task.positive_indices, name="mean_auc"))
    return metrics
