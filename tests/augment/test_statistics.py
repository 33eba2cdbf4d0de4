"""Each pipeline does what its parameters say, measured on the images, in both backends.

Every step of ``paper_table1`` and ``perez_j`` is run on probe images built so
that the random parameter it drew can be read back from the output (a flat grey
for brightness, a coordinate ramp for crops, a dot for the affine, ...). The
read-back values must stay inside the step's range and cover most of it.
"""

from __future__ import annotations

import colorsys
import math

import numpy as np
import pytest

import lesionkit
from lesionkit.augment.base import Augmenter
from lesionkit.augment.primitives import Primitive, make

BACKENDS = ("tf", "imgaug")
N = 160  # probes per step: enough to see both ends of every range


def _check_range(values: np.ndarray, lo: float, hi: float, tol: float, what: str) -> None:
    values = np.asarray(values, float)
    assert values.min() >= lo - tol and values.max() <= hi + tol, (
        f"{what}: observed [{values.min():.3f}, {values.max():.3f}] outside [{lo}, {hi}] ± {tol}"
    )
    if hi > lo:  # uniform over the range: both ends are reached
        span = hi - lo
        assert values.min() <= lo + 0.15 * span + tol and values.max() >= hi - 0.15 * span - tol, (
            f"{what}: observed [{values.min():.3f}, {values.max():.3f}] does not cover [{lo}, {hi}]"
        )


def _solid(rgb: tuple[float, float, float], n: int = N, size: int = 4) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, np.uint8), (n, size, size, 3)).copy()


def _hsv(images: np.ndarray) -> np.ndarray:
    mean = images.reshape(len(images), -1, 3).mean(axis=1) / 255.0
    return np.array([colorsys.rgb_to_hsv(*c) for c in mean])


def _ramp(n: int = N, size: int = 64) -> np.ndarray:
    """R encodes x, G encodes y (4 levels per pixel)."""
    ramp = np.arange(size) * 4
    img = np.zeros((size, size, 3), np.uint8)
    img[..., 0] = ramp[None, :]
    img[..., 1] = ramp[:, None]
    return np.broadcast_to(img, (n, size, size, 3)).copy()


def _dot(n: int = N, size: int = 65, radius: int = 16) -> np.ndarray:
    img = np.zeros((size, size, 3), np.uint8)
    c = size // 2
    img[c - radius - 1 : c - radius + 2, c - 1 : c + 2] = 255
    return np.broadcast_to(img, (n, size, size, 3)).copy()


def _dot_positions(out: np.ndarray, size: int = 65, disk: float = 28.0) -> np.ndarray:
    """(dx, dy) of the dot's intensity centroid from the centre, per image."""
    c = size // 2
    yy, xx = np.mgrid[0:size, 0:size] - c
    inside = (xx**2 + yy**2) <= disk**2
    w = out[..., 0].astype(float) * inside
    total = w.sum(axis=(1, 2))
    assert (total > 0).all(), "the dot left the probe disk"
    return np.stack([(w * xx).sum(axis=(1, 2)) / total, (w * yy).sum(axis=(1, 2)) / total], axis=1)


