"""Before/after grids of an augmentation pipeline (like the paper's Figure 6).

Example:
    >>> import numpy as np
    >>> from lesionkit.augment.preview import preview_grid
    >>> grid = preview_grid(np.zeros((40, 40, 3), np.uint8), "flip", n=3, size=32)
    >>> grid.size[0] > 4 * 32
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lesionkit.errors import DataError, DataNotFoundError
from lesionkit.io import atomic_path

PAD = 4
LABEL_W = 64
HEADER_H = 16


def load_image(path: str | Path, size: int) -> np.ndarray:
    """An RGB uint8 image from ``path``, resized to ``size``×``size``.

    Raises:
        DataNotFoundError: no file at ``path``.
        DataError: the file is not an image Pillow can read.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"no image at {path}: give the path of a JPEG or PNG file")
    try:
        with Image.open(path) as im:
            im = im.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(im, dtype=np.uint8).copy()
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"{path} is not a readable image ({exc}); give a JPEG or PNG file") from None


def preview_grid(
    image: np.ndarray,
    pipeline: str,
    *,
    backends: Sequence[str] = ("tf",),
    n: int = 7,
    seed: int = 0,
    size: int = 224,
    params: Mapping[str, Any] | None = None,
) -> Any:
    """A PIL image: per backend one row, the original then ``n`` augmented versions.

    ``pipeline`` is any registered augmenter name (``lesionkit.augmenters``);
    ``params`` are passed to its factory with ``backend``.
    """
    from PIL import Image, ImageDraw

    import lesionkit

    if n < 1:
        raise ValueError(f"n={n!r}: show at least one augmented version")
    image = np.asarray(image, np.uint8)
    if image.shape[:2] != (size, size):
        image = np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.BILINEAR))
    batch = np.broadcast_to(image, (n, size, size, 3)).copy()
    rows = []
    for backend in backends:
        aug = lesionkit.augmenters.create(pipeline, **{**dict(params or {}), "backend": backend})
        rows.append((backend, aug(batch, seed=seed)))
    cell = size + PAD
    width = LABEL_W + cell * (n + 1) + PAD
    height = HEADER_H + cell * len(rows) + PAD
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    draw.text((LABEL_W + PAD, 2), "before", fill=(0, 0, 0))
    draw.text((LABEL_W + PAD + cell, 2), f"after: {pipeline} (seed {seed})", fill=(0, 0, 0))
    for r, (backend, out) in enumerate(rows):
        y = HEADER_H + r * cell
        draw.text((4, y + size // 2 - 6), backend, fill=(0, 0, 0))
        canvas.paste(Image.fromarray(image), (LABEL_W + PAD, y))
        for c in range(n):
            canvas.paste(Image.fromarray(out[c]), (LABEL_W + PAD + (c + 1) * cell, y))
    return canvas


def save_preview(path: str | Path, grid: Any) -> Path:
    """Write ``grid`` (a PIL image) as PNG to ``path``, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        grid.save(tmp, format="PNG")
    return path
