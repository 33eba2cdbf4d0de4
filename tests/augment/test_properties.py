"""Properties every registered augmenter keeps, in both backends, over random sizes and batches."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lesionkit
from lesionkit.augment.primitives import make

BACKENDS = ("tf", "imgaug")
NAMES = lesionkit.augmenters.names()

batches = st.tuples(
    st.integers(1, 3),  # batch size
    st.integers(1, 40),  # height
    st.integers(1, 40),  # width
    st.integers(0, 2**31 - 1),  # image content seed
    st.integers(0, 2**31 - 1),  # augmentation seed
)

FAST = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _images(b: int, h: int, w: int, s: int) -> np.ndarray:
    return np.random.default_rng(s).integers(0, 256, (b, h, w, 3), dtype=np.uint8)


def test_builtins_are_registered() -> None:
    for name in (
        "crop_percent",
        "random_resized_crop",
        "affine",
        "flip",
        "brightness",
        "contrast",
        "hue",
        "saturation",
        "paper_table1",
        "perez_j",
        "tta_default",
    ):
        assert name in lesionkit.augmenters


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", NAMES)
@FAST
@given(batch=batches)
def test_keeps_shape_dtype_and_is_seeded(name: str, backend: str, batch: tuple[int, ...]) -> None:
    b, h, w, s, seed = batch
    images = _images(b, h, w, s)
    aug = lesionkit.augmenters.create(name, backend=backend)
    out = aug(images, seed=seed)
    assert isinstance(out, np.ndarray)
    assert out.shape == images.shape and out.dtype == np.uint8  # uint8: in range, no NaN
    np.testing.assert_array_equal(out, aug(images, seed=seed))
    np.testing.assert_array_equal(images, _images(b, h, w, s))  # input untouched


IDENTITY = [
    ("crop_percent", {"percent": 0}),
    ("random_resized_crop", {"scale": 1.0, "ratio": 1.0}),
    ("affine", {"rotate": 0, "shear": 0, "scale": 1}),
    ("flip", {"horizontal": 0, "vertical": 0}),
    ("brightness", {"factor": 1}),
    ("contrast", {"factor": 1}),
    ("hue", {"delta": 0}),
    ("saturation", {"delta": 0}),
    ("saturation", {"factor": 1}),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("op", "params"), IDENTITY, ids=[f"{o}-{sorted(p)}" for o, p in IDENTITY])
@FAST
@given(batch=batches)
def test_identity_settings_change_nothing(op: str, params: dict, backend: str, batch: tuple[int, ...]) -> None:
    b, h, w, s, seed = batch
    if op == "random_resized_crop":
        w = h  # ratio 1 covers the whole image only when it is square
    images = _images(b, h, w, s)
    aug = make(op, backend, **params)
    np.testing.assert_array_equal(aug(images, seed=seed), images)
    # The operation itself is exact at identity settings too (not only the shortcut
    # that skips it), except imgaug's 8-bit HSV round trip, which is lossy.
    if not (backend == "imgaug" and op in ("hue", "saturation")):
        aug.identity = False
        np.testing.assert_array_equal(aug(images, seed=seed), images)


@pytest.mark.parametrize("backend", BACKENDS)
@FAST
@given(batch=batches)
def test_flip_twice_is_identity(backend: str, batch: tuple[int, ...]) -> None:
    b, h, w, s, seed = batch
    images = _images(b, h, w, s)
    cases = [((1.0, 0.0), images[:, :, ::-1]), ((0.0, 1.0), images[:, ::-1]), ((1.0, 1.0), images[:, ::-1, ::-1])]
    for (hp, vp), expected in cases:
        aug = make("flip", backend, horizontal=hp, vertical=vp)
        once = aug(images, seed=seed)
        np.testing.assert_array_equal(once, expected)
        np.testing.assert_array_equal(aug(once, seed=seed + 1), images)


@pytest.mark.parametrize("backend", BACKENDS)
def test_single_image_call(backend: str) -> None:
    image = _images(1, 9, 7, 0)[0]
    out = lesionkit.augmenters.create("paper_table1", backend=backend)(image, seed=3)
    assert out.shape == image.shape and out.dtype == np.uint8
