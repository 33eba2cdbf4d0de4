"""Built-in backbones: ResNet-50 and ResNet-101 from ``keras.applications``, ResNet-18/34.

Each factory follows the backbone contract ``factory(input_shape, weights, **params) -> Backbone``.
ResNet-50/101 are exactly Keras's own (same layers, same names, same weights files), without
their classification top; ResNet-18/34, which Keras lacks, are built in
:mod:`lesionkit.models.resnet_basic` with Keras's layer names. The
:class:`~lesionkit.models.backbone.Backbone` adds the preprocessing that belongs to the
weights and the stages ``conv1``…``conv5`` that freeze policies name.

Example:
    >>> import lesionkit
    >>> bb = lesionkit.backbones.create("resnet50", input_shape=(64, 64, 3), weights=None)
    >>> sorted(bb.stages), bb.model.output.shape
    (['conv1', 'conv2', 'conv3', 'conv4', 'conv5'], (None, 2, 2, 2048))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from lesionkit.errors import LesionkitError
from lesionkit.models.backbone import Backbone
from lesionkit.models.weights import (
    WeightsError,
    check_preprocessing,
    load_weights_file,
    read_sidecar,
    resolve_imagenet,
)
from lesionkit.registries import backbones

_STAGE = re.compile(r"^(conv[1-5])_")
MIN_SIZE = 32


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


def check_input_shape(name: str, input_shape: Sequence[int], min_size: int = MIN_SIZE) -> tuple[int, int, int]:
    """``input_shape`` as a tuple, or a :class:`BackboneError` saying what is wrong."""
    try:
        shape = tuple(int(d) for d in input_shape)
    except (TypeError, ValueError):
        raise BackboneError(f"{name}: input_shape={input_shape!r} must be (height, width, 3)") from None
    if len(shape) != 3 or shape[-1] != 3 or min(shape[:2]) < min_size:
        raise BackboneError(
            f"{name}: input_shape={shape} must be (height, width, 3) with height and width "
            f">= {min_size} pixels (RGB images)"
        )
    return shape


class BackboneError(LesionkitError, ValueError):
    """A backbone asked for with parameters it cannot take."""


def _resnet(
    name: str,
    constructor: Callable[..., Any],
    input_shape: Sequence[int],
    weights: str | None,
    preprocessing: str | None,
) -> Backbone:
    from lesionkit.models.preprocessing import preprocessing_layer

    shape = check_input_shape(name, input_shape)
    if weights is not None and not isinstance(weights, str):
        weights = str(weights)  # a pathlib.Path
    sidecar = None
    if weights not in (None, "imagenet"):
        sidecar = read_sidecar(weights)
        if sidecar is not None and sidecar.get("backbone") not in (None, name):
            raise WeightsError(
                f"{name}: weights file {weights} was saved from backbone {sidecar['backbone']!r} "
                f"(see {weights}.json); use backbone {sidecar['backbone']!r} or another file"
            )
    preprocess = preprocessing_layer(check_preprocessing(preprocessing, weights, sidecar, name=name))
    keras_weights = resolve_imagenet(name) if weights == "imagenet" else None
    model = constructor(include_top=False, weights=None, input_shape=shape)
    if keras_weights is not None:
        load_weights_file(model, keras_weights, name=f"{name} (ImageNet)")
    elif weights is not None:
        load_weights_file(model, weights, name=name)
    return Backbone(model=model, preprocess=preprocess, stages=resnet_stages(model), name=name, weights=weights)


@backbones.register("resnet50")
def resnet50(
    input_shape: Sequence[int] = (224, 224, 3), weights: str | None = None, preprocessing: str | None = None
) -> Backbone:
    """ResNet-50 (He et al. 2016) in Keras's layout, without its top; 2048 feature channels.

    Args:
        input_shape: (height, width, 3), sides of at least 32 pixels.
        weights: ``None`` (scratch), ``"imagenet"`` (Keras's cache; see
            :func:`lesionkit.models.weights.resolve_imagenet`) or a weights file path.
        preprocessing: only for scratch or an unlabelled file: ``"caffe"`` (default),
            ``"tf"`` or ``"raw"``. ImageNet weights always use ``"caffe"`` and a file saved
            by lesionkit brings its own; asking for another one is an error.

    Raises:
        BackboneError: bad ``input_shape``.
        WeightsError: weights not found, not downloadable, or not fitting.
    """
    import keras

    return _resnet("resnet50", keras.applications.ResNet50, input_shape, weights, preprocessing)


@backbones.register("resnet101")
def resnet101(
    input_shape: Sequence[int] = (224, 224, 3), weights: str | None = None, preprocessing: str | None = None
) -> Backbone:
    """ResNet-101 (He et al. 2016) in Keras's layout, without its top; 2048 feature channels.

    Same arguments as :func:`resnet50`.
    """
    import keras

    return _resnet("resnet101", keras.applications.ResNet101, input_shape, weights, preprocessing)
