"""Your own data: a folder of images and a CSV of labels, as a lesionkit dataset.

The CSV (default ``labels.csv`` in the folder) has an ``image_id`` column (a
file name, with or without its extension, relative to the image folder) and
the labels in one of two forms:

- a ``diagnosis`` column: the class of each image, in your own taxonomy. A known
  diagnosis in any spelling (``naevus``, ``Melanoma``, ``BCC``, ``basal cell carcinoma``,
  ``sk``, ``AK``...; ``0``/``1``/``2`` are ISIC 2017's codes) maps to the shared code of
  :mod:`lesionkit.diagnoses`; any other name (``other_benign``, ``benign``) is a class of
  its own. A name close to a known diagnosis (``melanomma``) is warned about;
- the ISIC columns ``melanoma`` and ``seborrheic_keratosis`` (0/1, never both).

:attr:`FolderDataset.classes` names the classes found; task ``from_dataset`` (the
``own_data`` preset) trains on all of them, and ``Task.from_classes`` groups them
(:mod:`lesionkit.task`).

An optional ``split`` column (``train``/``validation``/``test``) assigns rows to
splits; without it the rows are split by a seeded, class-stratified draw
(``validation_fraction``, ``test_fraction``). Extra columns become per-image
metadata. Images are looked for in ``images/`` under the folder if it exists,
else in the folder itself; each is decoded once into the cache.

Without a CSV, images sorted into class folders (``my_data/melanoma/*.jpg``, or
``my_data/train/melanoma/*.jpg`` with the splits given) are labelled by their
folder; see :mod:`lesionkit.data.sources.class_folders`.

Example::

    my_data/labels.csv          image_id,diagnosis,split
                                lesion_001,melanoma,train
    my_data/images/lesion_001.jpg

    >>> import lesionkit
    >>> ds = lesionkit.datasets.create("folder", data_dir="my_data")   # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import functools
import os
from pathlib import Path
from typing import Any, Literal

import numpy as np

from lesionkit.data.checks.validate import ValidationReport, check_images
from lesionkit.data.labels.csvtable import parse_binary, read_csv
from lesionkit.data.loading.cache import cached_images
from lesionkit.data.loading.images import IMAGE_SUFFIXES
from lesionkit.data.sources.base import ValidateOptions
from lesionkit.data.sources.class_folders import SPLITS, folder_class_code, has_class_folders, read_class_folders
from lesionkit.data.splitting.split import Split, ordered_class_names
from lesionkit.diagnoses import (
    ALIASES,
    DIAGNOSES,
    MELANOMA,
    NEVUS,
    SEBORRHEIC_KERATOSIS,
    UnknownDiagnosisError,
    diagnosis_counts,
    is_own_class,
)
from lesionkit.errors import DataError, DataNotFoundError, DataProblems
from lesionkit.warn import warn


class FolderDataset:
    """A folder of images plus a label CSV (see module docs).

    Args:
        data_dir: the folder.
        labels: the CSV, relative to ``data_dir`` (or absolute).
        image_dir: where the images are; default ``data_dir/images`` if it exists, else ``data_dir``.
        cache_dir: where resized images are cached.
        validation_fraction, test_fraction: shares for the seeded split when the CSV has no ``split`` column.
        seed: seed of that split.

    Attributes:
        classes: the class names of the images, known diagnoses first (in code order), then
            one's own names alphabetically, e.g. ``('nevus', 'melanoma', 'other_benign')``.

    Raises:
        DataNotFoundError: folder or CSV missing. DataError: bad rows, unknown
            labels or missing images, every one listed with its CSV line.
    """

    name = "folder"

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        labels: str = "labels.csv",
        image_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        validation_fraction: float = 0.15,
        test_fraction: float = 0.15,
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        self.root = Path(data_dir).expanduser()
        self.csv = self.root / labels
        self.layout = detect_layout(self.root, labels)
        if self.layout is None:
            raise DataNotFoundError(
                f"label CSV {self.csv} not found (folder dataset at {self.root}); "
                "put a CSV with image_id and diagnosis (or melanoma,seborrheic_keratosis) columns there, pass "
                "labels=..., or sort the images into two or more class folders (e.g. nevus/, melanoma/, other_benign/)"
            )
        if self.layout == "class_folders" and image_dir is not None:
            raise ValueError(
                f"image_dir={image_dir!r}: {self.root} holds class folders, which are the images; "
                "pass the folder holding them as data_dir instead"
            )
        default_images = self.root / "images"
        self.image_dir = (
            Path(image_dir).expanduser() if image_dir else (default_images if default_images.is_dir() else self.root)
        )
        if not 0 <= validation_fraction < 1 or not 0 <= test_fraction < 1 or validation_fraction + test_fraction >= 1:
            raise ValueError(
                f"validation_fraction={validation_fraction}, test_fraction={test_fraction}: use shares in [0, 1) summing below 1"
            )
        self.cache_dir = cache_dir
        self.progress = progress
        if self.layout == "class_folders":
            layout = read_class_folders(self.root)
            metadata: dict[str, tuple[object, ...]] = {}
            ids, paths, diagnosis, split = layout.ids, layout.paths, layout.diagnosis, layout.split
        else:
            ids, paths, diagnosis, split, metadata = self._read()
        self.classes = ordered_class_names(diagnosis)
        _warn_near_misses(self.classes, self.root)
        if split is None:
            split = _stratified_split(diagnosis, validation_fraction, test_fraction, seed)
        self._rows = {s: np.flatnonzero(split == s) for s in SPLITS if np.any(split == s)}
        self._ids, self._paths, self._diagnosis, self._metadata = ids, paths, diagnosis, metadata
        self._images: dict[tuple[str, int], np.ndarray] = {}

    def __repr__(self) -> str:
        return f"FolderDataset(data_dir={str(self.root)!r}, labels={self.csv.name!r})"

    def split_names(self) -> tuple[str, ...]:
        return tuple(self._rows)

    def split(self, name: str) -> Split:
        if name not in self._rows:
            raise KeyError(
                f"folder dataset {self.root} has no split {name!r}; splits: {', '.join(self._rows) or 'none'}"
            )
        rows = self._rows[name]
        paths = tuple(self._paths[i] for i in rows)
        return Split(
            name=name,
            ids=tuple(self._ids[i] for i in rows),
            diagnosis=self._diagnosis[rows],
            load_images=functools.partial(self._load, name, paths),
            metadata={k: tuple(v[i] for i in rows) for k, v in self._metadata.items()},
            paths=paths,
        )

    def _load(self, name: str, paths: tuple[str, ...], size: int) -> np.ndarray:
        key = (name, int(size))
        if key not in self._images:
            tag = f"folder-{self.root.name}-{name}"
            self._images[key] = cached_images(paths, int(size), self.cache_dir, name=tag, progress=self.progress)
        return self._images[key]

    def _read(
        self,
    ) -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray, np.ndarray | None, dict[str, tuple[object, ...]]]:
        table = read_csv(self.csv, what="label CSV", expected="image_id,diagnosis").require(["image_id"])
        names = table.header
        isic = {"melanoma", "seborrheic_keratosis"} <= set(names)
        if "diagnosis" not in names and not isic:
            raise DataError(
                f"{self.csv}: needs a diagnosis column or melanoma and seborrheic_keratosis columns (header {','.join(names)!r})"
            )
        has_split = "split" in names
        label_cols = {"image_id", "split"} | (
            {"diagnosis"} if "diagnosis" in names else {"melanoma", "seborrheic_keratosis"}
        )
        meta_cols = table.extra_columns(label_cols)
        files: dict[str, Path] = {}
        if self.image_dir.is_dir():
            for p in self.image_dir.iterdir():
                if p.suffix.lower() in IMAGE_SUFFIXES:
                    files.setdefault(p.stem, p)
                    files[p.name] = p
        problems: list[str] = []
        ids, paths, diagnosis, split = [], [], [], []
        metadata: dict[str, list[object]] = {c: [] for c in meta_cols}
        for record in table.records(problems):
            line, image_id, cell = record.line, record.image_id, record.cells
            if "diagnosis" in cell:
                try:
                    code = folder_class_code(cell["diagnosis"])
                except UnknownDiagnosisError as exc:
                    problems.append(f"line {line}: {image_id} diagnosis={cell['diagnosis']!r}: {exc}")
                    continue
            else:
                mel, sk = parse_binary(cell["melanoma"]), parse_binary(cell["seborrheic_keratosis"])
                if mel is None or sk is None or (mel and sk):
                    problems.append(
                        f"line {line}: {image_id} melanoma={cell['melanoma']!r}, seborrheic_keratosis={cell['seborrheic_keratosis']!r}; "
                        "use 0/1, never both 1"
                    )
                    continue
                code = MELANOMA if mel else SEBORRHEIC_KERATOSIS if sk else NEVUS
            if has_split and cell["split"] not in SPLITS:
                problems.append(f"line {line}: {image_id} split={cell['split']!r}; use one of {', '.join(SPLITS)}")
                continue
            path = files.get(image_id)
            if path is None:
                problems.append(f"line {line}: no image {image_id!r} in {self.image_dir}")
                continue
            ids.append(Path(image_id).stem if image_id == path.name else image_id)
            paths.append(str(path))
            diagnosis.append(code)
            split.append(cell["split"] if has_split else "")
            for c in meta_cols:
                metadata[c].append(cell[c] or None)
        if problems:
            raise DataProblems(f"{self.csv}: {len(problems)} problem(s)", problems, source=str(self.csv))
        if not ids:
            raise DataError(f"{self.csv}: no labelled images")
        return (
            tuple(ids),
            tuple(paths),
            np.asarray(diagnosis, dtype=np.int64),
            np.asarray(split) if has_split else None,
            {k: tuple(v) for k, v in metadata.items()},
        )


def detect_layout(root: Path, labels: str = "labels.csv") -> Literal["csv", "class_folders"] | None:
    """How a folder dataset at ``root`` is labelled: by its label CSV, by class folders, or not at all."""
    if (root / labels).is_file():
        return "csv"
    return "class_folders" if has_class_folders(root) else None


#: How alike (difflib's ratio) an own class name and a diagnosis spelling must be to be warned about:
#: "melanomma" (0.94) is a slip of the pen, "benign" beside "benign_keratosis" (0.55) a class of its own.
NEAR_MISS = 0.85


def _warn_near_misses(classes: tuple[str, ...], root: Path) -> None:
    """Warn about own class names that look like a misspelt diagnosis: they would train as classes of their own."""
    known = (*DIAGNOSES, *ALIASES)
    for name in classes:
        close = difflib.get_close_matches(name, known, n=1, cutoff=NEAR_MISS)
        if close and is_own_class(folder_class_code(name)):
            warn(
                f"{root}: class {name!r} is no known diagnosis, so it is a class of its own. Did you mean {close[0]!r}?"
            )


def _stratified_split(diagnosis: np.ndarray, validation: float, test: float, seed: int) -> np.ndarray:
    """Split names per row, drawn per class so each split keeps the class mix."""
    out = np.full(len(diagnosis), "train", dtype=object)
    rng = np.random.default_rng(seed)
    for code in np.unique(diagnosis):
        rows = rng.permutation(np.flatnonzero(diagnosis == code))
        n_test, n_val = int(round(len(rows) * test)), int(round(len(rows) * validation))
        out[rows[:n_test]] = "test"
        out[rows[n_test : n_test + n_val]] = "validation"
    return out.astype(str)


def validate_folder(
    root: str | Path, *, labels: str = "labels.csv", decode: bool = True, progress: bool = True
) -> ValidationReport:
    """Check a ``folder`` dataset (class folders or images + label CSV): rows, files, every image; counts per class."""
    root = Path(root).expanduser()
    report = ValidationReport(str(root), columns=())
    try:
        ds = FolderDataset(root, labels, progress=False)
    except DataProblems as exc:  # every one of them, each naming its file
        report.problems.extend(f"{exc.source}, {p}" if exc.source else p for p in exc.problems)
        return report
    except DataError as exc:
        report.problems.append(str(exc))
        return report
    paths: list[Path] = []
    for name in ds.split_names():
        split = ds.split(name)
        report.counts[name] = diagnosis_counts(split.diagnosis)
        paths.extend(Path(p) for p in split.paths or ())
    report.columns = ds.classes  # the folder's own taxonomy, not ISIC 2017's three
    listed = {p.resolve() for p in paths}
    if ds.layout == "csv":  # (class folders: every image is labelled by where it lies)
        report.problems.extend(
            f"{p}: image has no row in {ds.csv.name}"
            for p in sorted(ds.image_dir.iterdir())
            if p.suffix.lower() in IMAGE_SUFFIXES and p.resolve() not in listed
        )
    if decode:
        problems, notes = check_images(paths, progress=progress)
        report.problems.extend(problems)
        report.notes.extend(notes)
        report.images_checked = len(paths)
    return report


class FolderSource:
    """Your own images in your own classes: class folders, or a CSV (``image_id`` + ``diagnosis``, optional ``split``)."""

    name = "folder"
    title = "a folder dataset (your own images)"
    looks_for = "labels.csv (image_id,diagnosis), or class folders of images (two or more, or one named by a diagnosis)"
    catch_all = True

    def __call__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        labels: str = "labels.csv",
        image_dir: str | None = None,
        validation_fraction: float = 0.15,
        test_fraction: float = 0.15,
        seed: int = 0,
        progress: bool = True,
    ) -> FolderDataset:
        if data_dir is None:  # optional here so that a preset (own_data) validates before its folder is given
            raise DataNotFoundError(
                "the folder dataset reads your own images: give their folder as data_dir (--data-dir on the command line)"
            )
        return FolderDataset(
            data_dir,
            labels,
            image_dir,
            cache_dir,
            validation_fraction=validation_fraction,
            test_fraction=test_fraction,
            seed=seed,
            progress=progress,
        )

    def recognises(self, root: Path, labels: str = "labels.csv") -> bool:
        return detect_layout(root, labels) is not None

    def validate(self, root: Path, options: ValidateOptions) -> ValidationReport:
        return validate_folder(root, labels=options.labels, decode=options.decode, progress=options.progress)

    def audit_params(self, options: ValidateOptions) -> dict[str, Any]:
        return {"labels": options.labels, "seed": options.seed}

    def describe_release(self, base_url: str | None = None) -> None:
        return None

    def download(self, to: Path, *, base_url: str | None, keep_archives: bool, progress: bool) -> Path:
        raise DataError("the folder dataset is your own images: there is nothing to download")


SOURCE = FolderSource()
