"""The ISIC 2017 Part 3 dataset (lesion classification), read from the official extracted layout.

Layout under the data directory (what ``lesionkit download isic2017 --to DIR`` leaves)::

    DIR/ISIC-2017_Training_Data/ISIC_0000000.jpg ...   (+ ISIC-2017_Training_Data_metadata.csv)
    DIR/ISIC-2017_Training_Part3_GroundTruth.csv
    DIR/ISIC-2017_Validation_Data/...   DIR/ISIC-2017_Validation_Part3_GroundTruth.csv
    DIR/ISIC-2017_Test_v2_Data/...      DIR/ISIC-2017_Test_v2_Part3_GroundTruth.csv

Splits ``train`` (2000 images: 374 melanoma, 254 SK, 1372 nevus),
``validation`` (150: 30/42/78) and ``test`` (600: 117/90/393); tasks
``melanoma``, ``seborrheic_keratosis`` and ``isic2017_3class``; per-image metadata
``age_approximate`` (float or ``None``) and ``sex``. A root holding only some
labelled splits (image folder and ground-truth CSV), e.g. training and validation
without the test set, loads those; asking for another split says what is missing.

The data directory is ``data_dir`` if given, else ``$LESIONKIT_DATA``, else
``~/.lesionkit/data/isic2017``. Images are decoded and resized once into the
cache (see :mod:`lesionkit.data.loading.cache`), which also checks every image decodes.

Example:
    >>> import lesionkit
    >>> ds = lesionkit.datasets.create("isic2017", data_dir="~/data/isic2017")  # doctest: +SKIP
    >>> ds.split("train").counts()                                             # doctest: +SKIP
    {'nevus': 1372, 'melanoma': 374, 'seborrheic_keratosis': 254}
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np

from lesionkit.data.checks.validate import ValidationReport, check_images
from lesionkit.data.fetch.download import ISIC2017_FILES, download_isic2017, resolve_base_url
from lesionkit.data.labels.ground_truth import class_counts, read_ground_truth, read_metadata
from lesionkit.data.labels.records import stray_files
from lesionkit.data.loading.cache import cached_images
from lesionkit.data.sources.base import ValidateOptions
from lesionkit.data.splitting.split import CLASS_NAMES, Split
from lesionkit.errors import DataError, DataNotFoundError, DataWarning
from lesionkit.warn import warn

DEFAULT_DATA_DIR = "~/.lesionkit/data/isic2017"
ENV_DATA = "LESIONKIT_DATA"
# split name -> the infix of the official file names
SPLIT_FILES = {"train": "Training", "validation": "Validation", "test": "Test_v2"}
# (nevus, melanoma, seborrheic keratosis) per split, from the challenge's ground truth
OFFICIAL_COUNTS = {
    "train": {"nevus": 1372, "melanoma": 374, "seborrheic_keratosis": 254},
    "validation": {"nevus": 78, "melanoma": 30, "seborrheic_keratosis": 42},
    "test": {"nevus": 393, "melanoma": 117, "seborrheic_keratosis": 90},
}


def image_dir(root: Path, split: str) -> Path:
    """``root/ISIC-2017_<Split>_Data``."""
    return root / f"ISIC-2017_{SPLIT_FILES[split]}_Data"


def ground_truth_csv(root: Path, split: str) -> Path:
    """``root/ISIC-2017_<Split>_Part3_GroundTruth.csv``."""
    return root / f"ISIC-2017_{SPLIT_FILES[split]}_Part3_GroundTruth.csv"


def metadata_csv(root: Path, split: str) -> Path:
    """``root/ISIC-2017_<Split>_Data/ISIC-2017_<Split>_Data_metadata.csv``."""
    return image_dir(root, split) / f"ISIC-2017_{SPLIT_FILES[split]}_Data_metadata.csv"


def required_paths(root: Path) -> list[Path]:
    """Every folder and CSV the dataset needs under ``root``."""
    return [p for s in SPLIT_FILES for p in (image_dir(root, s), ground_truth_csv(root, s))]


def labelled_splits(root: Path) -> tuple[str, ...]:
    """The splits whose image folder and ground-truth CSV are both under ``root``, in split order."""
    return tuple(s for s in SPLIT_FILES if image_dir(root, s).is_dir() and ground_truth_csv(root, s).is_file())


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The ISIC 2017 root: ``data_dir``, else ``$LESIONKIT_DATA``, else the default.

    Raises:
        DataNotFoundError: when no split's folder and CSV are there; the message
            lists each path looked at and how to download the data.
    """
    if data_dir is not None:
        candidates, source = [Path(data_dir).expanduser()], "data_dir"
    elif os.environ.get(ENV_DATA):
        candidates, source = [Path(os.environ[ENV_DATA]).expanduser()], f"${ENV_DATA}"
    else:
        candidates, source = [Path(DEFAULT_DATA_DIR).expanduser()], f"the default (no data_dir, ${ENV_DATA} unset)"
    root = candidates[0]
    if labelled_splits(root):
        return root
    missing = [p for p in required_paths(root) if not p.exists()]
    looked = "\n".join(f"  {'missing' if p in missing else 'found  '}: {p}" for p in required_paths(root))
    raise DataNotFoundError(
        f"ISIC 2017 data not found in {root} (from {source}). Looked for:\n{looked}\n"
        f"Get it with `lesionkit download isic2017 --to {root}` (about 13 GB; checksummed and resumable), "
        f'or pass data_dir=... / set ${ENV_DATA}. To try lesionkit offline use dataset="synthetic".'
    )


