"""The backbone contract and the preprocessing that travels with weights.

A backbone factory is ``factory(input_shape, weights, **params) -> Backbone``.
The :class:`Backbone` holds the Keras feature extractor, the preprocessing
layer that belongs to its weights, and named stages (``conv1`` ... ``conv5``)
that freeze policies refer to. The preprocessing is part of the assembled
model, so a saved model always gets the input it was trained on: raw RGB pixel
values in 0–255.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)


@attrs.define
class Backbone:
    """A feature extractor with its preprocessing and named stages.

    Attributes:
        model: Keras model from preprocessed images to a feature map or vector.
        preprocess: Keras layer from raw RGB 0–255 to what ``model`` expects.
        stages: stage name → names of the layers of ``model`` in that stage,
            in order from input to output (``conv1`` ... ``conv5`` for ResNets).
        name: registry key it was built from.
        weights: ``None``, ``"imagenet"`` or the weights file it was loaded from.
    """

    model: Any
    preprocess: Any
    stages: Mapping[str, list[str]]
    name: str = ""
    weights: str | None = None
