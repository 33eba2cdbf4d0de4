"""Native-TensorFlow augmentation ops on uint8 batches, driven by stateless seeds.

Every function takes a uint8 batch ``(B, H, W, 3)`` and a seed tensor of shape
``(2,)`` and returns a uint8 batch of the same shape. Random values are drawn
per image with ``tf.random.stateless_*`` for the whole batch at once, so the
ops run inside a tf.data graph without Python per image, and the same seed
gives the same output. Only TensorFlow modules import this one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import tensorflow as tf

Range = Sequence[float]


def _fold(seed: tf.Tensor, i: int) -> tf.Tensor:
    return tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int64), i)


def uniform(seed: tf.Tensor, batch: tf.Tensor, rng: Range, salt: int = 0) -> tf.Tensor:
    """``batch`` floats uniform in ``[rng[0], rng[1]]`` (exactly ``rng[0]`` when the range is empty)."""
    lo, hi = float(rng[0]), float(rng[1])
    if lo == hi:
        return tf.fill([batch], tf.constant(lo, tf.float32))
    return tf.random.stateless_uniform([batch], _fold(seed, salt), minval=lo, maxval=hi)


def to_uint8(x: tf.Tensor) -> tf.Tensor:
    """Round and clip float pixels in [0, 255] back to uint8."""
    return tf.cast(tf.clip_by_value(tf.round(x), 0.0, 255.0), tf.uint8)


def _per_image(v: tf.Tensor) -> tf.Tensor:
    return v[:, None, None, None]


def flip(images: tf.Tensor, seed: tf.Tensor, horizontal_p: float, vertical_p: float) -> tf.Tensor:
    """Flip each image left-right with probability ``horizontal_p``, up-down with ``vertical_p``."""
    b = tf.shape(images)[0]
    if horizontal_p > 0:
        do = tf.random.stateless_uniform([b], _fold(seed, 1)) < horizontal_p
        images = _reverse_where(images, do, axis=2)
    if vertical_p > 0:
        do = tf.random.stateless_uniform([b], _fold(seed, 2)) < vertical_p
        images = _reverse_where(images, do, axis=1)
    return images


def _reverse_where(images: tf.Tensor, do: tf.Tensor, axis: int) -> tf.Tensor:
    """Reverse ``axis`` of the images where ``do``: one gather, ~3x faster than reverse + where."""
    n = tf.shape(images)[axis]
    forward = tf.range(n)
    index = tf.where(do[:, None], tf.reverse(forward, [0])[None, :], forward[None, :])
    return tf.gather(images, index, axis=axis, batch_dims=1)


def rot90(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Rotate each image by a random multiple of 90°; non-square images only by 0° or 180°."""
    b = tf.shape(images)[0]
    k = tf.random.stateless_uniform([b], _fold(seed, 3), minval=0, maxval=4, dtype=tf.int32)
    half = tf.reverse(images, axis=[1, 2])

    def square() -> tf.Tensor:
        quarter = tf.image.rot90(images, 1)
        three = tf.image.rot90(images, 3)
        out = tf.where(_per_image(tf.equal(k, 1)), quarter, images)
        out = tf.where(_per_image(tf.equal(k, 2)), half, out)
        return tf.where(_per_image(tf.equal(k, 3)), three, out)

    def oblong() -> tf.Tensor:
        return tf.where(_per_image(tf.equal(k % 2, 1)), half, images)

    shape = tf.shape(images)
    return tf.cond(tf.equal(shape[1], shape[2]), square, oblong)


def brightness(images: tf.Tensor, seed: tf.Tensor, factor: Range) -> tf.Tensor:
    """Multiply every pixel by one factor per image, uniform in ``factor``."""
    f = uniform(seed, tf.shape(images)[0], factor, 4)
    return to_uint8(tf.cast(images, tf.float32) * _per_image(f))


def contrast(images: tf.Tensor, seed: tf.Tensor, factor: Range) -> tf.Tensor:
    """Scale distances from mid-grey 128 by one factor per image (imgaug ``LinearContrast``)."""
    f = uniform(seed, tf.shape(images)[0], factor, 5)
    x = tf.cast(images, tf.float32)
    return to_uint8(128.0 + (x - 128.0) * _per_image(f))


