"""Labels from folder names: the ``root/<class>/image.jpg`` layout many image collections use.

Two layouts are recognised, with class folders named by diagnosis (``nevus``,
``melanoma``, ``seborrheic_keratosis``; also ``sk``, ``0``/``1``/``2``, any case)::

    root/melanoma/ISIC_0000002.jpg            split drawn by the folder dataset
    root/train/melanoma/ISIC_0000002.jpg      splits given: train/, validation/, test/

Image ids are file names without their extension and must be unique across the
tree. Anything unexpected — a folder that is neither a split nor a class, an
image lying outside the class folders, a repeated id — is an error that names
every offending path.

Example:
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for path in ("Melanoma/a.jpg", "nevus/b.jpg", "nevus/c.png"):
    ...     (root / path).parent.mkdir(exist_ok=True)
    ...     _ = (root / path).write_bytes(b"")
    >>> layout = read_class_folders(root)
    >>> layout.ids, layout.diagnosis.tolist(), layout.split is None
    (('a', 'b', 'c'), [1, 0, 0], True)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import attrs
import numpy as np

from lesionkit.data.images import IMAGE_SUFFIXES
from lesionkit.data.split import CLASS_NAMES, MELANOMA, NEVUS, SEBORRHEIC_KERATOSIS
from lesionkit.errors import DataError, DataProblems

SPLITS = ("train", "validation", "test")

#: Accepted names of class folders and diagnosis values (lower case).
DIAGNOSES: Mapping[str, int] = {name: code for code, name in enumerate(CLASS_NAMES)} | {
    "0": NEVUS,
    "1": MELANOMA,
    "2": SEBORRHEIC_KERATOSIS,
    "sk": SEBORRHEIC_KERATOSIS,
    "seborrheic keratosis": SEBORRHEIC_KERATOSIS,
}


@attrs.frozen(eq=False)
class ClassFolderLayout:
    """What the folders say: ids, image paths, diagnosis codes and (if given) split names, sorted by path."""

    ids: tuple[str, ...]
    paths: tuple[str, ...]
    diagnosis: np.ndarray
    split: np.ndarray | None


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def has_class_folders(root: Path) -> bool:
    """Whether ``root`` has a class folder (or a split folder holding one)."""
    if not root.is_dir():
        return False
    for sub in _subfolders(root):
        if sub.name.lower() in DIAGNOSES:
            return True
        if sub.name in SPLITS and any(s.name.lower() in DIAGNOSES for s in _subfolders(sub)):
            return True
    return False


def read_class_folders(root: str | Path) -> ClassFolderLayout:
    """Read the ``root/[<split>/]<class>/`` layout.

    Raises:
        DataError: unknown folders, stray images, repeated ids or no images, each path listed.
    """
    root = Path(root)
    problems: list[str] = []
    by_split = any(sub.name in SPLITS for sub in _subfolders(root))
    groups: list[tuple[str, Path]] = [(s.name, s) for s in _subfolders(root)] if by_split else [("", root)]
    ids: list[str] = []
    paths: list[str] = []
    diagnosis: list[int] = []
    split: list[str] = []
    first: dict[str, Path] = {}
    for split_name, folder in groups:
        if by_split and split_name not in SPLITS:
            problems.append(f"{folder}: not a split folder; use {', '.join(SPLITS)}")
            continue
        problems += [f"{p}: image outside a class folder; move it into one" for p in _images(folder)]
        for class_folder in _subfolders(folder):
            code = DIAGNOSES.get(class_folder.name.lower())
            if code is None:
                problems.append(
                    f"{class_folder}: not a class folder; name class folders {', '.join(CLASS_NAMES)} (or sk, 0/1/2)"
                )
                continue
            for image in _images(class_folder):
                if image.stem in first:
                    problems.append(f"{image}: image id {image.stem!r} repeats {first[image.stem]}")
                    continue
                first[image.stem] = image
                ids.append(image.stem)
                paths.append(str(image))
                diagnosis.append(code)
                split.append(split_name)
    if problems:
        raise DataProblems(f"{root}: {len(problems)} problem(s) in the class-folder layout", problems)
    if not ids:
        raise DataError(f"{root}: no images in its class folders ({', '.join(sorted(set(IMAGE_SUFFIXES)))})")
    return ClassFolderLayout(
        tuple(ids), tuple(paths), np.asarray(diagnosis, dtype=np.int64), np.asarray(split) if by_split else None
    )
