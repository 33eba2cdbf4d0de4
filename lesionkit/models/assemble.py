"""Assembling a classifier: raw pixels → backbone preprocessing → backbone → head."""

from __future__ import annotations

from typing import Any

from lesionkit.models.backbone import Backbone


def build_classifier(backbone: Backbone, head: Any, *, image_size: int, name: str = "lesion_classifier") -> Any:
    """A Keras model taking float RGB 0–255 images of ``image_size`` pixels.

    The preprocessing layer is part of the model, so saving and loading it
    keeps the input convention attached to the weights.
    """
    import keras

    inputs = keras.Input((image_size, image_size, 3), name="image", dtype="float32")
    x = backbone.preprocess(inputs)
    x = backbone.model(x)
    outputs = head(x)
    return keras.Model(inputs, outputs, name=name)
