"""Regenerates the augmentation previews in docs/images and prints the twin-agreement tables.

Run from the repository root:  python docs/images/make_augmentation_images.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import lesionkit
from lesionkit.augment.preview import preview_grid, save_preview
from lesionkit.augment.primitives import make
from lesionkit.data.sources.synthetic import draw_lesion

HERE = Path(__file__).parent

FIXED = [
    ("crop_percent", {"percent": 0.1}),
    ("affine", {"rotate": 45, "shear": 15, "scale": 1.1}),
    ("flip", {"horizontal": 1.0, "vertical": 1.0}),
    ("brightness", {"factor": 1.2}),
    ("contrast", {"factor": 1.2}),
    ("hue", {"delta": 0.1}),
    ("saturation", {"delta": 0.1}),
    ("saturation", {"factor": 1.2}),
]


def main() -> None:
    lesions = [draw_lesion(d, 224, np.random.default_rng(10 + d)) for d in (0, 1, 2)]
    for name, lesion in (("paper_table1", lesions[1]), ("perez_j", lesions[2]), ("tta_default", lesions[0])):
        grid = preview_grid(lesion, name, backends=("imgaug", "tf"), n=6, seed=0, size=160)
        save_preview(HERE / f"augment_{name}.png", grid)
        print("wrote", HERE / f"augment_{name}.png")

    batch = np.stack(lesions)
    print("\n| step (fixed parameters) | mean change it makes | tf vs imgaug, mean abs. diff. | max |")
    print("|---|---|---|---|")
    for op, params in FIXED:
        a = make(op, "tf", **params)(batch, seed=0).astype(float)
        b = make(op, "imgaug", **params)(batch, seed=0).astype(float)
        print(
            f"| `{op}` {params} | {np.abs(b - batch).mean():.2f} | {np.abs(a - b).mean():.2f} | {np.abs(a - b).max():.0f} |"
        )

    print("\n| pipeline (96 px, 1200 draws) | backend | mean grey (sd over images) | mean abs. change from input |")
    print("|---|---|---|---|")
    small = np.stack([draw_lesion(d, 96, np.random.default_rng(10 + d)) for d in (0, 1, 2)])
    many = np.repeat(small, 400, axis=0)  # 1200 draws per backend: sampling noise well under 1 grey level
    for name in ("paper_table1", "perez_j"):
        for backend in ("imgaug", "tf"):
            out = lesionkit.augmenters.create(name, backend=backend)(many, seed=1).astype(float)
            means = out.reshape(len(out), -1).mean(1)
            change = np.abs(out - many).mean()
            print(f"| {name} | {backend} | {means.mean():.1f} ({means.std():.1f}) | {change:.1f} |")


if __name__ == "__main__":
    main()
