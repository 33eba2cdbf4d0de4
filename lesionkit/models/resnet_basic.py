"""ResNet-18 and ResNet-34: He et al. 2016's basic-block ResNets, in Keras's ResNet layer names.

Keras ships ResNet-50/101/152 (bottleneck blocks) but not the two smaller networks of
He et al., *Deep Residual Learning for Image Recognition*, Table 1: a 7×7/2 stem and a
3×3/2 max-pool, then four stages of *basic* blocks (two 3×3 convolutions each), 64, 128,
256 and 512 channels wide, with [2, 2, 2, 2] (ResNet-18) or [3, 4, 6, 3] (ResNet-34)
blocks; the first convolution of stages 3–5 has stride 2, and a projection shortcut
(1×1 convolution + BatchNorm) is used only where the shape changes (the paper's option B).

Layers are named as in ``keras.applications.ResNet50`` (``conv1_conv``, ``pool1_pool``,
``conv2_block1_1_conv``, ``conv3_block1_0_conv`` for a projection, ``conv5_block2_out``...),
so :func:`lesionkit.models.backbones.resnet_stages` finds ``conv1``…``conv5`` and every
freeze policy applies unchanged. Convolutions carry no bias (each is followed by
BatchNorm, which has its own shift), as in the paper's and torchvision's networks: the
trunk has exactly torchvision's parameter count (11,176,512 for ResNet-18 and 21,284,672
for ResNet-34, i.e. their totals without the 1000-way classifier).

Example:
    >>> bb = resnet_basic("resnet18", (2, 2, 2, 2), input_shape=(32, 32, 3))
    >>> bb.model.output.shape, bb.stages["conv5"][-1]
    ((None, 1, 1, 512), 'conv5_block2_out')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lesionkit.models.backbone import Backbone
from lesionkit.models.backbones import _resnet
from lesionkit.registries import backbones

#: Blocks per stage (conv2…conv5), He et al. 2016 Table 1.
BLOCKS: dict[str, tuple[int, int, int, int]] = {"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3)}
#: Channels of the stages conv2…conv5.
WIDTHS = (64, 128, 256, 512)
# Keras's ResNet50 BatchNorm epsilon, so the two families behave alike.
BN_EPSILON = 1.001e-5


def _conv_bn(x: Any, filters: int, kernel: int, stride: int, name: str) -> Any:
    """Convolution (no bias) + BatchNorm; stride-2 3×3 convolutions pad 1 pixel on every side.

    ``padding="same"`` with stride 2 pads only bottom/right on even inputs; the explicit
    symmetric padding is the paper's (and torchvision's) geometry.
    """
    import keras

    if kernel > 1 and stride > 1:
        x = keras.layers.ZeroPadding2D(kernel // 2, name=f"{name}_pad")(x)
        padding = "valid"
    else:
        padding = "same"
    x = keras.layers.Conv2D(filters, kernel, strides=stride, padding=padding, use_bias=False, name=f"{name}_conv")(x)
    return keras.layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=f"{name}_bn")(x)


def basic_block(x: Any, filters: int, stride: int, name: str) -> Any:
    """One basic residual block: 3×3 → BN → ReLU → 3×3 → BN, plus the shortcut, then ReLU.

    The shortcut is the identity unless the block changes the shape (``stride`` > 1 or a
    different channel count), where it is a 1×1 convolution + BatchNorm (``{name}_0_*``).
    """
    import keras

    if stride != 1 or x.shape[-1] != filters:
        shortcut = _conv_bn(x, filters, 1, stride, f"{name}_0")
    else:
        shortcut = x
    y = _conv_bn(x, filters, 3, stride, f"{name}_1")
    y = keras.layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = _conv_bn(y, filters, 3, 1, f"{name}_2")
    y = keras.layers.Add(name=f"{name}_add")([shortcut, y])
    return keras.layers.Activation("relu", name=f"{name}_out")(y)


def build_resnet_basic(name: str, blocks: Sequence[int], input_shape: Sequence[int]) -> Any:
    """The Keras model (no top) of a basic-block ResNet with ``blocks`` blocks per stage.

    Args:
        name: model name (``"resnet18"``, ``"resnet34"``).
        blocks: blocks of the stages conv2…conv5.
        input_shape: (height, width, 3).
    """
    import keras

    inputs = keras.Input(tuple(input_shape), name="input_layer")
    x = keras.layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = keras.layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = keras.layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name="conv1_bn")(x)
    x = keras.layers.Activation("relu", name="conv1_relu")(x)
    x = keras.layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (count, filters) in enumerate(zip(blocks, WIDTHS), start=2):
        for block in range(1, count + 1):
            stride = 2 if block == 1 and stage > 2 else 1
            x = basic_block(x, filters, stride, name=f"conv{stage}_block{block}")
    return keras.Model(inputs, x, name=name)


def resnet_basic(
    name: str,
    blocks: Sequence[int],
    input_shape: Sequence[int] = (224, 224, 3),
    weights: str | None = None,
    preprocessing: str | None = None,
) -> Backbone:
    """A :class:`~lesionkit.models.backbone.Backbone` around :func:`build_resnet_basic`.

    Takes ``weights`` and ``preprocessing`` as the ResNet-50 factory does, except that no
    ImageNet weights exist for these networks in Keras: ``weights="imagenet"`` raises a
    :class:`~lesionkit.models.weights.WeightsError` saying so.

    Raises:
        BackboneError: bad ``input_shape``.
        WeightsError: ``"imagenet"``, or a weights file that is missing or does not fit.
    """
    from lesionkit.models.weights import WeightsError

    if weights == "imagenet":
        raise WeightsError(
            f"{name}: no ImageNet weights exist for this backbone (Keras ships none for "
            f"ResNet-18/34, and lesionkit does not convert others'). Use weights=None to train "
            f"from scratch, a weights file saved from {name}, or backbone 'resnet50' with "
            f"weights='imagenet'."
        )

    def constructor(include_top: bool, weights: None, input_shape: Sequence[int]) -> Any:
        return build_resnet_basic(name, blocks, input_shape)

    return _resnet(name, constructor, input_shape, weights, preprocessing)


@backbones.register("resnet18")
def resnet18(
    input_shape: Sequence[int] = (224, 224, 3), weights: str | None = None, preprocessing: str | None = None
) -> Backbone:
    """ResNet-18 (He et al. 2016, basic blocks [2, 2, 2, 2]) in Keras's layer names; 512 feature channels.

    Same arguments as :func:`resnet50`, but no ImageNet weights exist: ``weights`` is ``None``
    (scratch) or a weights file. See :mod:`lesionkit.models.resnet_basic`.
    """
    return resnet_basic("resnet18", BLOCKS["resnet18"], input_shape, weights, preprocessing)


@backbones.register("resnet34")
def resnet34(
    input_shape: Sequence[int] = (224, 224, 3), weights: str | None = None, preprocessing: str | None = None
) -> Backbone:
    """ResNet-34 (He et al. 2016, basic blocks [3, 4, 6, 3]) in Keras's layer names; 512 feature channels.

    Same arguments as :func:`resnet18`.
    """
    return resnet_basic("resnet34", BLOCKS["resnet34"], input_shape, weights, preprocessing)
