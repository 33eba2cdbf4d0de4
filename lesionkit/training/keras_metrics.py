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
