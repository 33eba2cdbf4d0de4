"""Input preprocessing layers, saved inside models so weights and inputs never mismatch."""

from __future__ import annotations

from typing import Any

import keras

from lesionkit.models.backbone import IMAGENET_BGR_MEAN


@keras.saving.register_keras_serializable(package="lesionkit")
class CaffePreprocess(keras.layers.Layer):
    """Keras ResNet "caffe" preprocessing: RGB→BGR, subtract the ImageNet mean.

    Input: float or uint8 RGB in 0–255. This is what ImageNet-trained Keras
    ResNet weights expect (``keras.applications.resnet.preprocess_input``).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def call(self, inputs: Any) -> Any:
        x = keras.ops.cast(inputs, self.compute_dtype)
        x = keras.ops.flip(x, axis=-1)
        return x - keras.ops.convert_to_tensor(IMAGENET_BGR_MEAN, dtype=self.compute_dtype)

