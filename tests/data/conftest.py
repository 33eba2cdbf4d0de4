"""Helpers for the data tests: tiny ISIC-2017-shaped folders, written on the fly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from release_layouts import make_ham_layout, make_isic2018_layout, make_isic2019_layout

from lesionkit.data.sources.isic2017 import SPLIT_FILES

GT_HEADER = "image_id,melanoma,seborrheic_keratosis"
ROW = {0: "0.0,0.0", 1: "1.0,0.0", 2: "0.0,1.0"}


def write_jpeg(path: Path, seed: int, size: tuple[int, int] = (48, 40)) -> None:
    """A small random-ish JPEG (width, height)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=(size[1] // 8 + 1, size[0] // 8 + 1, 3), dtype=np.uint8)
    arr = np.kron(base, np.ones((8, 8, 1), np.uint8))[: size[1], : size[0]]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path, quality=90)


def make_isic_layout(root: Path, diagnoses: dict[str, list[int]] | None = None, *, superpixels: bool = True) -> Path:
    """An ISIC 2017 layout with tiny images; ``diagnoses`` per split (codes 0/1/2)."""
    diagnoses = diagnoses or {"train": [0, 1, 2, 0, 1, 0], "validation": [0, 1, 2], "test": [0, 2, 1]}
    counter = 0
    for split, codes in diagnoses.items():
        infix = SPLIT_FILES[split]
        folder = root / f"ISIC-2017_{infix}_Data"
        folder.mkdir(parents=True, exist_ok=True)
        rows, meta = [GT_HEADER], ["image_id,age_approximate,sex"]
        for code in codes:
            image_id = f"ISIC_{counter:07d}"
            write_jpeg(folder / f"{image_id}.jpg", counter)
            if superpixels:
                Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(folder / f"{image_id}_superpixels.png")
            rows.append(f"{image_id},{ROW[code]}")
            meta.append(
                f"{image_id},{'unknown' if counter % 3 == 0 else 30 + counter},{'female' if counter % 2 else 'male'}"
            )
            counter += 1
        (root / f"ISIC-2017_{infix}_Part3_GroundTruth.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode())
        (folder / f"ISIC-2017_{infix}_Data_metadata.csv").write_text("\n".join(meta) + "\n")
    return root


@pytest.fixture
def isic_dir(tmp_path: Path) -> Path:
    return make_isic_layout(tmp_path / "isic2017")


@pytest.fixture
def isic_layout():
    """``make_isic_layout`` itself, for tests that need their own label mix."""
    return make_isic_layout


@pytest.fixture
def jpeg_writer():
    """``write_jpeg`` itself."""
    return write_jpeg


# HAM10000, ISIC 2018 Task 3 and ISIC 2019 layouts: the writers live in release_layouts.py.


@pytest.fixture
def ham_dir(tmp_path: Path) -> Path:
    return make_ham_layout(tmp_path / "ham10000")


@pytest.fixture
def isic2018_dir(tmp_path: Path) -> Path:
    return make_isic2018_layout(tmp_path / "isic2018")


@pytest.fixture
def isic2019_dir(tmp_path: Path) -> Path:
    return make_isic2019_layout(tmp_path / "isic2019")