def check_step(step: Primitive, seed: int = 1, factory=make) -> None:  # type: ignore[no-untyped-def]
    """Run ``step`` on probes and check what it did against ``step.params``.

    The affine probe builds one-parameter affines with ``factory`` to read each range alone.
    """
    op, p, backend = step.op, step.params, ("tf" if step.backend == "tf" else "imgaug")
    what = f"{backend} {op} {p}"
    if op == "brightness":
        out = step(_solid((100, 100, 100)), seed=seed)
        _check_range(out.reshape(N, -1).mean(1) / 100.0, *p["factor"], tol=0.011, what=what)
    elif op == "contrast":
        img = _solid((78, 78, 78))
        img[:, :, 2:] = 178
        out = step(img, seed=seed).astype(float)
        _check_range((out[:, 0, 3, 0] - out[:, 0, 0, 0]) / 100.0, *p["factor"], tol=0.015, what=what)
    elif op == "hue":
        rgb = np.array(colorsys.hsv_to_rgb(0.5, 0.7, 0.8)) * 255
        out = step(_solid(tuple(np.round(rgb))), seed=seed)
        shift = (_hsv(out)[:, 0] - 0.5 + 0.5) % 1.0 - 0.5
        _check_range(shift, *p["delta"], tol=0.015, what=what)
    elif op == "saturation":
        rgb = np.array(colorsys.hsv_to_rgb(0.3, 0.5, 0.8)) * 255
        out = _hsv(step(_solid(tuple(np.round(rgb))), seed=seed))[:, 1]
        if "factor" in p:
            _check_range(out / 0.5, *p["factor"], tol=0.04, what=what)
        else:
            _check_range(out - 0.5, *p["delta"], tol=0.02, what=what)
    elif op == "flip":
        img = np.random.default_rng(0).integers(0, 256, (N, 5, 5, 3), dtype=np.uint8)
        out = step(img, seed=seed)
        h = np.array([np.array_equal(o, i[:, ::-1]) or np.array_equal(o, i[::-1, ::-1]) for o, i in zip(out, img)])
        v = np.array([np.array_equal(o, i[::-1]) or np.array_equal(o, i[::-1, ::-1]) for o, i in zip(out, img)])
        known = [
            np.any([np.array_equal(o, c) for c in (i, i[:, ::-1], i[::-1], i[::-1, ::-1])]) for o, i in zip(out, img)
        ]
        assert all(known), f"{what}: produced something other than a flip"
        for rate, prob in ((h.mean(), p["horizontal"]), (v.mean(), p["vertical"])):
            sigma = math.sqrt(max(prob * (1 - prob), 1e-9) / N)
            assert abs(rate - prob) <= 4 * sigma + 1e-9, f"{what}: flip rate {rate:.2f} vs probability {prob}"
    elif op == "crop_percent":
        out = step(_ramp(), seed=seed).astype(float)
        left = out[:, 32, 0, 0] / 4 / 64
        right = (252 - out[:, 32, -1, 0]) / 4 / 64
        top = out[:, 0, 32, 1] / 4 / 64
        bottom = (252 - out[:, -1, 32, 1]) / 4 / 64
        for name, side in (("left", left), ("right", right), ("top", top), ("bottom", bottom)):
            _check_range(side, *p["percent"], tol=0.03, what=f"{what} {name}")
        assert np.corrcoef(left, top)[0, 1] < 0.5, f"{what}: sides are not cropped independently"
    elif op == "random_resized_crop":
        out = step(_ramp(), seed=seed).astype(float)
        w = (out[:, 32, -1, 0] - out[:, 32, 0, 0]) / 4 + 1
        h = (out[:, -1, 32, 1] - out[:, 0, 32, 1]) / 4 + 1
        _check_range(w * h / 64**2, *p["scale"], tol=0.06, what=f"{what} area")
        ratio = w / h
        lo, hi = p["ratio"]
        assert ratio.min() >= lo - 0.08 and ratio.max() <= hi + 0.08, (
            f"{what}: aspect {ratio.min():.2f}..{ratio.max():.2f}"
        )
    elif op == "affine":
        base = {"rotate": 0.0, "shear": 0.0, "scale": 1.0, "fill": p["fill"]}
        be = backend
        pos = _dot_positions(factory("affine", be, **{**base, "rotate": p["rotate"]})(_dot(), seed=seed))
        angle = np.degrees(np.arctan2(pos[:, 0], -pos[:, 1]))
        _check_range(angle, *p["rotate"], tol=2.0, what=f"{what} rotation")
        pos = _dot_positions(factory("affine", be, **{**base, "scale": p["scale"]})(_dot(), seed=seed))
        _check_range(np.hypot(pos[:, 0], pos[:, 1]) / 16.0, *p["scale"], tol=0.05, what=f"{what} scale")
        pos = _dot_positions(factory("affine", be, **{**base, "shear": p["shear"]})(_dot(), seed=seed))
        _check_range(np.degrees(np.arctan2(pos[:, 0], -pos[:, 1])), *p["shear"], tol=2.0, what=f"{what} shear")
    elif op == "rot90":
        pass
    else:  # pragma: no cover - a new op needs a probe here
        raise AssertionError(f"no statistical probe for {op!r}")


