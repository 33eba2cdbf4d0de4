"""Tiny HAM10000, ISIC 2018 Task 3 and ISIC 2019 layouts (32-px JPEGs), written on the fly by the data tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_jpeg(path: Path, seed: int, size: tuple[int, int] = (32, 32)) -> None:
    """A small random-ish JPEG (width, height)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=(size[1] // 8 + 1, size[0] // 8 + 1, 3), dtype=np.uint8)
    arr = np.kron(base, np.ones((8, 8, 1), np.uint8))[: size[1], : size[0]]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path, quality=90)


HAM_HEADER = "lesion_id,image_id,dx,dx_type,age,sex,localization"
#: (lesion, dx, dx_type, age, sex, localization) per image; lesions 0, 3 and 7 have two images each.
HAM_ROWS = [
    (0, "nv", "follow_up", "45.0", "male", "back"),
    (0, "nv", "follow_up", "45.0", "male", "back"),
    (1, "mel", "histo", "", "female", "face"),
    (2, "bkl", "consensus", "60.0", "unknown", "unknown"),
    (3, "nv", "histo", "30.0", "female", "trunk"),
    (3, "nv", "histo", "30.0", "female", "trunk"),
    (4, "bcc", "histo", "70.0", "male", "neck"),
    (5, "akiec", "histo", "75.0", "male", "scalp"),
    (6, "df", "consensus", "40.0", "female", "lower extremity"),
    (7, "vasc", "consensus", "35.0", "male", "abdomen"),
    (7, "vasc", "consensus", "35.0", "male", "abdomen"),
    (8, "mel", "histo", "55.0", "female", "back"),
    (9, "nv", "follow_up", "50.0", "male", "back"),
    (10, "nv", "confocal", "50.0", "female", "chest"),
]


def ham_image_id(k: int) -> str:
    """Ids from both published ranges: even rows in part 1 (ISIC_0024306...), odd rows in part 2."""
    return f"ISIC_{(24306 if k % 2 == 0 else 29306) + k:07d}"


def make_ham_layout(root: Path, rows: list[tuple] | None = None, *, without_images: tuple[int, ...] = ()) -> Path:
    """A HAM10000 layout; ``without_images``: row numbers whose JPEG is not written (a subset)."""
    rows = HAM_ROWS if rows is None else rows
    lines = [HAM_HEADER]
    for k, (lesion, dx, dx_type, age, sex, site) in enumerate(rows):
        image_id = ham_image_id(k)
        part = "HAM10000_images_part_1" if int(image_id[5:]) < 29306 else "HAM10000_images_part_2"
        if k not in without_images:
            write_jpeg(root / part / f"{image_id}.jpg", k, (32, 32))
        lines.append(f"HAM_{lesion:07d},{image_id},{dx},{dx_type},{age},{sex},{site}")
    (root / "HAM10000_images_part_1").mkdir(parents=True, exist_ok=True)
    (root / "HAM10000_metadata.csv").write_text("\n".join(lines) + "\n")
    return root


ONE_HOT_2018 = ("MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC")
ONE_HOT_2019 = ("MEL", "NV", "BCC", "AK", "BKL", "DF", "VASC", "SCC", "UNK")


def one_hot_row(image_id: str, columns: tuple[str, ...], label: str) -> str:
    return ",".join([image_id] + ["1.0" if c == label else "0.0" for c in columns])


def make_isic2018_layout(
    root: Path,
    splits: dict[str, list[tuple[str, str]]] | None = None,
    *,
    groupings: bool = True,
    gt_in_folder: bool = True,
) -> Path:
    """ISIC 2018 Task 3: ``splits`` maps Training/Validation/Test to (label, lesion) per image."""
    splits = splits or {
        "Training": [(label, f"L{k // 2}") for k, label in enumerate(["NV"] * 8 + ["MEL"] * 4 + ["BKL"] * 4)]
    }
    counter = 0
    for infix, images in splits.items():
        stem = f"ISIC2018_Task3_{infix}"
        rows = ["image," + ",".join(ONE_HOT_2018)]
        groups = ["image,lesion_id,diagnosis_confirm_type"]
        for label, lesion in images:
            image_id = f"ISIC_{34000 + counter:07d}"
            write_jpeg(root / f"{stem}_Input" / f"{image_id}.jpg", counter, (32, 32))
            rows.append(one_hot_row(image_id, ONE_HOT_2018, label))
            groups.append(f"{image_id},HAM_{lesion},{'histo' if label == 'MEL' else 'follow_up'}")
            counter += 1
        gt = (
            root / f"{stem}_GroundTruth" / f"{stem}_GroundTruth.csv"
            if gt_in_folder
            else root / f"{stem}_GroundTruth.csv"
        )
        gt.parent.mkdir(parents=True, exist_ok=True)
        gt.write_bytes(("\r\n".join(rows) + "\r\n").encode())
        if groupings:
            (root / f"{stem}_LesionGroupings.csv").write_text("\n".join(groups) + "\n")
    return root


def make_isic2019_layout(root: Path, images: list[tuple[str, str]] | None = None, *, metadata: bool = True) -> Path:
    """ISIC 2019 training: (label, lesion or "") per image; metadata ages/sites vary, some unknown."""
    images = images or [
        (label, f"L{k // 2}" if k < 12 else "")
        for k, label in enumerate(["NV"] * 6 + ["MEL"] * 4 + ["SCC"] * 2 + ["AK", "BCC", "UNK", "NV"])
    ]
    rows = ["image," + ",".join(ONE_HOT_2019)]
    meta = ["image,age_approx,anatom_site_general,lesion_id,sex"]
    for k, (label, lesion) in enumerate(images):
        image_id = f"ISIC_{k:07d}" + ("_downsampled" if k == 3 else "")
        write_jpeg(root / "ISIC_2019_Training_Input" / f"{image_id}.jpg", k, (32, 32))
        rows.append(one_hot_row(image_id, ONE_HOT_2019, label))
        site = "" if k % 5 == 0 else "anterior torso"
        meta.append(f"{image_id},{'' if k % 4 == 0 else 30 + k},{site},{'BCN_' + lesion if lesion else ''},female")
    (root / "ISIC_2019_Training_GroundTruth.csv").write_text("\n".join(rows) + "\n")
    if metadata:
        (root / "ISIC_2019_Training_Metadata.csv").write_text("\n".join(meta) + "\n")
    return root
