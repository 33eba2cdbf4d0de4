"""Colour constancy inside the model: each image's illuminant estimated and divided out.

Dermoscopy images of one lesion type differ in colour cast from one camera, light and clinic to
the next, and a network trained on a few thousand images learns the cast along with the lesion.
The shades-of-grey method (Finlayson & Trezzi 2004; Barata et al. 2015 for dermoscopy; used
by the top ISIC 2018 and 2019 entries) estimates the illuminant of each channel as the
Minkowski p-norm mean of its pixels and rescales the channels so the estimate becomes neutral
grey. ``p = 6`` is the shades-of-grey choice; ``p = 1`` is grey world.

:class:`ColorConstancy` is a Keras layer placed before the backbone's preprocessing
(``ExperimentConfig.color_constancy``), so the one model file applies it in training,
evaluation, ``lesionkit predict`` and exported models alike; it has no weights.

Example:
    >>> import numpy as np
    >>> layer = ColorConstancy(power=6.0)
    >>> cast = np.full((1, 4, 4, 3), (200.0, 100.0, 50.0), "float32")  # a reddish cast
    >>> [round(float(v), 1) for v in layer(cast)[0, 0, 0]]  # neutral grey of the same brightness
    [132.3, 132.3, 132.3]
"""

from __future__ import annotations

import math
from typing import Any

import keras

from lesionkit.config import COLOR_CONSTANCY
from lesionkit.errors import LesionkitError

__all__ = ["ColorConstancy", "color_constancy_layer"]


class ColorConstancyError(LesionkitError, ValueError):
    """An unknown colour constancy method or a bad power."""


@keras.saving.register_keras_serializable(package="lesionkit")
class ColorConstancy(keras.layers.Layer):
    """Shades-of-grey colour constancy of RGB 0–255 images, ``(N, H, W, 3)`` in and out.

    Per image and channel ``c``: ``e_c = mean(x_c ** p) ** (1 / p)``; the output is
    ``x_c / (sqrt(3) * e_c / ||e||)``, clipped to 0–255, so a neutral image is unchanged and an
    image with a cast comes out with its brightness (``||e||``) kept and the cast removed. The
    arithmetic is in float32 on values scaled to 0–1 (``x ** 6`` of 0–255 values would lose
    digits in float16).

    Args:
        power: the Minkowski norm ``p`` (≥ 1): 6 is shades of grey, 1 is grey world.
    """

    def __init__(self, power: float = 6.0, **kwargs: Any) -> None:
        if not isinstance(power, (int, float)) or isinstance(power, bool) or not math.isfinite(power) or power < 1:
            raise ColorConstancyError(f"colour constancy power = {power!r} must be a number >= 1 (6: shades of grey)")
        kwargs["dtype"] = "float32"
        super().__init__(**kwargs)
        self.power = float(power)

    def call(self, inputs: Any) -> Any:
        ops = keras.ops
        x = ops.cast(inputs, "float32") / 255.0
        # The epsilon keeps a black channel (or image) finite: it is left black, not divided by 0.
        illuminant = ops.power(ops.mean(ops.power(x, self.power), axis=(1, 2), keepdims=True), 1.0 / self.power)
        illuminant = ops.maximum(illuminant, 1e-6)
        norm = ops.sqrt(ops.sum(ops.square(illuminant), axis=-1, keepdims=True))
        gain = norm / (illuminant * math.sqrt(3.0))
        return ops.clip(x * gain, 0.0, 1.0) * 255.0

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "power": self.power}


def color_constancy_layer(method: str) -> ColorConstancy:
    """The layer of a method named in :data:`lesionkit.config.COLOR_CONSTANCY`.

    Raises:
        ColorConstancyError: an unknown method (the message lists the known ones).
    """
    if method not in COLOR_CONSTANCY:
        raise ColorConstancyError(f"color_constancy = {method!r}: choose among {list(COLOR_CONSTANCY)}")
    return ColorConstancy(power=COLOR_CONSTANCY[method], name="color_constancy")
