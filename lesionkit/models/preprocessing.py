"""Input preprocessing layers, saved inside models so weights and inputs never mismatch.

Each named preprocessing maps raw RGB pixel values in 0–255 to what a backbone's
weights were trained on. The name travels with the weights (ImageNet weights
always get ``"caffe"``; a weights file saved by lesionkit records its own), so a
model can never be fed with the wrong one.

Example:
    >>> import numpy as np
    >>> layer = preprocessing_layer("caffe")
    >>> [round(float(v), 3) for v in layer(np.zeros((1, 1, 3), "float32"))[0, 0]]
    [-103.939, -116.779, -123.68]
"""

from __future__ import annotations

from typing import Any

import keras

from lesionkit.errors import LesionkitError
from lesionkit.models.backbone import IMAGENET_BGR_MEAN

#: Known preprocessings, with what each does.
PREPROCESSINGS: dict[str, str] = {
    "caffe": "RGB→BGR, subtract the ImageNet BGR mean (Keras ResNet ImageNet weights)",
    "tf": "scale 0–255 to −1…1",
    "raw": "pixel values 0–255 as they are",
}


class PreprocessingError(LesionkitError, ValueError):
    """An unknown preprocessing name."""


@keras.saving.register_keras_serializable(package="lesionkit")
class CaffePreprocess(keras.layers.Layer):
    """Keras ResNet "caffe" preprocessing: RGB→BGR, subtract the ImageNet mean.

    Input: float or uint8 RGB in 0–255. This is what ImageNet-trained Keras
    ResNet weights expect (``keras.applications.resnet.preprocess_input``).
    It runs in float32 under every precision policy: the mean subtraction of
    0–255 values loses digits in float16.
    """

    preprocessing = "caffe"

    def __init__(self, **kwargs: Any) -> None:
        kwargs["dtype"] = "float32"
        super().__init__(**kwargs)

    def call(self, inputs: Any) -> Any:
        x = keras.ops.cast(inputs, "float32")
        x = keras.ops.flip(x, axis=-1)
        return x - keras.ops.convert_to_tensor(IMAGENET_BGR_MEAN, dtype="float32")


@keras.saving.register_keras_serializable(package="lesionkit")
class ScalePreprocess(keras.layers.Layer):
    """Inception-style ("tf") preprocessing: ``x / 127.5 − 1``, values in −1…1."""

    preprocessing = "tf"

    def __init__(self, **kwargs: Any) -> None:
        kwargs["dtype"] = "float32"
        super().__init__(**kwargs)

    def call(self, inputs: Any) -> Any:
        return keras.ops.cast(inputs, "float32") / 127.5 - 1.0


@keras.saving.register_keras_serializable(package="lesionkit")
class RawPreprocess(keras.layers.Layer):
    """No change but a cast to float32: the network sees pixel values 0–255."""

    preprocessing = "raw"

    def __init__(self, **kwargs: Any) -> None:
        kwargs["dtype"] = "float32"
        super().__init__(**kwargs)

    def call(self, inputs: Any) -> Any:
        return keras.ops.cast(inputs, "float32")


_LAYERS = {"caffe": CaffePreprocess, "tf": ScalePreprocess, "raw": RawPreprocess}


def preprocessing_layer(name: str) -> keras.layers.Layer:
    """A new layer for the preprocessing called ``name`` (see :data:`PREPROCESSINGS`).

    Raises:
        PreprocessingError: unknown ``name``; the message lists the known ones.
    """
    try:
        cls = _LAYERS[name]
    except (KeyError, TypeError):
        raise PreprocessingError(
            f"preprocessing = {name!r} is unknown; choose one of: "
            + "; ".join(f"{k!r} ({v})" for k, v in PREPROCESSINGS.items())
        ) from None
    return cls(name=f"{name}_preprocess")