EXPECTED = {
    "paper_table1": [
        ("crop_percent", {"percent": (0.0, 0.2)}),
        ("affine", {"rotate": (-90.0, 90.0), "shear": (-20.0, 20.0), "scale": (0.8, 1.2), "fill": "symmetric"}),
        ("flip", {"horizontal": 0.0, "vertical": 0.5}),
        ("brightness", {"factor": (0.7, 1.3)}),
        ("contrast", {"factor": (0.7, 1.3)}),
        ("hue", {"delta": (-0.1, 0.1)}),
        ("saturation", {"delta": (-0.1, 0.1)}),
    ],
    "perez_j": [
        ("random_resized_crop", {"scale": (0.4, 1.0), "ratio": (0.75, 4 / 3)}),
        ("affine", {"rotate": (-90.0, 90.0), "shear": (-20.0, 20.0), "scale": (0.8, 1.2), "fill": "symmetric"}),
        ("flip", {"horizontal": 0.5, "vertical": 0.5}),
        ("brightness", {"factor": (0.7, 1.3)}),
        ("contrast", {"factor": (0.7, 1.3)}),
        ("saturation", {"factor": (0.7, 1.3)}),
        ("hue", {"delta": (-0.1, 0.1)}),
    ],
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("pipeline", sorted(EXPECTED))
def test_pipeline_has_the_published_steps(pipeline: str, backend: str) -> None:
    aug = lesionkit.augmenters.create(pipeline, backend=backend)
    got = [(s.op, s.params) for s in aug.steps]
    assert [op for op, _ in got] == [op for op, _ in EXPECTED[pipeline]]
    for (op, params), (_, want) in zip(got, EXPECTED[pipeline]):
        for key, value in want.items():
            assert params[key] == pytest.approx(value) if not isinstance(value, str) else params[key] == value, (
                op,
                key,
            )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("pipeline", sorted(EXPECTED))
def test_pipeline_steps_do_what_their_parameters_say(pipeline: str, backend: str) -> None:
    for step in lesionkit.augmenters.create(pipeline, backend=backend).steps:
        check_step(step)


LIES = [
    ("brightness", {"factor": (0.5, 0.9)}, {"factor": (0.7, 1.3)}),
    ("hue", {"delta": (-0.05, 0.05)}, {"delta": (-0.1, 0.1)}),
    (
        "affine",
        {"rotate": (-45, 45), "shear": (-20, 20), "scale": (0.8, 1.2)},
        {"rotate": (-90.0, 90.0), "shear": (-20.0, 20.0), "scale": (0.8, 1.2), "fill": "symmetric"},
    ),
    ("crop_percent", {"percent": (0.0, 0.35)}, {"percent": (0.0, 0.2)}),
    ("flip", {"horizontal": 0.0, "vertical": 0.9}, {"horizontal": 0.0, "vertical": 0.5}),
]


class _Liar(Augmenter):
    """Claims ``claims`` as its parameters while doing what ``real`` does."""

    def __init__(self, real: Primitive, claims: dict) -> None:
        self.real, self.op, self.params, self.backend = real, real.op, claims, real.backend

    def apply_tf(self, images, seed):  # type: ignore[no-untyped-def]
        return self.real.apply_tf(images, seed)

    def apply_numpy(self, images, seed):  # type: ignore[no-untyped-def]
        return self.real.apply_numpy(images, seed)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("op", "does", "claims"), LIES, ids=[lie[0] for lie in LIES])
def test_probes_catch_a_step_that_does_something_else(op: str, does: dict, claims: dict, backend: str) -> None:
    """The probes can fail: a step whose real range differs from its stated one is caught."""
    liar = _Liar(make(op, backend, **does), claims)

    def lying_factory(o: str, b: str, **kw):  # type: ignore[no-untyped-def]
        if kw.get("rotate", 0.0) != 0.0:
            kw["rotate"] = does["rotate"]
        return make(o, b, **kw)

    with pytest.raises(AssertionError):
        check_step(liar, factory=lying_factory)  # type: ignore[arg-type]
