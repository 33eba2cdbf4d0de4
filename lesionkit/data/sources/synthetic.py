"""Synthetic dermoscopy-like lesions: an offline dataset for demos, tests and debugging.

Each image is drawn deterministically from ``(seed, split, index)`` at any size.
The three classes differ by the traits dermatologists look for (the "ABCD"
rule), each drawn with overlap so that the task is learnable but not trivial:

- **nevus**: round and symmetric, smooth soft border, one even brown;
- **melanoma**: asymmetric, irregular notched border, several colours (dark
  brown, black, blue-grey, red) in patches;
- **seborrheic keratosis**: light tan to brown, sharp "stuck-on" border, a
  bumpy texture with bright milia-like dots and dark crypts.

Example:
    >>> from lesionkit.data.sources.synthetic import SyntheticLesions
    >>> ds = SyntheticLesions(sizes={"train": 8, "validation": 4, "test": 4})
    >>> split = ds.split("train")
    >>> split.load_images(32).shape
    (8, 32, 32, 3)
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np

from lesionkit.data.splitting.split import MELANOMA, NEVUS, SEBORRHEIC_KERATOSIS, Split

DEFAULT_SIZES = {"train": 600, "validation": 150, "test": 300}
# ISIC 2017 training proportions: 1372 nevus, 374 melanoma, 254 SK of 2000.
DEFAULT_FRACTIONS = (0.686, 0.187, 0.127)


def _rng(seed: int, *key: object) -> np.random.Generator:
    digest = hashlib.sha256(repr((seed, *key)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Value noise in [0, 1]: a coarse random grid, bilinearly upsampled."""
    grid = rng.random((cells + 1, cells + 1))
    t = np.linspace(0, cells, size, endpoint=False)
    i = t.astype(int)
    f = t - i
    f = f * f * (3 - 2 * f)
    a = grid[i][:, i] * (1 - f)[None, :] + grid[i][:, i + 1] * f[None, :]
    b = grid[i + 1][:, i] * (1 - f)[None, :] + grid[i + 1][:, i + 1] * f[None, :]
    return a * (1 - f)[:, None] + b * f[:, None]


