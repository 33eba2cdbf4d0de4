"""Losses against hand-computed values; one-hot and single-column labels agree."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lesionkit
from lesionkit.training.optimization.losses import (
    FocalLoss,
    LossError,
    WeightedCategoricalCrossentropy,
    positive_weight_from,
)

Y_TRUE = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], "float32")
Y_PRED = np.array([[0.8, 0.2], [0.4, 0.6], [0.9, 0.1]], "float32")


def _value(loss: object, y_true: np.ndarray = Y_TRUE, y_pred: np.ndarray = Y_PRED) -> float:
    return float(loss(y_true, y_pred))  # type: ignore[operator]


def test_weighted_crossentropy_hand_computed() -> None:
    loss = lesionkit.losses.create("weighted_categorical_crossentropy", positive_weight=4.0)
    expected = (-math.log(0.8) - 4 * math.log(0.6) - 4 * math.log(0.1)) / 3
    assert _value(loss) == pytest.approx(expected, rel=1e-5)


def test_weight_from_class_counts() -> None:
    loss = lesionkit.losses.create("weighted_categorical_crossentropy", class_counts=(2744, 1122))
    assert loss.positive_weight == pytest.approx(2744 / 1122)
    expected = (-math.log(0.8) - (2744 / 1122) * (math.log(0.6) + math.log(0.1))) / 3
    assert _value(loss) == pytest.approx(expected, rel=1e-5)
    assert positive_weight_from("auto", None) == 1.0
    assert positive_weight_from("auto", (10, 0)) == 1.0
    assert positive_weight_from(2, (10, 5)) == 2.0  # an explicit weight wins over counts


def test_plain_crossentropy_matches_keras() -> None:
    loss = lesionkit.losses.create("crossentropy")
    assert _value(loss) == pytest.approx(float(keras.losses.CategoricalCrossentropy()(Y_TRUE, Y_PRED)), rel=1e-5)


@pytest.mark.parametrize("smoothing", [0.1, 0.3])
def test_label_smoothing_matches_keras(smoothing: float) -> None:
    three_true = np.eye(3, dtype="float32")[[0, 2, 1]]
    three_pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.25, 0.25]], "float32")
    theirs = keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)
    for name in ("crossentropy", "weighted_categorical_crossentropy"):
        ours = lesionkit.losses.create(name, label_smoothing=smoothing)
        assert _value(ours, three_true, three_pred) == pytest.approx(float(theirs(three_true, three_pred)), rel=1e-5)
    restored = WeightedCategoricalCrossentropy.from_config(ours.get_config())
    assert restored.label_smoothing == smoothing


@pytest.mark.parametrize("bad", [-0.1, 1.0, "0.1", True])
def test_label_smoothing_out_of_range_is_refused(bad: object) -> None:
    with pytest.raises(LossError, match="label_smoothing"):
        lesionkit.losses.create("crossentropy", label_smoothing=bad)


def test_focal_hand_computed() -> None:
    loss = lesionkit.losses.create("focal", gamma=2.0, alpha=0.25)
    expected = (-0.75 * 0.2**2 * math.log(0.8) - 0.25 * 0.4**2 * math.log(0.6) - 0.25 * 0.9**2 * math.log(0.1)) / 3
    assert _value(loss) == pytest.approx(expected, rel=1e-5)


def test_focal_matches_keras_binary_focal() -> None:
    y_true = Y_TRUE[:, 1:]
    y_pred = Y_PRED[:, 1:]
    ours = lesionkit.losses.create("focal", gamma=1.5, alpha=0.3)
    theirs = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5)
    assert _value(ours, y_true, y_pred) == pytest.approx(float(theirs(y_true, y_pred)), rel=1e-5)


def test_focal_without_focus_is_crossentropy() -> None:
    assert _value(lesionkit.losses.create("focal", gamma=0.0, alpha=None)) == pytest.approx(
        _value(lesionkit.losses.create("crossentropy")), rel=1e-6
    )


@pytest.mark.parametrize("name", ["weighted_categorical_crossentropy", "crossentropy", "focal"])
def test_single_column_labels_equal_one_hot(name: str) -> None:
    loss = lesionkit.losses.create(name)
    one_hot = _value(loss)
    column = _value(loss, Y_TRUE[:, 1:], Y_PRED[:, 1:])
    flat = _value(loss, Y_TRUE[:, 1], Y_PRED[:, 1:])
    assert column == pytest.approx(one_hot, rel=1e-6)
    assert flat == pytest.approx(one_hot, rel=1e-6)


def test_certain_mistakes_stay_finite() -> None:
    loss = lesionkit.losses.create("weighted_categorical_crossentropy", positive_weight=2.0)
    value = _value(loss, np.array([[0.0, 1.0]], "float32"), np.array([[1.0, 0.0]], "float32"))
    assert math.isfinite(value) and value == pytest.approx(-2 * math.log(1e-7), rel=1e-3)


@pytest.mark.parametrize("loss", [WeightedCategoricalCrossentropy(2.5), FocalLoss(gamma=1.0, alpha=0.4)])
def test_losses_serialise(loss: keras.losses.Loss) -> None:
    clone = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(clone) is type(loss) and clone.get_config() == loss.get_config()
    assert _value(clone) == pytest.approx(_value(loss))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("weighted_categorical_crossentropy", {"positive_weight": 0}),
        ("weighted_categorical_crossentropy", {"positive_weight": "heavy"}),
        ("weighted_categorical_crossentropy", {"positive_weight": 2.0, "class_counts": (1, 2, 3)}),
        ("weighted_categorical_crossentropy", {"class_weights": (1.0, 2.0), "class_counts": (1, 2, 3)}),
        ("weighted_categorical_crossentropy", {"class_weights": "inverse_frequency", "class_counts": (4, 0, 3)}),
        ("weighted_categorical_crossentropy", {"class_weights": "balanced"}),
        ("focal", {"alpha": 0.4, "class_counts": (1, 2, 3)}),
        ("focal", {"alpha": (0.5, -1.0)}),
        ("focal", {"gamma": -1.0}),
        ("focal", {"alpha": 1.0}),
    ],
)
def test_bad_parameters(name: str, params: dict) -> None:
    with pytest.raises(LossError):
        lesionkit.losses.create(name, **params)


@settings(max_examples=25, deadline=None)
@given(
    p=st.floats(0.01, 0.99),
    w=st.floats(0.1, 10.0),
    positive=st.booleans(),
)
def test_weight_scales_only_positive_examples(p: float, w: float, positive: bool) -> None:
    y_true = np.array([[0.0, 1.0] if positive else [1.0, 0.0]], "float32")
    y_pred = np.array([[1 - p, p]], "float32")
    weighted = _value(WeightedCategoricalCrossentropy(w), y_true, y_pred)
    plain = _value(WeightedCategoricalCrossentropy(1.0), y_true, y_pred)
    assert weighted == pytest.approx(plain * (w if positive else 1.0), rel=1e-4, abs=1e-6)


Y3_TRUE = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], "float32")
Y3_PRED = np.array([[0.7, 0.2, 0.1], [0.3, 0.5, 0.2], [0.6, 0.3, 0.1]], "float32")


def test_per_class_weights_hand_computed() -> None:
    weights = (0.5, 2.0, 3.0)
    loss = lesionkit.losses.create("weighted_categorical_crossentropy", class_weights=weights)
    expected = -(0.5 * math.log(0.7) + 2.0 * math.log(0.5) + 3.0 * math.log(0.1)) / 3
    assert _value(loss, Y3_TRUE, Y3_PRED) == pytest.approx(expected, rel=1e-5)
    # Counts injected per class give inverse-frequency weights n / (K n_c).
    auto = lesionkit.losses.create("weighted_categorical_crossentropy", class_counts=(60, 30, 10))
    assert auto.class_weights == pytest.approx((100 / 180, 100 / 90, 100 / 30))
    # Equal weights are plain categorical cross-entropy.
    plain = lesionkit.losses.create("weighted_categorical_crossentropy", class_weights=(1, 1, 1))
    keras_value = float(keras.losses.CategoricalCrossentropy()(Y3_TRUE, Y3_PRED))
    assert _value(plain, Y3_TRUE, Y3_PRED) == pytest.approx(keras_value, rel=1e-5)
    with pytest.raises(ValueError, match="class_weights has 3 entries but the model outputs 2"):
        _value(loss)


def test_focal_per_class_alpha_hand_computed() -> None:
    loss = lesionkit.losses.create("focal", gamma=2.0, alpha=(0.2, 0.3, 0.5))
    expected = -sum(a * (1 - p) ** 2 * math.log(p) for a, p in [(0.2, 0.7), (0.3, 0.5), (0.5, 0.1)]) / 3
    assert _value(loss, Y3_TRUE, Y3_PRED) == pytest.approx(expected, rel=1e-5)
    # The binary default alpha means "no weighting" on a multi-class task.
    default = lesionkit.losses.create("focal", class_counts=(5, 3, 2))
    assert default.alpha is None
    inverse = lesionkit.losses.create("focal", alpha="inverse_frequency", class_counts=(5, 3, 2))
    assert inverse.alpha == pytest.approx((10 / 15, 10 / 9, 10 / 6))
    restored = FocalLoss.from_config(loss.get_config())
    assert _value(restored, Y3_TRUE, Y3_PRED) == pytest.approx(expected, rel=1e-5)
