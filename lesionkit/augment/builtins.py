"""Registers the built-in augmenters in ``lesionkit.augmenters``.

Every factory takes ``backend="tf"`` (native TensorFlow, runs in the tf.data
graph) or ``backend="imgaug"`` (numpy, through imgaug on numpy 2). Ranges are
``(low, high)`` pairs (lists in a JSON config), sampled uniformly per image.

Example:
    >>> import lesionkit
    >>> aug = lesionkit.augmenters.create("paper_table1", backend="imgaug")
    >>> aug.backend
    'numpy'
"""

from __future__ import annotations

from collections.abc import Sequence

from lesionkit.augment import pipelines
from lesionkit.augment.base import Augmenter, Compose
from lesionkit.augment.primitives import make
from lesionkit.registries import augmenters

Pair = Sequence[float]


@augmenters.register("crop_percent")
def crop_percent(percent: Pair = (0.0, 0.2), backend: str = "tf") -> Augmenter:
    """Crop a random fraction in ``percent`` from each side independently, resized back."""
    return make("crop_percent", backend, percent=percent)


@augmenters.register("random_resized_crop")
def random_resized_crop(scale: Pair = (0.4, 1.0), ratio: Pair = (3 / 4, 4 / 3), backend: str = "tf") -> Augmenter:
    """Crop a random area fraction ``scale`` with aspect ``ratio`` (w/h), resized back to the input size."""
    return make("random_resized_crop", backend, scale=scale, ratio=ratio)


@augmenters.register("affine")
def affine(
    rotate: Pair = (-90.0, 90.0),
    shear: Pair = (-20.0, 20.0),
    scale: Pair = (0.8, 1.2),
    fill: str = "symmetric",
    backend: str = "tf",
) -> Augmenter:
    """Rotate and shear (degrees) and zoom about the centre; ``fill`` of uncovered pixels.

    ``fill``: ``"symmetric"`` (mirror at the edge), ``"constant"`` (black),
    ``"edge"`` (repeat the edge pixel), ``"wrap"``.
    """
    return make("affine", backend, rotate=rotate, shear=shear, scale=scale, fill=fill)


@augmenters.register("flip")
def flip(horizontal: float | bool = True, vertical: float | bool = True, backend: str = "tf") -> Augmenter:
    """Random flips: the probability of a left-right and of an up-down flip (``True`` = 0.5)."""
    return make("flip", backend, horizontal=horizontal, vertical=vertical)


@augmenters.register("rot90")
def rot90(backend: str = "tf") -> Augmenter:
    """Rotate by a random multiple of 90° (0° or 180° for non-square images)."""
    return make("rot90", backend)


@augmenters.register("brightness")
def brightness(factor: Pair = (0.7, 1.3), backend: str = "tf") -> Augmenter:
    """Multiply all pixels by a random factor per image."""
    return make("brightness", backend, factor=factor)


@augmenters.register("contrast")
def contrast(factor: Pair = (0.7, 1.3), backend: str = "tf") -> Augmenter:
    """Scale each pixel's distance from grey 128 by a random factor per image."""
    return make("contrast", backend, factor=factor)


@augmenters.register("hue")
def hue(delta: Pair = (-0.1, 0.1), backend: str = "tf") -> Augmenter:
    """Add a random fraction of the colour circle to the hue (0.1 = 36°)."""
    return make("hue", backend, delta=delta)


@augmenters.register("saturation")
def saturation(delta: Pair | None = None, factor: Pair | None = None, backend: str = "tf") -> Augmenter:
    """Add ``delta`` to (default ± 0.1) or multiply by ``factor`` the HSV saturation (0–1)."""
    return make("saturation", backend, delta=delta, factor=factor)


@augmenters.register("paper_table1")
def paper_table1(backend: str = "tf") -> Compose:
    """The paper's Table 1 augmentation: crop, affine, vertical flip, brightness/contrast, hue/saturation."""
    return pipelines.paper_table1(backend)


@augmenters.register("perez_j")
def perez_j(backend: str = "tf") -> Compose:
    """Perez et al. 2018 scenario J: resized crop, affine, flips, colour jitter 0.3/0.3/0.3/0.1."""
    return pipelines.perez_j(backend)


@augmenters.register("tta_default")
def tta_default(backend: str = "tf") -> Compose:
    """Test-time augmentation views: random flips and 90° rotations (use with ``tta_views``)."""
    return pipelines.tta_default(backend)
