"""Augmentation primitives in two backends: native TensorFlow and imgaug (numpy).

:func:`make` builds one primitive operation for a backend:

- ``backend="tf"`` → a :class:`TFAugmenter` running :mod:`lesionkit.augment.tf_ops`
  inside the tf.data graph;
- ``backend="imgaug"`` (alias ``"numpy"``) → an :class:`ImgaugAugmenter` wrapping
  the matching imgaug augmenter (or a numpy op where imgaug has none).

Operations and their parameters (ranges are ``(low, high)``, sampled uniformly
per image):

=====================  ======================================================
``crop_percent``       ``percent``: fraction cropped from each side, resized back
``random_resized_crop`` ``scale``: area fraction; ``ratio``: aspect ``w/h``
``affine``             ``rotate``/``shear`` (degrees), ``scale``, ``fill``
``flip``               ``horizontal``/``vertical``: probability of each flip
``rot90``              random multiple of 90° (0°/180° for non-square images)
``brightness``         ``factor``: pixel multiplier
``contrast``           ``factor``: multiplier of the distance from grey 128
``hue``                ``delta``: fraction of the colour circle added to hue
``saturation``         ``delta`` added to, or ``factor`` multiplying, HSV saturation
=====================  ======================================================

Example:
    >>> import numpy as np
    >>> from lesionkit.augment.primitives import make
    >>> aug = make("brightness", "imgaug", factor=(0.7, 1.3))
    >>> aug(np.full((2, 8, 8, 3), 100, np.uint8), seed=1).shape
    (2, 8, 8, 3)
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lesionkit.augment.base import Augmenter
from lesionkit.errors import LesionkitError

BACKENDS = ("tf", "imgaug")
FILLS = ("symmetric", "reflect", "constant", "edge", "wrap")


class AugmentError(LesionkitError, ValueError):
    """An augmenter parameter that is not valid; the message names it and the accepted values."""


def check_backend(backend: str) -> str:
    """The canonical backend name (``"tf"`` or ``"imgaug"``) for ``backend``."""
    if backend == "numpy":
        return "imgaug"
    if backend not in BACKENDS:
        raise AugmentError(f"backend={backend!r} is not known; use one of {', '.join(BACKENDS)}")
    return backend


def as_range(name: str, value: Any, *, lo: float | None = None, hi: float | None = None) -> tuple[float, float]:
    """``(low, high)`` from a pair (or one number meaning ``(v, v)``), checked against bounds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        pair = (float(value), float(value))
    else:
        try:
            a, b = value
            pair = (float(a), float(b))
        except (TypeError, ValueError):
            raise AugmentError(f"{name}={value!r}: expected a number or a (low, high) pair") from None
    if not (np.isfinite(pair[0]) and np.isfinite(pair[1])) or pair[0] > pair[1]:
        raise AugmentError(f"{name}={value!r}: expected finite low <= high")
    if (lo is not None and pair[0] < lo) or (hi is not None and pair[1] > hi):
        raise AugmentError(f"{name}={value!r}: must lie within [{lo}, {hi}]")
    return pair


def _probability(name: str, value: Any) -> float:
    p = 0.5 if value is True else 0.0 if value is False else value
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise AugmentError(f"{name}={value!r}: expected a probability in [0, 1] or true/false") from None
    if not 0.0 <= p <= 1.0:
        raise AugmentError(f"{name}={value!r}: expected a probability in [0, 1] or true/false")
    return p


