"""The published augmentation pipelines, as compositions of primitives.

- :func:`paper_table1`: the paper's Table 1, applied in order (imgaug in the
  paper): crop 0–20 % from each side; affine rotate ±90°, shear ±20°, scale
  0.8–1.2 with symmetric fill; random vertical flip; brightness and contrast
  × [0.7, 1.3]; hue and saturation + [−0.1, 0.1] of their full range.
- :func:`perez_j`: Perez et al. (2018) scenario "J": random resized crop
  (area 0.4–1.0); affine rotate ±90°, shear ±20°, scale 0.8–1.2, symmetric
  fill; horizontal and vertical flips; brightness, contrast, saturation
  × [0.7, 1.3] and hue ± 0.1 (colour jitter 0.3/0.3/0.3/0.1).

Each exists in both backends with the same parameters (``backend="tf"`` or
``"imgaug"``); docs/augmentation.md compares the twins.

Example:
    >>> from lesionkit.augment.pipelines import paper_table1
    >>> [s.op for s in paper_table1("imgaug").steps]
    ['crop_percent', 'affine', 'flip', 'brightness', 'contrast', 'hue', 'saturation']
"""

from __future__ import annotations

from lesionkit.augment.base import Compose
from lesionkit.augment.primitives import make


def paper_table1(backend: str = "tf") -> Compose:
    """The paper's Table 1 augmentation, in order, in ``backend`` (``"tf"`` or ``"imgaug"``)."""
    return Compose(
        [
            make("crop_percent", backend, percent=(0.0, 0.2)),
            make("affine", backend, rotate=(-90, 90), shear=(-20, 20), scale=(0.8, 1.2), fill="symmetric"),
            make("flip", backend, horizontal=0.0, vertical=0.5),
            make("brightness", backend, factor=(0.7, 1.3)),
            make("contrast", backend, factor=(0.7, 1.3)),
            make("hue", backend, delta=(-0.1, 0.1)),
            make("saturation", backend, delta=(-0.1, 0.1)),
        ]
    )


def perez_j(backend: str = "tf") -> Compose:
    """Perez et al. 2018 scenario J augmentation in ``backend`` (``"tf"`` or ``"imgaug"``)."""
    return Compose(
        [
            make("random_resized_crop", backend, scale=(0.4, 1.0), ratio=(3 / 4, 4 / 3)),
            make("affine", backend, rotate=(-90, 90), shear=(-20, 20), scale=(0.8, 1.2), fill="symmetric"),
            make("flip", backend, horizontal=0.5, vertical=0.5),
            make("brightness", backend, factor=(0.7, 1.3)),
            make("contrast", backend, factor=(0.7, 1.3)),
            make("saturation", backend, factor=(0.7, 1.3)),
            make("hue", backend, delta=(-0.1, 0.1)),
        ]
    )


def tta_default(backend: str = "tf") -> Compose:
    """Test-time views: random horizontal/vertical flips and a random multiple of 90° rotation."""
    return Compose([make("flip", backend, horizontal=0.5, vertical=0.5), make("rot90", backend)])