class ISIC2017:
    """ISIC 2017 Part 3 from its official extracted layout (see module docs).

    Args:
        data_dir: the root folder; ``None`` = ``$LESIONKIT_DATA`` or ``~/.lesionkit/data/isic2017``.
        cache_dir: where resized images are cached; ``None`` = the default cache.
        progress: show a progress bar while building the cache.

    Raises:
        DataNotFoundError: the layout is incomplete (each missing path is named).
    """

    name = "isic2017"

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        progress: bool = True,
    ) -> None:
        self.root = resolve_data_dir(data_dir)
        self.cache_dir = cache_dir
        self.progress = progress
        self._splits: dict[str, Split] = {}
        self._images: dict[tuple[str, int], np.ndarray] = {}

    def __repr__(self) -> str:
        return f"ISIC2017(data_dir={str(self.root)!r})"

    def split_names(self) -> tuple[str, ...]:
        """The labelled splits under the root (all three in a complete download)."""
        return labelled_splits(self.root)

    def split(self, name: str) -> Split:
        """One split.

        Raises:
            KeyError: not an ISIC 2017 split name.
            DataNotFoundError: a split this root does not hold (names the missing paths).
        """
        if name not in SPLIT_FILES:
            raise KeyError(f"isic2017 has no split {name!r}; splits: {', '.join(SPLIT_FILES)}")
        if name not in self._splits and name not in self.split_names():
            absent = [str(p) for p in (image_dir(self.root, name), ground_truth_csv(self.root, name)) if not p.exists()]
            raise DataNotFoundError(
                f"{self.root} has no labelled ISIC 2017 {name} split (missing: {', '.join(absent)}); "
                f"it holds {', '.join(self.split_names())}. Add the {SPLIT_FILES[name]} images and ground truth "
                f"(`lesionkit download isic2017 --to {self.root}`), or use a split it has"
            )
        if name not in self._splits:
            self._splits[name] = self._read_split(name)
        return self._splits[name]

    def _read_split(self, name: str) -> Split:
        table = read_ground_truth(ground_truth_csv(self.root, name))
        folder = image_dir(self.root, name)
        paths = tuple(str(folder / f"{i}.jpg") for i in table.ids)
        missing = [f"{p} (CSV line {line})" for p, line in zip(paths, table.lines) if not os.path.isfile(p)]
        if missing:
            from lesionkit.data.labels.csvtable import format_problems

            raise DataError(
                format_problems(
                    f"{len(missing)} image(s) listed in {ground_truth_csv(self.root, name)} are missing; "
                    f"re-run `lesionkit download isic2017 --to {self.root}` or check with `lesionkit validate {self.root}`",
                    missing,
                )
            )
        listed = set(table.ids)
        unlabelled = sorted(
            p.name for p in folder.glob("*.jpg") if p.stem not in listed and not p.stem.endswith("_superpixels")
        )
        if unlabelled:
            warn(
                f"{folder}: {len(unlabelled)} image(s) without a ground-truth row are not used "
                f"(e.g. {', '.join(unlabelled[:3])})",
                DataWarning,
            )
        metadata = read_metadata(metadata_csv(self.root, name), table.ids)
        return Split(
            name=name,
            ids=table.ids,
            diagnosis=table.diagnosis,
            load_images=functools.partial(self._load, name, paths),
            metadata=metadata,
            paths=paths,
        )

    def _load(self, name: str, paths: tuple[str, ...], size: int) -> np.ndarray:
        key = (name, int(size))
        if key not in self._images:
            self._images[key] = cached_images(
                paths, int(size), self.cache_dir, name=f"isic2017-{name}", progress=self.progress
            )
        return self._images[key]


def _stray_hint(warning: str) -> str:
    if warning.split(":", 1)[0].endswith(".csv"):
        return warning + " (to check it as a folder dataset's labels, pass --dataset folder --labels NAME)"
    return warning