def normalise(op: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Checked, canonical parameters of operation ``op`` (ranges as float pairs)."""
    p = dict(params)
    if op == "crop_percent":
        return {"percent": as_range("percent", p.get("percent", (0.0, 0.2)), lo=0.0, hi=0.49)}
    if op == "random_resized_crop":
        return {
            "scale": as_range("scale", p.get("scale", (0.4, 1.0)), lo=1e-3, hi=1.0),
            "ratio": as_range("ratio", p.get("ratio", (3 / 4, 4 / 3)), lo=1e-2, hi=100.0),
        }
    if op == "affine":
        fill = p.get("fill", "symmetric")
        if fill not in FILLS:
            raise AugmentError(f"fill={fill!r} is not known; use one of {', '.join(FILLS)}")
        return {
            "rotate": as_range("rotate", p.get("rotate", (-90.0, 90.0)), lo=-360.0, hi=360.0),
            "shear": as_range("shear", p.get("shear", (-20.0, 20.0)), lo=-80.0, hi=80.0),
            "scale": as_range("scale", p.get("scale", (0.8, 1.2)), lo=1e-2, hi=100.0),
            "fill": fill,
        }
    if op == "flip":
        return {
            "horizontal": _probability("horizontal", p.get("horizontal", 0.5)),
            "vertical": _probability("vertical", p.get("vertical", 0.5)),
        }
    if op == "rot90":
        return {}
    if op in ("brightness", "contrast"):
        return {"factor": as_range("factor", p.get("factor", (0.7, 1.3)), lo=0.0, hi=100.0)}
    if op == "hue":
        return {"delta": as_range("delta", p.get("delta", (-0.1, 0.1)), lo=-1.0, hi=1.0)}
    if op == "saturation":
        delta, factor = p.get("delta"), p.get("factor")
        if delta is not None and factor is not None:
            raise AugmentError("saturation takes delta (added) or factor (multiplied), not both")
        if factor is not None:
            return {"factor": as_range("factor", factor, lo=0.0, hi=100.0)}
        return {"delta": as_range("delta", (-0.1, 0.1) if delta is None else delta, lo=-1.0, hi=1.0)}
    raise AugmentError(f"no augmentation operation {op!r}")


def is_identity(op: str, params: Mapping[str, Any]) -> bool:
    """Whether ``op`` with ``params`` leaves every image unchanged.

    Such a primitive returns its input without running the operation: imgaug's
    hue and saturation go through 8-bit HSV, which alone moves pixels by up to
    about 12 grey levels.
    """
    if op == "crop_percent":
        return params["percent"] == (0.0, 0.0)
    if op == "affine":
        return params["rotate"] == (0.0, 0.0) and params["shear"] == (0.0, 0.0) and params["scale"] == (1.0, 1.0)
    if op == "flip":
        return params["horizontal"] == 0.0 and params["vertical"] == 0.0
    if op in ("brightness", "contrast"):
        return params["factor"] == (1.0, 1.0)
    if op == "hue":
        return params["delta"] == (0.0, 0.0)
    if op == "saturation":
        return params.get("delta") == (0.0, 0.0) or params.get("factor") == (1.0, 1.0)
    return False


def _fmt(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


class Primitive(Augmenter):
    """One operation with checked parameters; ``op`` and ``params`` describe it."""

    op: str
    params: dict[str, Any]

    def __init__(self, op: str, **params: Any) -> None:
        self.op = op
        self.params = normalise(op, params)
        self.identity = is_identity(op, self.params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.op!r}, {_fmt(self.params)})"


class TFAugmenter(Primitive):
    """A primitive running natively in TensorFlow (in the tf.data graph)."""

    backend = "tf"

    def apply_tf(self, images: Any, seed: Any) -> Any:
        if self.identity:
            return images
        from lesionkit.augment import tf_ops

        p = self.params
        if self.op == "crop_percent":
            return tf_ops.crop_percent(images, seed, p["percent"])
        if self.op == "random_resized_crop":
            return tf_ops.random_resized_crop(images, seed, p["scale"], p["ratio"])
        if self.op == "affine":
            return tf_ops.affine(images, seed, p["rotate"], p["shear"], p["scale"], p["fill"])
        if self.op == "flip":
            return tf_ops.flip(images, seed, p["horizontal"], p["vertical"])
        if self.op == "rot90":
            return tf_ops.rot90(images, seed)
        if self.op == "brightness":
            return tf_ops.brightness(images, seed, p["factor"])
        if self.op == "contrast":
            return tf_ops.contrast(images, seed, p["factor"])
        if self.op == "hue":
            return tf_ops.hue_saturation(images, seed, hue=p["delta"])
        if self.op == "saturation":
            return tf_ops.hue_saturation(images, seed, saturation_add=p.get("delta"), saturation_mul=p.get("factor"))
        raise AssertionError(self.op)


def _imgaug_int(fraction: float) -> int:
    # imgaug's hue/saturation additions are integers on a 0..255 scale.
    return int(round(fraction * 255))


def build_imgaug(op: str, params: Mapping[str, Any]) -> Any:
    """The imgaug augmenter for ``op`` (``None`` where lesionkit has its own numpy op)."""
    from lesionkit.augment._imgaug_compat import import_imgaug

    _, iaa = import_imgaug()
    p = params
    if op == "crop_percent":
        return iaa.Crop(percent=p["percent"], keep_size=True, sample_independently=True)
    if op == "affine":
        return iaa.Affine(rotate=p["rotate"], shear=p["shear"], scale=p["scale"], mode=p["fill"], order=1)
    if op == "flip":
        return iaa.Sequential([iaa.Fliplr(p["horizontal"]), iaa.Flipud(p["vertical"])])
    if op == "rot90":
        return None
    if op == "brightness":
        return iaa.Multiply(p["factor"])
    if op == "contrast":
        return iaa.LinearContrast(p["factor"])
    if op == "hue":
        lo, hi = p["delta"]
        return iaa.AddToHue((_imgaug_int(lo), _imgaug_int(hi)))
    if op == "saturation":
        if "factor" in p:
            return iaa.MultiplySaturation(p["factor"])
        lo, hi = p["delta"]
        return iaa.AddToSaturation((_imgaug_int(lo), _imgaug_int(hi)))
    if op == "random_resized_crop":
        return None
    raise AssertionError(op)


class ImgaugAugmenter(Primitive):
    """A primitive running on numpy batches through imgaug (backend ``"numpy"``).

    Each thread keeps its own copy of the imgaug augmenter, reseeded on every
    call, so calls from parallel tf.data threads neither race nor depend on
    each other: same seed, same output.
    """

    backend = "numpy"

    def __init__(self, op: str, **params: Any) -> None:
        super().__init__(op, **params)
        self._local = threading.local()
        build_imgaug(self.op, self.params)  # fail early on bad parameters

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_local", None)  # rebuilt where unpickled (worker processes)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _imgaug(self) -> Any:
        aug = getattr(self._local, "aug", None)
        if aug is None:
            aug = self._local.aug = build_imgaug(self.op, self.params)
        return aug

    def apply_numpy(self, images: np.ndarray, seed: int) -> np.ndarray:
        images = np.asarray(images)
        if self.identity or len(images) == 0:
            return images.copy()
        if self.op == "random_resized_crop":
            return _random_resized_crop_np(images, seed, self.params["scale"], self.params["ratio"])
        if self.op == "rot90":
            return _rot90_np(images, seed)
        aug = self._imgaug()
        aug.seed_(int(seed) % (2**31))
        out = aug(images=images)
        return np.ascontiguousarray(np.asarray(out, dtype=np.uint8))


def _random_resized_crop_np(
    images: np.ndarray, seed: int, scale: Sequence[float], ratio: Sequence[float], attempts: int = 10
) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(int(seed))
    _, h, w, _ = images.shape
    out = np.empty_like(images)
    for i, image in enumerate(images):
        ch, cw = h, w
        for _ in range(attempts):
            area = h * w * rng.uniform(scale[0], scale[1])
            r = float(np.exp(rng.uniform(np.log(ratio[0]), np.log(ratio[1]))))
            cw_try, ch_try = int(round(np.sqrt(area * r))), int(round(np.sqrt(area / r)))
            if 1 <= cw_try <= w and 1 <= ch_try <= h:
                ch, cw = ch_try, cw_try
                break
        y0 = int(rng.integers(0, h - ch + 1))
        x0 = int(rng.integers(0, w - cw + 1))
        crop = np.ascontiguousarray(image[y0 : y0 + ch, x0 : x0 + cw])
        out[i] = cv2.resize(crop, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
    return out


def _rot90_np(images: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(int(seed))
    k = rng.integers(0, 4, size=len(images))
    square = images.shape[1] == images.shape[2]
    out = np.empty_like(images)
    for i, image in enumerate(images):
        kk = int(k[i]) if square else 2 * (int(k[i]) % 2)
        out[i] = np.rot90(image, kk, axes=(0, 1))
    return out


def make(op: str, backend: str = "tf", **params: Any) -> Primitive:
    """Primitive ``op`` in ``backend`` (``"tf"`` or ``"imgaug"``) with ``params``.

    Raises:
        AugmentError: unknown backend or operation, or a parameter out of range.
    """
    backend = check_backend(backend)
    cls = TFAugmenter if backend == "tf" else ImgaugAugmenter
    return cls(op, **params)