def hue_saturation(
    images: tf.Tensor,
    seed: tf.Tensor,
    hue: Range | None = None,
    saturation_add: Range | None = None,
    saturation_mul: Range | None = None,
) -> tf.Tensor:
    """Shift hue by a fraction of the colour circle, add to or scale HSV saturation (0–1).

    A hue shift or a saturation factor alone runs TensorFlow's fused per-pixel
    kernels (``AdjustHue``/``AdjustSaturation``, one image at a time for
    per-image values): 4-6x faster on CPU than the separate RGB→HSV→RGB ops,
    which only an additive saturation change needs.
    """
    b = tf.shape(images)[0]
    x = tf.cast(images, tf.float32) / 255.0
    if saturation_add is None and (hue is None) != (saturation_mul is None):
        if hue is not None:
            amount, adjust = uniform(seed, b, hue, 6), tf.image.adjust_hue
        elif saturation_mul is not None:
            amount, adjust = uniform(seed, b, saturation_mul, 8), tf.image.adjust_saturation
        out = tf.map_fn(lambda a: adjust(a[0], a[1]), (x, amount), fn_output_signature=tf.float32)
        return to_uint8(out * 255.0)
    hsv = tf.image.rgb_to_hsv(x)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    if hue is not None:
        h = tf.math.floormod(h + uniform(seed, b, hue, 6)[:, None, None], 1.0)
    if saturation_add is not None:
        s = s + uniform(seed, b, saturation_add, 7)[:, None, None]
    if saturation_mul is not None:
        s = s * uniform(seed, b, saturation_mul, 8)[:, None, None]
    rgb = tf.image.hsv_to_rgb(tf.stack([h, tf.clip_by_value(s, 0.0, 1.0), v], axis=-1))
    return to_uint8(rgb * 255.0)


def _taps(start: tf.Tensor, length: tf.Tensor, size: tf.Tensor, kernel: str) -> list[tuple[tf.Tensor, tf.Tensor]]:
    """Per-image resampling taps: ``(input index, weight)`` pairs, each ``(B, size)``.

    Output pixel ``i`` is the weighted sum of input pixels, as OpenCV's
    ``resize`` builds it (half-pixel centres, edge pixels repeated) from the
    span ``[start, start + length)`` stretched to ``size`` pixels. Cubic uses
    OpenCV's ``A = -0.75``; imgaug resizes with it.
    """
    sizef = tf.cast(size, tf.float32)
    i = tf.cast(tf.range(size), tf.float32)[None, :]
    src = (i + 0.5) * (length / sizef)[:, None] - 0.5
    x0 = tf.floor(src)
    f = src - x0
    if kernel == "cubic":
        a = -0.75
        w0 = ((a * (f + 1) - 5 * a) * (f + 1) + 8 * a) * (f + 1) - 4 * a
        w1 = ((a + 2) * f - (a + 3)) * f * f + 1
        g = 1 - f
        w2 = ((a + 2) * g - (a + 3)) * g * g + 1
        weights = [(-1, w0), (0, w1), (1, w2), (2, 1 - w0 - w1 - w2)]
    else:
        weights = [(0, 1 - f), (1, f)]
    hi = (length - 1)[:, None]
    return [(tf.cast(tf.clip_by_value(x0 + offset, 0.0, hi) + start[:, None], tf.int32), w) for offset, w in weights]


def crop_resize(
    images: tf.Tensor, top: tf.Tensor, left: tf.Tensor, height: tf.Tensor, width: tf.Tensor, kernel: str = "linear"
) -> tf.Tensor:
    """Crop each image to its pixel box (floats holding integers) and resize back to the input size.

    Separable resampling, one gather per filter tap and axis; matches
    OpenCV's ``resize`` (``kernel="linear"`` or ``"cubic"``) up to rounding.
    """
    shape = tf.shape(images)
    # Gather uint8 rows first: a quarter of the memory traffic of float32.
    rows = tf.add_n(
        [
            tf.cast(tf.gather(images, idx, axis=1, batch_dims=1), tf.float32) * w[:, :, None, None]
            for idx, w in _taps(top, height, shape[1], kernel)
        ]
    )
    return to_uint8(
        tf.add_n(
            [
                tf.gather(rows, idx, axis=2, batch_dims=1) * w[:, None, :, None]
                for idx, w in _taps(left, width, shape[2], kernel)
            ]
        )
    )


def crop_percent(images: tf.Tensor, seed: tf.Tensor, percent: Range) -> tf.Tensor:
    """Crop a fraction in ``percent`` from each side independently, then resize to the input size.

    As imgaug's ``Crop(percent=..., keep_size=True)``: whole pixels
    (``round(fraction × side)``), resized back with bicubic interpolation.
    """
    shape = tf.shape(images)
    b = shape[0]
    hf = tf.cast(shape[1], tf.float32)
    wf = tf.cast(shape[2], tf.float32)
    top, right, bottom, left = (tf.round(uniform(seed, b, percent, 10 + i) * s) for i, s in enumerate((hf, wf, hf, wf)))
    height = tf.maximum(hf - top - bottom, 1.0)
    width = tf.maximum(wf - left - right, 1.0)
    return crop_resize(images, tf.minimum(top, hf - 1), tf.minimum(left, wf - 1), height, width, kernel="cubic")