def validate_isic2017(
    root: str | Path, *, splits: tuple[str, ...] | None = None, decode: bool = True, progress: bool = True
) -> ValidationReport:
    """Check an ISIC 2017 folder (see module docs); never raises for bad data, reports it.

    Args:
        splits: which splits (default all three); missing split files are problems, except
            a test split absent altogether when ``splits`` is not given (a note).
        decode: decode every image (the slow part); ``False`` checks names and CSVs only.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataNotFoundError(f"{root}: no such folder; get ISIC 2017 with `lesionkit download isic2017 --to {root}`")
    report = ValidationReport(str(root))
    layout = [p.name for s in SPLIT_FILES for p in (ground_truth_csv(root, s), image_dir(root, s))]
    report.warnings += [_stray_hint(w) for w in stray_files(root, layout)]
    for split in splits or tuple(SPLIT_FILES):
        csv_path, folder = ground_truth_csv(root, split), image_dir(root, split)
        if split == "test" and not splits and not csv_path.exists() and not folder.exists():
            # Challenge participants never had the test labels; the loader accepts a root without them.
            report.notes.append(
                f"no test split ({csv_path.name}, {folder.name}/ absent): train and validate on the rest, "
                "and score test predictions with `lesionkit score` where the ground truth is"
            )
            continue
        report.official[split] = dict(OFFICIAL_COUNTS[split])
        if not csv_path.is_file():
            report.problems.append(f"{csv_path}: ground-truth CSV missing")
        if not folder.is_dir():
            report.problems.append(f"{folder}: image folder missing")
        if not csv_path.is_file() or not folder.is_dir():
            report.counts[split] = dict.fromkeys(CLASS_NAMES, 0)
            continue
        try:
            table = read_ground_truth(csv_path, strict=False)
        except DataError as exc:
            report.problems.append(str(exc))
            report.counts[split] = dict.fromkeys(CLASS_NAMES, 0)
            continue
        report.problems.extend(f"{csv_path}, {p}" for p in table.problems)
        if table.extra_columns:
            report.notes.append(f"{csv_path}: extra column(s) ignored: {', '.join(table.extra_columns)}")
        report.counts[split] = class_counts(table.diagnosis)
        files = {
            p.stem: p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in (".jpg", ".jpeg") and not p.stem.endswith("_superpixels")
        }
        for image_id, line in zip(table.ids, table.lines):
            if image_id not in files:
                report.problems.append(
                    f"{csv_path}, line {line}: {image_id} has no image {folder / (image_id + '.jpg')}"
                )
        listed = set(table.ids)
        report.problems.extend(
            f"{files[s]}: image has no row in {csv_path.name}" for s in sorted(files) if s not in listed
        )
        if decode:
            problems, notes = check_images(
                [files[i] for i in table.ids if i in files], progress=progress, desc=f"checking {split} images"
            )
            report.problems.extend(problems)
            report.notes.extend(notes)
            report.images_checked += sum(1 for i in table.ids if i in files)
    return report


class ISIC2017Source:
    """ISIC 2017 Part 3 (train/validation/test) from the official extracted layout.

    ``data_dir`` defaults to ``$LESIONKIT_DATA``, else ``~/.lesionkit/data/isic2017``;
    get the data with ``lesionkit download isic2017 --to DIR``.
    """

    name = "isic2017"
    title = "ISIC 2017 Part 3"
    looks_for = "ISIC-2017_{Training,Validation,Test_v2}_Data/ or their _Part3_GroundTruth.csv"
    catch_all = False

    def __call__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        progress: bool = True,
    ) -> ISIC2017:
        return ISIC2017(data_dir=data_dir, cache_dir=cache_dir, progress=progress)

    def recognises(self, root: Path, labels: str = "labels.csv") -> bool:
        return any(p.exists() for s in SPLIT_FILES for p in (ground_truth_csv(root, s), image_dir(root, s)))

    def validate(self, root: Path, options: ValidateOptions) -> ValidationReport:
        return validate_isic2017(root, splits=options.splits, decode=options.decode, progress=options.progress)

    def audit_params(self, options: ValidateOptions) -> dict[str, Any]:
        return {}

    def describe_release(self, base_url: str | None = None) -> str:
        lines = [f"{self.name}: {self.title} (about 13 GB) from {resolve_base_url(base_url)}"]
        return "\n".join(lines + [f"  {name}  MD5 {md5}" for name, md5 in ISIC2017_FILES.items()])

    def download(self, to: Path, *, base_url: str | None, keep_archives: bool, progress: bool) -> Path:
        return download_isic2017(to, base_url=base_url, keep_archives=keep_archives, progress=progress)


SOURCE = ISIC2017Source()
