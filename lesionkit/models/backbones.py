"""Built-in backbones: ResNet-50 and ResNet-101 from ``keras.applications``.

Example:
    >>> import lesionkit
    >>> bb = lesionkit.backbones.create("resnet50", input_shape=(64, 64, 3), weights=None)
    >>> sorted(bb.stages)
    ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']
"""

from __future__ import annotations

import re
from typing import Any, Callable

from lesionkit.models.backbone import Backbone
from lesionkit.models.weights import load_weights_file, resolve_imagenet
from lesionkit.registries import backbones

_STAGE = re.compile(r"^(conv[1-5])_")


def resnet_stages(model: Any) -> dict[str, list[str]]:
    """Group a Keras ResNet's layers into ``conv1``…``conv5`` by their names.

    ``pool1_*`` belongs to ``conv1``; the input layer belongs to no stage.
    """
    stages: dict[str, list[str]] = {f"conv{i}": [] for i in range(1, 6)}
    for layer in model.layers:
        match = _STAGE.match(layer.name)
        if match:
            stages[match.group(1)].append(layer.name)
        elif layer.name.startswith("pool1"):
            stages["conv1"].append(layer.name)
    return stages


def _resnet(
    name: str,
    constructor: Callable[..., Any],
    input_shape: tuple[int, int, int],
    weights: str | None,
) -> Backbone:
    from lesionkit.models.preprocessing import CaffePreprocess

    if len(input_shape) != 3 or input_shape[-1] != 3 or min(input_shape[:2]) < 32:
        raise ValueError(
            f"{name}: input_shape {tuple(input_shape)} must be (height, width, 3) with sides >= 32"
        )
    keras_weights = None
    if weights == "imagenet":
        keras_weights = resolve_imagenet(name)
    model = constructor(include_top=False, weights=keras_weights, input_shape=tuple(input_shape))
    if weights not in (None, "imagenet"):
        load_weights_file(model, weights, name=name)
    return Backbone(
        model=model,
        preprocess=CaffePreprocess(name="caffe_preprocess"),
        stages=resnet_stages(model),
        name=name,
        weights=weights,
    )


@backbones.register("resnet50")
def resnet50(input_shape: tuple[int, int, int] = (224, 224, 3), weights: str | None = None) -> Backbone:
    """ResNet-50 (He et al. 2016), Keras layout; ``weights``: None, "imagenet" or a file.

    ImageNet weights come with Keras "caffe" preprocessing (RGB→BGR, mean
    subtraction), which the assembled model applies itself.
    """
    import keras

    return _resnet("resnet50", keras.applications.ResNet50, input_shape, weights)


@backbones.register("resnet101")
def resnet101(input_shape: tuple[int, int, int] = (224, 224, 3), weights: str | None = None) -> Backbone:
    """ResNet-101 (He et al. 2016), Keras layout; ``weights``: None, "imagenet" or a file."""
    import keras

    return _resnet("resnet101", keras.applications.ResNet101, input_shape, weights)
