"""Heads: output shapes, float32 outputs under mixed precision, parameter errors."""

from __future__ import annotations

import numpy as np
import pytest

import lesionkit
from lesionkit.models.heads import HeadError
from lesionkit.runtime.precision import precision_policy


@pytest.mark.parametrize(
    ("name", "params", "outputs"),
    [
        ("softmax", {}, 2),
        ("sigmoid", {}, 1),
        ("dense_dropout", {"units": 4, "dropout": 0.2}, 2),
        ("softmax", {"pooling": "max"}, 2),
    ],
)
@pytest.mark.parametrize("precision", ["float32", "mixed_float16", "mixed_bfloat16"])
def test_heads_give_float32_probabilities(name: str, params: dict, outputs: int, precision: str) -> None:
    import keras

    with precision_policy(precision):
        head = lesionkit.heads.create(name, num_classes=2, **params)
        inputs = keras.Input((2, 2, 8))
        model = keras.Model(inputs, head(inputs))
    assert head.num_outputs == outputs
    assert model.output.shape[-1] == outputs
    assert model.get_layer("probabilities").compute_dtype == "float32"
    x = np.random.default_rng(0).normal(size=(3, 2, 2, 8)).astype("float32")
    y = np.asarray(model(x))
    assert y.dtype == np.float32 and y.shape == (3, outputs)
    assert np.all((y >= 0) & (y <= 1))
    if outputs == 2:
        np.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-5)


def test_head_on_a_feature_vector() -> None:
    import keras

    head = lesionkit.heads.create("softmax", num_classes=3)
    inputs = keras.Input((16,))
    assert keras.Model(inputs, head(inputs)).output.shape[-1] == 3


def test_dense_dropout_drops_only_in_training() -> None:
    import keras

    head = lesionkit.heads.create("dense_dropout", units=32, dropout=0.9)
    inputs = keras.Input((8,))
    model = keras.Model(inputs, head(inputs))
    x = np.ones((2, 8), "float32")
    np.testing.assert_allclose(np.asarray(model(x)), np.asarray(model(x)))
    assert not np.allclose(np.asarray(model(x, training=True)), np.asarray(model(x)))


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("softmax", {"num_classes": 1}, "num_classes"),
        ("softmax", {"pooling": "mean"}, "pooling"),
        ("sigmoid", {"num_classes": 3}, "two classes"),
        ("dense_dropout", {"dropout": 1.0}, "dropout"),
        ("dense_dropout", {"units": 0}, "units"),
    ],
)
def test_bad_head_parameters(name: str, params: dict, match: str) -> None:
    with pytest.raises(HeadError, match=match):
        lesionkit.heads.create(name, **params)
