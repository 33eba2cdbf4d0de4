"""Labels from folder names: the ``root/<class>/image.jpg`` layout many image collections use.

Two layouts are recognised; every folder holding images is a class::

    root/melanoma/ISIC_0000002.jpg            split drawn by the folder dataset
    root/train/melanoma/ISIC_0000002.jpg      splits given: train/, validation/, test/

A folder named by a known diagnosis, in any spelling (``naevus``, ``Melanoma``, ``bcc``,
``basal cell carcinoma``, ``sk``, ``AK``...; ``0``/``1``/``2`` are ISIC 2017's codes), is that
diagnosis; any other name (``other_benign``, ``benign``) is a class of its own
(:func:`~lesionkit.diagnoses.class_code`). Without split folders, two or more class
folders make the layout, or one named by a known diagnosis (a lone ``images/`` is not one).

Image ids are file names without their extension and must be unique across the
tree. Anything unexpected — a folder that is neither a split nor a class, an
image lying outside the class folders, a repeated id — is an error that names
every offending path.

Example:
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for path in ("Melanoma/a.jpg", "naevus/b.jpg", "naevus/c.png"):
    ...     (root / path).parent.mkdir(exist_ok=True)
    ...     _ = (root / path).write_bytes(b"")
    >>> layout = read_class_folders(root)
    >>> layout.ids, layout.diagnosis.tolist(), layout.split is None
    (('a', 'b', 'c'), [1, 0, 0], True)
"""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np

from lesionkit.data.loading.images import IMAGE_SUFFIXES
from lesionkit.diagnoses import DIAGNOSES, UnknownDiagnosisError, class_code, diagnosis_code
from lesionkit.errors import DataError, DataProblems

SPLITS = ("train", "validation", "test")


def folder_class_code(name: str) -> int:
    """The code of a class folder's name or a ``diagnosis`` cell: ``0``/``1``/``2`` are ISIC 2017's
    nevus/melanoma/seborrheic keratosis, a diagnosis in any spelling its code, any other name its own class.

    Raises:
        UnknownDiagnosisError: a name that cannot be a class (empty, or with ``, = + :``).

    Example:
        >>> from lesionkit.diagnoses import diagnosis_name
        >>> [diagnosis_name(folder_class_code(n)) for n in ("2", "Naevus", "SCC", "other benign")]
        ['seborrheic_keratosis', 'nevus', 'squamous_cell_carcinoma', 'other_benign']
    """
    value = str(name).strip()
    return int(value) if value in ("0", "1", "2") else class_code(value)


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
    """Whether ``root`` holds class folders: two or more folders of images, one named by a known
    diagnosis (``melanoma/``), or split folders holding such folders. A lone ``images/`` is not one."""
    if not root.is_dir():
        return False
    subfolders = _subfolders(root)
    if any(sub.name in SPLITS and any(_images(c) for c in _subfolders(sub)) for sub in subfolders):
        return True
    with_images = [sub for sub in subfolders if _images(sub)]
    return len(with_images) >= 2 or any(_is_diagnosis(sub.name) for sub in with_images)


def _is_diagnosis(name: str) -> bool:
    try:
        diagnosis_code(name)
    except UnknownDiagnosisError:
        return False
    return True


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
            try:
                code = folder_class_code(class_folder.name)
            except UnknownDiagnosisError as exc:
                problems.append(f"{class_folder}: not a class folder name ({exc}); rename it")
                continue
            images = _images(class_folder)
            if not images:
                problems.append(f"{class_folder}: class folder without images; add images or remove it")
            for image in images:
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
        raise DataError(
            f"{root}: no images in its class folders ({', '.join(sorted(set(IMAGE_SUFFIXES)))}); "
            f"sort them into one folder per class, e.g. {DIAGNOSES[0]}/ and {DIAGNOSES[1]}/"
        )
    return ClassFolderLayout(
        tuple(ids), tuple(paths), np.asarray(diagnosis, dtype=np.int64), np.asarray(split) if by_split else None
    )
