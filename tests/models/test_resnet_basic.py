"""ResNet-18/34: He et al.'s architecture (stages, blocks, shortcuts, parameters), freezing, weights files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lesionkit
from lesionkit.errors import LesionkitError
from lesionkit.models.backbones import BackboneError
from lesionkit.models.freeze import POLICIES, apply_freeze_policy, trainable_layer_names
from lesionkit.models.weights import WeightsError, save_backbone_weights

NAMES = ["resnet18", "resnet34"]
SIZE = 32
# He et al. 2016 Table 1: blocks per stage conv2..conv5 and their widths.
TABLE1 = {"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3)}
WIDTHS = (64, 128, 256, 512)
# torchvision.models.resnet18/34 (same architecture, bias-free convolutions) have
# 11,689,512 / 21,797,672 parameters including the 1000-way classifier (512 * 1000 + 1000):
TORCHVISION_TRUNK = {"resnet18": 11_689_512 - 513_000, "resnet34": 21_797_672 - 513_000}
# Weight-holding layers, counted by hand: conv1 = conv + bn; a block = 2 × (conv + bn),
# plus a projection (conv + bn) in the first block of conv3..conv5.
LAYERS = {
    ("resnet18", "conv5"): 10,
    ("resnet18", "conv4_conv5"): 20,
    ("resnet18", "none"): 2 + 8 + 10 + 10 + 10,
    ("resnet34", "conv5"): 14,
    ("resnet34", "conv4_conv5"): 14 + 26,
    ("resnet34", "none"): 2 + 12 + 18 + 26 + 14,
}


def _images(n: int = 2, size: int = SIZE, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (n, size, size, 3)).astype("float32")


def _he_parameters(blocks: tuple[int, ...]) -> tuple[int, int]:
    """(trainable, BatchNorm moving statistics) of the trunk, from the paper's description alone."""
    trainable = 7 * 7 * 3 * 64 + 2 * 64  # stem conv (no bias) + BN gamma/beta
    bn_channels = 64
    channels_in = 64
    for count, width in zip(blocks, WIDTHS):
        for block in range(count):
            c_in = channels_in if block == 0 else width
            trainable += 3 * 3 * c_in * width + 3 * 3 * width * width + 2 * (2 * width)
            bn_channels += 2 * width
            if c_in != width:  # projection shortcut: 1×1 conv + BN
                trainable += c_in * width + 2 * width
                bn_channels += width
        channels_in = width
    return trainable, 2 * bn_channels


@pytest.fixture(scope="module", params=NAMES)
def named(request: pytest.FixtureRequest, resnets: Any) -> tuple[str, Any]:
    return request.param, resnets(request.param)


def test_registered_beside_resnet50() -> None:
    assert {"resnet18", "resnet34", "resnet50", "resnet101"} <= set(lesionkit.backbones.names("resnet*"))
    assert "no ImageNet weights" in lesionkit.backbones.describe("resnet18")


def test_stages_blocks_and_shape(named: tuple[str, Any]) -> None:
    name, bb = named
    assert bb.name == name and bb.weights is None
    assert tuple(bb.model.output.shape) == (None, 1, 1, 512)
    assert list(bb.stages) == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    staged = {layer for layers in bb.stages.values() for layer in layers}
    assert [layer.name for layer in bb.model.layers if layer.name not in staged] == [bb.model.layers[0].name]
    for stage, expected in zip(range(2, 6), TABLE1[name]):
        outs = [n for n in bb.stages[f"conv{stage}"] if re.fullmatch(rf"conv{stage}_block\d+_out", n)]
        assert outs == [f"conv{stage}_block{b}_out" for b in range(1, expected + 1)]
        assert bb.model.get_layer(outs[-1]).output.shape[-1] == WIDTHS[stage - 2]
    assert bb.stages["conv1"] == ["conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad", "pool1_pool"]
    # Basic blocks: two 3×3 convolutions each, no bottleneck 1×1 (``_3_conv``).
    kernels = {layer.name: layer.kernel_size for layer in bb.model.layers if layer.name.endswith("_conv")}
    assert kernels.pop("conv1_conv") == (7, 7)
    assert {n for n, k in kernels.items() if k == (1, 1)} == {f"conv{s}_block1_0_conv" for s in (3, 4, 5)}
    assert all(k == (3, 3) for n, k in kernels.items() if not n.endswith("_0_conv"))


def test_projection_shortcuts_only_where_the_shape_changes(named: tuple[str, Any]) -> None:
    _, bb = named
    projections = sorted(layer.name for layer in bb.model.layers if re.search(r"_0_conv$", layer.name))
    assert projections == ["conv3_block1_0_conv", "conv4_block1_0_conv", "conv5_block1_0_conv"]
    strided = sorted(layer.name for layer in bb.model.layers if getattr(layer, "strides", (1, 1)) == (2, 2))
    # The stem, the max-pool, and the first 3×3 conv and projection of conv3..conv5.
    expected = ["conv1_conv", "pool1_pool"] + [f"conv{s}_block1_{i}_conv" for s in (3, 4, 5) for i in (0, 1)]
    assert strided == sorted(expected)


def test_parameter_counts_match_he_et_al_and_torchvision(named: tuple[str, Any]) -> None:
    name, bb = named
    apply_freeze_policy(bb, "none")
    trainable = sum(int(np.prod(w.shape)) for w in bb.model.trainable_weights)
    moving = sum(int(np.prod(w.shape)) for w in bb.model.non_trainable_weights)
    exact = {"resnet18": (11_176_512, 9_600), "resnet34": (21_284_672, 17_024)}[name]
    assert (trainable, moving) == exact
    assert (trainable, moving) == _he_parameters(TABLE1[name])
    assert trainable == TORCHVISION_TRUNK[name]
    assert bb.model.count_params() == trainable + moving