def draw_lesion(diagnosis: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """One ``size``×``size`` RGB uint8 image of a lesion of class ``diagnosis``."""
    return draw_lesion_with_mask(diagnosis, size, rng)[0]


def draw_lesion_with_mask(diagnosis: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The image of :func:`draw_lesion` and where the lesion is: a boolean ``size``×``size`` mask.

    The mask is where the lesion covers more than half of a pixel (saliency tests check
    that a map falls on it).
    """
    coords = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    yy, xx = np.meshgrid(coords, coords, indexing="ij")

    # Skin: warm base colour, slow shading, fine grain.
    skin = np.array([224.0, 178.0, 150.0]) * rng.uniform(0.85, 1.05) + rng.normal(0, 3, 3)
    shade = 0.9 + 0.2 * _smooth_noise(rng, size, 3)
    image = skin[None, None, :] * shade[..., None]

    # "Mild" lesions carry weaker class traits, so classes overlap.
    strength = rng.uniform(0.35, 1.0) if rng.random() < 0.35 else 1.0

    cx, cy = rng.normal(0, 0.08, 2)
    theta = np.arctan2(yy - cy, xx - cx)
    r = np.hypot(xx - cx, yy - cy)
    radius = rng.uniform(0.38, 0.6)
    boundary = np.ones_like(theta)
    if diagnosis == MELANOMA:
        for k in (1, 2, 3):  # asymmetry
            boundary += strength * rng.uniform(0.05, 0.16) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
        for k in rng.integers(6, 15, size=3):  # notched, irregular border
            boundary += strength * rng.uniform(0.02, 0.06) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
        edge = 0.02
    elif diagnosis == SEBORRHEIC_KERATOSIS:
        boundary += rng.uniform(0.02, 0.08) * np.cos(2 * theta + rng.uniform(0, 2 * np.pi))
        edge = 0.008
    else:
        boundary += rng.uniform(0.0, 0.06) * np.cos(2 * theta + rng.uniform(0, 2 * np.pi))
        edge = 0.04
    mask = 1.0 / (1.0 + np.exp(-(radius * boundary - r) / edge))

    inner = np.clip(1.0 - r / radius, 0.0, 1.0)[..., None]
    if diagnosis == NEVUS:
        brown = np.array([150.0, 98.0, 70.0]) * rng.uniform(0.6, 1.15) + rng.normal(0, 3, 3)
        colour = brown * (0.9 + 0.1 * (1 - inner))
        colour = np.broadcast_to(colour, (size, size, 3)).copy()
    elif diagnosis == MELANOMA:
        base = np.array([135.0, 88.0, 62.0]) * rng.uniform(0.6, 1.1) + rng.normal(0, 3, 3)
        colour = np.broadcast_to(base, (size, size, 3)).copy()
        palette = np.array([[70.0, 45.0, 38.0], [35.0, 28.0, 30.0], [95.0, 108.0, 135.0], [175.0, 80.0, 80.0]])
        for _ in range(rng.integers(2, 5)):
            px, py = rng.normal(0, radius * 0.5, 2) + np.array([cx, cy])
            blob = np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * rng.uniform(0.06, 0.18) ** 2))
            weight = (strength * blob)[..., None]
            colour = colour * (1 - weight) + palette[rng.integers(len(palette))] * weight
    else:
        tan = np.array([176.0, 134.0, 92.0]) * rng.uniform(0.6, 1.1) + rng.normal(0, 3, 3)
        bumps = _smooth_noise(rng, size, max(4, size // 6))
        colour = tan * (0.8 + 0.35 * bumps[..., None])
        dots = rng.random((size, size)) < 0.012 * strength
        crypts = rng.random((size, size)) < 0.010 * strength
        colour[dots] = [235.0, 225.0, 200.0]
        colour[crypts] = [70.0, 50.0, 40.0]

    image = image * (1 - mask[..., None]) + colour * mask[..., None]
    image += rng.normal(0, 4, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask > 0.5


class SyntheticLesions:
    """A dataset of synthetic lesions in ``train``/``validation``/``test`` splits.

    Args:
        seed: the same seed draws the same images and labels.
        sizes: images per split (default 600/150/300).
        class_fractions: (nevus, melanoma, seborrheic keratosis) shares.
    """

    name = "synthetic"

    def __init__(
        self,
        seed: int = 0,
        sizes: Mapping[str, int] | None = None,
        class_fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    ) -> None:
        self.seed = int(seed)
        self.sizes = dict(DEFAULT_SIZES if sizes is None else sizes)
        for split, n in self.sizes.items():
            if not isinstance(n, int) or n < 1:
                raise ValueError(f"sizes[{split!r}] = {n!r}: use a positive number of images")
        fractions = np.asarray(class_fractions, dtype=float)
        if fractions.shape != (3,) or np.any(fractions < 0) or fractions.sum() <= 0:
            raise ValueError(f"class_fractions = {class_fractions!r}: three non-negative shares")
        self.class_fractions = tuple(float(f) for f in fractions / fractions.sum())
        self._cache: dict[tuple[str, int], np.ndarray] = {}

    def __repr__(self) -> str:
        return f"SyntheticLesions(seed={self.seed}, sizes={self.sizes})"

    def split_names(self) -> tuple[str, ...]:
        return tuple(self.sizes)

    def split(self, name: str) -> Split:
        if name not in self.sizes:
            raise KeyError(f"synthetic dataset has no split {name!r}; splits: {', '.join(self.sizes)}")
        n = self.sizes[name]
        diagnosis = self._diagnoses(name, n)
        return Split(
            name=name,
            ids=tuple(f"SYN_{name}_{i:05d}" for i in range(n)),
            diagnosis=diagnosis,
            load_images=lambda size: self._images(name, diagnosis, size),
        )

    def _diagnoses(self, name: str, n: int) -> np.ndarray:
        # Exact class counts (largest remainder), in a seeded random order.
        raw = np.asarray(self.class_fractions) * n
        counts = np.floor(raw).astype(int)
        counts[np.argsort(raw - counts)[::-1][: n - counts.sum()]] += 1
        labels = np.repeat(np.arange(3), counts)
        _rng(self.seed, name, "order").shuffle(labels)
        return labels.astype(np.int64)

    def _images(self, name: str, diagnosis: np.ndarray, size: int) -> np.ndarray:
        key = (name, int(size))
        if key not in self._cache:
            self._cache[key] = np.stack(
                [draw_lesion(int(d), int(size), _rng(self.seed, name, i)) for i, d in enumerate(diagnosis)]
            )
        return self._cache[key]