def random_resized_crop(
    images: tf.Tensor, seed: tf.Tensor, scale: Range, ratio: Range, attempts: int = 10
) -> tf.Tensor:
    """Crop a random area fraction in ``scale`` with aspect ``w/h`` in ``ratio``, resized back.

    As torchvision's ``RandomResizedCrop``: up to ``attempts`` draws per image,
    the first that fits is used; if none fits, the whole image. Bilinear.
    """
    shape = tf.shape(images)
    b = shape[0]
    hf = tf.cast(shape[1], tf.float32)
    wf = tf.cast(shape[2], tf.float32)
    n = [b, attempts]
    s_lo, s_hi = float(scale[0]), float(scale[1])
    area = tf.random.stateless_uniform(n, _fold(seed, 20), minval=s_lo, maxval=max(s_hi, s_lo + 1e-12))
    log_r = tf.random.stateless_uniform(
        n, _fold(seed, 21), minval=math.log(ratio[0]), maxval=max(math.log(ratio[1]), math.log(ratio[0]) + 1e-12)
    )
    r = tf.exp(log_r)
    total = hf * wf * area
    w = tf.round(tf.sqrt(total * r))
    h = tf.round(tf.sqrt(total / r))
    fits = (w <= wf) & (h <= hf) & (w >= 1) & (h >= 1)
    first = tf.argmax(tf.cast(fits, tf.int32), axis=1, output_type=tf.int32)
    any_fit = tf.reduce_any(fits, axis=1)
    w = tf.where(any_fit, tf.gather(w, first, batch_dims=1), wf)
    h = tf.where(any_fit, tf.gather(h, first, batch_dims=1), hf)
    u = tf.random.stateless_uniform([b, 2], _fold(seed, 22))
    y0 = tf.minimum(tf.floor(u[:, 0] * (hf - h + 1)), hf - h)
    x0 = tf.minimum(tf.floor(u[:, 1] * (wf - w + 1)), wf - w)
    return crop_resize(images, y0, x0, h, w, kernel="linear")


_FILL = {"symmetric": "REFLECT", "reflect": "REFLECT", "constant": "CONSTANT", "edge": "NEAREST", "wrap": "WRAP"}


def affine(
    images: tf.Tensor,
    seed: tf.Tensor,
    rotate: Range,
    shear: Range,
    scale: Range,
    fill: str = "symmetric",
    fill_value: float = 0.0,
) -> tf.Tensor:
    """Rotate (degrees), shear (degrees, along x and y) and zoom each image about its centre.

    ``fill="symmetric"`` mirrors the image at its edges (edge pixel repeated),
    like imgaug's ``mode="symmetric"``; bilinear interpolation.
    """
    shape = tf.shape(images)
    b = shape[0]
    hf = tf.cast(shape[1], tf.float32)
    wf = tf.cast(shape[2], tf.float32)
    theta = uniform(seed, b, rotate, 30) * (math.pi / 180.0)
    sh = uniform(seed, b, shear, 31) * (math.pi / 180.0)
    sc = uniform(seed, b, scale, 32)
    cx = (wf - 1.0) / 2.0
    cy = (hf - 1.0) / 2.0
    cos, sin, tan = tf.cos(theta), tf.sin(theta), tf.tan(sh)
    # imgaug 0.4's Affine(shear=(a, b)) applies the one sampled angle along x
    # *and* y (its docs say x only); the paper's pipeline used it, so we do too.
    # Forward map (input -> output) about the centre, as imgaug composes it:
    # F = R · [[1, -t], [0, 1]] · S · [[1, 0], [t, 1]].
    # ImageProjectiveTransform wants F^-1 (output -> input), written out here:
    # [[1, 0], [-t, 1]] · S^-1 · [[1, t], [0, 1]] · R^-1, R^-1 = [[c, s], [-s, c]].
    inv_s = 1.0 / sc
    r00 = cos - tan * sin
    r01 = sin + tan * cos
    m00 = inv_s * r00
    m01 = inv_s * r01
    m10 = inv_s * (-tan * r00 - sin)
    m11 = inv_s * (-tan * r01 + cos)
    a2 = cx - m00 * cx - m01 * cy
    b2 = cy - m10 * cx - m11 * cy
    zeros = tf.zeros_like(m00)
    transforms = tf.stack([m00, m01, a2, m10, m11, b2, zeros, zeros], axis=1)
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.cast(images, tf.float32),
        transforms=transforms,
        output_shape=shape[1:3],
        fill_value=tf.constant(fill_value, tf.float32),
        interpolation="BILINEAR",
        fill_mode=_FILL[fill],
    )
    return to_uint8(out)
