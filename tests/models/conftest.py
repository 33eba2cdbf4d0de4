"""Fixtures for the models tests: a tiny plugin-style backbone and shared ResNets."""

from __future__ import annotations

from typing import Any

import pytest

import lesionkit
from lesionkit.models.backbone import Backbone

TINY = "tiny_test_backbone"


def tiny_backbone(input_shape: Any = (32, 32, 3), weights: str | None = None, width: int = 8) -> Backbone:
    """A two-stage conv net following the backbone contract, for fast runtime tests."""
    import keras

    from lesionkit.models.preprocessing import preprocessing_layer

    inputs = keras.Input(tuple(input_shape))
    x = keras.layers.Conv2D(width, 3, strides=2, padding="same", name="conv4_conv")(inputs)
    x = keras.layers.BatchNormalization(name="conv4_bn")(x)
    x = keras.layers.ReLU(name="conv4_relu")(x)
    x = keras.layers.Conv2D(width, 3, strides=2, padding="same", name="conv5_conv")(x)
    x = keras.layers.ReLU(name="conv5_relu")(x)
    model = keras.Model(inputs, x, name="tiny")
    stages = {"conv4": ["conv4_conv", "conv4_bn", "conv4_relu"], "conv5": ["conv5_conv", "conv5_relu"]}
    return Backbone(model=model, preprocess=preprocessing_layer("tf"), stages=stages, name=TINY, weights=weights)


@pytest.fixture(scope="session")
def tiny_registered() -> str:
    """Register the tiny backbone (as a plugin would) and return its name."""
    lesionkit.backbones.register(TINY, tiny_backbone)
    return TINY


_RESNETS: dict[str, Any] = {}


def resnet(name: str) -> Any:
    """A 32-px randomly initialised ResNet backbone, built once per test session.

    Tests that change its trainability must set the policy they need first.
    """
    if name not in _RESNETS:
        _RESNETS[name] = lesionkit.backbones.create(name, input_shape=(32, 32, 3), weights=None)
    return _RESNETS[name]


@pytest.fixture(scope="session")
def resnets() -> Any:
    """:func:`resnet` as a fixture: ``resnets("resnet50")``."""
    return resnet
