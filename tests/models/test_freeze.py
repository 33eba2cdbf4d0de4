"""Freeze policies: the exact trainable layers of ResNet-50/101, and frozen BatchNorm in inference mode."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from lesionkit.models.backbone import Backbone
from lesionkit.models.freeze import POLICIES, FreezePolicyError, apply_freeze_policy, trainable_layer_names

BLOCKS = {"resnet50": (3, 4, 6, 3), "resnet101": (3, 4, 23, 3)}


def _stage_layers(name: str, stage: int) -> list[str]:
    """The weight-holding layer names of conv stage 2–5, written out from the ResNet design."""
    names = []
    for block in range(1, BLOCKS[name][stage - 2] + 1):
        convs = ("0", "1", "2", "3") if block == 1 else ("1", "2", "3")  # block 1 has the shortcut conv
        for conv in convs:
            names += [f"conv{stage}_block{block}_{conv}_conv", f"conv{stage}_block{block}_{conv}_bn"]
    return names


def _expected(name: str, policy: str) -> set[str]:
    conv1 = {"conv1_conv", "conv1_bn"}
    every = conv1 | {n for s in (2, 3, 4, 5) for n in _stage_layers(name, s)}
    return {
        "none": every,
        "conv5": set(_stage_layers(name, 5)),
        "conv4_conv5": set(_stage_layers(name, 4)) | set(_stage_layers(name, 5)),
        "all": set(),
    }[policy]


# Independent of the name patterns above: weight-holding layers counted by hand.
COUNTS = {
    ("resnet50", "conv5"): 20,
    ("resnet50", "conv4_conv5"): 20 + 38,
    ("resnet50", "none"): 106,
    ("resnet101", "conv5"): 20,
    ("resnet101", "conv4_conv5"): 20 + 140,
    ("resnet101", "none"): 208,
}


@pytest.mark.parametrize("name", ["resnet50", "resnet101"])
@pytest.mark.parametrize("policy", list(POLICIES))
def test_exact_trainable_layers(name: str, policy: str, resnets: Any) -> None:
    bb = resnets(name)
    returned = apply_freeze_policy(bb, policy)
    expected = _expected(name, policy)
    assert set(returned) == expected
    assert returned == trainable_layer_names(bb)
    assert len(returned) == COUNTS.get((name, policy), 0)
    actual = {layer.name for layer in bb.model.layers if layer.trainable and layer.weights}
    assert actual == expected
    # Variables agree with layers: conv kernels+biases and BN gamma/beta of exactly these layers train.
    trainable_vars = bb.model.trainable_weights
    owners = {re.sub(r"/.*", "", v.path) for v in trainable_vars}
    assert owners == expected
    per_layer = {"conv": 2, "bn": 2}
    assert len(trainable_vars) == sum(per_layer[n.rsplit("_", 1)[1]] for n in expected)


def test_frozen_batchnorm_stays_in_inference_mode(resnets: Any) -> None:
    bb = resnets("resnet50")
    apply_freeze_policy(bb, "conv5")
    frozen = bb.model.get_layer("conv4_block6_3_bn")
    training = bb.model.get_layer("conv5_block3_3_bn")
    frozen_before = np.array(frozen.moving_mean)
    training_before = np.array(training.moving_mean)
    x = np.random.default_rng(1).normal(size=(4, 32, 32, 3)).astype("float32") * 50
    bb.model(x, training=True)
    np.testing.assert_array_equal(np.array(frozen.moving_mean), frozen_before)
    assert not np.allclose(np.array(training.moving_mean), training_before)
    # Frozen stages give the same activations in training and inference mode.
    import keras

    probe = keras.Model(bb.model.input, bb.model.get_layer("conv4_block6_out").output)
    np.testing.assert_allclose(np.asarray(probe(x, training=True)), np.asarray(probe(x, training=False)), atol=1e-5)


def test_policies_can_be_reapplied(resnets: Any) -> None:
    bb = resnets("resnet50")
    apply_freeze_policy(bb, "all")
    assert bb.model.trainable_weights == []
    apply_freeze_policy(bb, "none")
    assert len(bb.model.trainable_weights) == 2 * 106


def test_unknown_policy_suggests() -> None:
    bb = Backbone(model=None, preprocess=None, stages={}, name="x")
    with pytest.raises(FreezePolicyError, match="Did you mean 'conv5'"):
        apply_freeze_policy(bb, "conv_5")


def test_backbone_without_named_stages(tiny_registered: str) -> None:
    import lesionkit

    bb = lesionkit.backbones.create(tiny_registered, input_shape=(32, 32, 3))
    bb.stages = {"block1": [], "block2": []}
    with pytest.raises(FreezePolicyError, match="has no stage"):
        apply_freeze_policy(bb, "conv4_conv5")
    assert apply_freeze_policy(bb, "none") == ["conv4_conv", "conv4_bn", "conv5_conv"]