def test_downsampling_geometry_at_224_px() -> None:
    """He et al. Table 1 output sizes: 112 (conv1), 56 (conv2), 28, 14, 7 (conv5); padding symmetric."""
    from lesionkit.models.resnet_basic import build_resnet_basic

    model = build_resnet_basic("resnet18", TABLE1["resnet18"], (224, 224, 3))
    sizes = [model.get_layer(n).output.shape[1] for n in ("conv1_relu", "conv2_block2_out", "conv3_block2_out")]
    sizes += [model.get_layer(n).output.shape[1] for n in ("conv4_block2_out", "conv5_block2_out")]
    assert sizes == [112, 56, 28, 14, 7]
    assert model.get_layer("conv3_block1_1_pad").padding == ((1, 1), (1, 1))


@pytest.mark.parametrize("policy", list(POLICIES))
def test_freeze_policies_apply(named: tuple[str, Any], policy: str) -> None:
    name, bb = named
    returned = apply_freeze_policy(bb, policy)
    assert returned == trainable_layer_names(bb)
    assert len(returned) == LAYERS.get((name, policy), 0)
    keep = {"none": ("conv1", "conv2", "conv3", "conv4", "conv5"), "conv5": ("conv5",)}
    keep.update({"conv4_conv5": ("conv4", "conv5"), "all": ()})
    expected = [
        layer.name
        for layer in bb.model.layers
        if layer.weights and any(layer.name.startswith(f"{s}_") for s in keep[policy])
    ]
    assert returned == expected
    owners = {re.sub(r"/.*", "", v.path) for v in bb.model.trainable_weights}
    assert owners == set(expected)


def test_frozen_stages_keep_batchnorm_statistics(resnets: Any) -> None:
    bb = resnets("resnet18")
    apply_freeze_policy(bb, "conv5")
    frozen, training = bb.model.get_layer("conv4_block2_2_bn"), bb.model.get_layer("conv5_block2_2_bn")
    frozen_before, training_before = np.array(frozen.moving_mean), np.array(training.moving_mean)
    bb.model(bb.preprocess(_images(4)), training=True)
    np.testing.assert_array_equal(np.array(frozen.moving_mean), frozen_before)
    assert not np.allclose(np.array(training.moving_mean), training_before)


@pytest.mark.parametrize("preprocessing", ["caffe", "tf", "raw"])
def test_weights_file_roundtrip_reproduces_outputs(
    named: tuple[str, Any], preprocessing: str, tmp_path: Path, resnets: Any
) -> None:
    name, _ = named
    bb = lesionkit.backbones.create(name, input_shape=(SIZE, SIZE, 3), weights=None, preprocessing=preprocessing)
    x = _images()
    bb.model(bb.preprocess(x), training=True)  # move the BatchNorm statistics away from their initial values
    path = save_backbone_weights(bb, tmp_path / f"{name}.weights.h5")
    loaded = lesionkit.backbones.create(name, input_shape=(SIZE, SIZE, 3), weights=str(path))
    assert loaded.weights == str(path)
    assert loaded.preprocess.preprocessing == preprocessing  # brought back by the file's sidecar
    expected = np.asarray(bb.model(bb.preprocess(x), training=False))
    assert np.abs(expected).max() > 0
    np.testing.assert_allclose(np.asarray(loaded.model(loaded.preprocess(x), training=False)), expected, atol=1e-6)


def test_file_from_the_other_network_is_refused(resnets: Any, tmp_path: Path) -> None:
    path = save_backbone_weights(resnets("resnet18"), tmp_path / "r18.weights.h5")
    with pytest.raises(WeightsError, match="saved from backbone 'resnet18'"):
        lesionkit.backbones.create("resnet34", input_shape=(SIZE, SIZE, 3), weights=str(path))
    bare = tmp_path / "bare.weights.h5"
    bare.write_bytes(path.read_bytes())  # no sidecar: the variable check refuses it
    with pytest.raises(WeightsError, match="does not fit this backbone"):
        lesionkit.backbones.create("resnet34", input_shape=(SIZE, SIZE, 3), weights=str(bare))


@pytest.mark.parametrize("name", NAMES)
def test_imagenet_is_refused_with_what_to_do(name: str) -> None:
    with pytest.raises(WeightsError, match=r"no ImageNet weights exist.*weights=None"):
        lesionkit.backbones.create(name, input_shape=(SIZE, SIZE, 3), weights="imagenet")


def test_bad_input_and_preprocessing() -> None:
    with pytest.raises(BackboneError, match="input_shape"):
        lesionkit.backbones.create("resnet18", input_shape=(16, 16, 3), weights=None)
    with pytest.raises(LesionkitError, match="'caffe'"):
        lesionkit.backbones.create("resnet34", input_shape=(SIZE, SIZE, 3), weights=None, preprocessing="bgr")


def test_trains_inside_a_classifier(resnets: Any) -> None:
    """One SGD step through the assembled classifier changes the weights and gives a finite loss."""
    import keras

    from lesionkit.models.assemble import build_classifier

    bb = resnets("resnet18")
    apply_freeze_policy(bb, "none")
    model = build_classifier(bb, lesionkit.heads.create("softmax"), image_size=SIZE)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy")
    before = np.array(bb.model.get_layer("conv1_conv").kernel)
    loss = model.train_on_batch(_images(4), np.eye(2, dtype="float32")[[0, 1, 0, 1]])
    assert np.isfinite(loss)
    assert not np.allclose(np.array(bb.model.get_layer("conv1_conv").kernel), before)
