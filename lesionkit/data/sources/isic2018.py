"""ISIC 2018 Task 3 (lesion diagnosis): 10,015 training images (HAM10000), 7 diagnoses, official splits.

Layout under the data directory (what ``lesionkit download isic2018 --to DIR`` leaves)::

    DIR/ISIC2018_Task3_Training_Input/ISIC_0024306.jpg ...
    DIR/ISIC2018_Task3_Training_GroundTruth/ISIC2018_Task3_Training_GroundTruth.csv
                                      image,MEL,NV,BCC,AKIEC,BKL,DF,VASC (one-hot, "0.0"/"1.0")
    DIR/ISIC2018_Task3_Training_LesionGroupings.csv   image,lesion_id,diagnosis_confirm_type
    DIR/ISIC2018_Task3_Validation_Input/ ...  DIR/ISIC2018_Task3_Validation_GroundTruth/...   (optional)
    DIR/ISIC2018_Task3_Test_Input/ ...        DIR/ISIC2018_Task3_Test_GroundTruth/...         (optional)

A ground-truth CSV may also lie directly in ``DIR``. Splits: ``train`` (the
official training set), ``validation`` and ``test`` where their images and ground
truth are present. Without the official validation ground truth, ``validation``
is carved out of training by :func:`~lesionkit.data.splitting.grouped_split.grouped_split`
on the lesion groupings (``fractions`` default train 0.85 / validation 0.15,
``seed``), so no lesion is in both; an image without a grouping row is its own
group. Rows without images, images without rows and stray files are reported as
warnings (a subset is fine); bad one-hot rows are errors listing every line.

Metadata: ``lesion_id`` (from the groupings). ``diagnosis_confirm_type`` leaks the
label (see :mod:`lesionkit.data.labels.records`): only ``diagnosis_confirmation(split)``.

Example:
    >>> import lesionkit
    >>> ds = lesionkit.datasets.create("isic2018", data_dir="~/data/isic2018")  # doctest: +SKIP
    >>> ds.split_names()                                                       # doctest: +SKIP
    ('train', 'validation')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from lesionkit.data.checks.validate import SplitReading
from lesionkit.data.labels.csvtable import read_csv
from lesionkit.data.labels.one_hot import read_one_hot
from lesionkit.data.labels.records import (
    LayoutReading,
    RecordsBuilder,
    RecordsDataset,
    Row,
    checked,
    clean,
    index_images,
    resolve_root,
    stray_files,
)
from lesionkit.data.sources.records_source import RecordsSource
from lesionkit.data.splitting.grouped_split import Fractions, check_fractions, grouped_split
from lesionkit.errors import DataError, LesionkitError

DEFAULT_DATA_DIR = "~/.lesionkit/data/isic2018"
SPLIT_FILES = {"train": "Training", "validation": "Validation", "test": "Test"}
COLUMNS = ("MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC")
GROUPING_COLUMNS = ("image", "lesion_id", "diagnosis_confirm_type")
DEFAULT_FRACTIONS = {"train": 0.85, "validation": 0.15}
DOWNLOAD_HINT = "Get it with `lesionkit download isic2018 --to DIR` (about 3 GB)"


def input_dir(root: Path, split: str) -> Path:
    """``root/ISIC2018_Task3_<Split>_Input``."""
    return root / f"ISIC2018_Task3_{SPLIT_FILES[split]}_Input"


def ground_truth_csv(root: Path, split: str) -> Path:
    """The split's ground-truth CSV: in its ``_GroundTruth/`` folder (as extracted) or directly in ``root``."""
    name = f"ISIC2018_Task3_{SPLIT_FILES[split]}_GroundTruth"
    inside = root / name / f"{name}.csv"
    return inside if inside.is_file() else root / f"{name}.csv" if (root / f"{name}.csv").is_file() else inside


def groupings_csv(root: Path, split: str) -> Path:
    """``root/ISIC2018_Task3_<Split>_LesionGroupings.csv``."""
    return root / f"ISIC2018_Task3_{SPLIT_FILES[split]}_LesionGroupings.csv"


def is_layout(root: Path) -> bool:
    """Whether ``root`` looks like ISIC 2018 Task 3 (training images or ground truth are there)."""
    return input_dir(root, "train").is_dir() or ground_truth_csv(root, "train").is_file()


def _layout_names() -> list[str]:
    names = []
    for infix in SPLIT_FILES.values():
        stem = f"ISIC2018_Task3_{infix}"
        names += [f"{stem}_Input", f"{stem}_GroundTruth", f"{stem}_GroundTruth.csv", f"{stem}_LesionGroupings.csv"]
    return names


def _groupings(path: Path, warnings: list[str]) -> dict[str, tuple[str | None, str | None]]:
    if not path.is_file():
        return {}
    try:
        table = read_csv(path, what="lesion groupings CSV").require(GROUPING_COLUMNS[:2])
    except DataError as exc:
        warnings.append(f"{exc}; images are grouped by image id")
        return {}
    problems: list[str] = []
    out = {
        r.image_id: (clean(r["lesion_id"]), clean(r.cells.get("diagnosis_confirm_type")))
        for r in table.records(problems, "image")
    }
    if problems:
        warnings.append(f"{path}: {len(problems)} row(s) skipped ({'; '.join(problems[:3])})")
    return out


def read_isic2018(root: str | Path) -> LayoutReading:
    """Read every split whose ground truth is present (see module docs); bad rows are problems, not raised.

    Raises:
        DataNotFoundError: the training ground truth is missing. DataError: a ground-truth CSV
            that is not a CSV or lacks a column.
    """
    root = Path(root).expanduser()
    problems: list[str] = []
    warnings: list[str] = []
    notes: list[str] = []
    builder = RecordsBuilder(("lesion_id",))
    for name in SPLIT_FILES:
        csv, folder = ground_truth_csv(root, name), input_dir(root, name)
        if not csv.is_file():
            if name == "train":
                read_one_hot(csv, COLUMNS)  # raises DataNotFoundError naming it
            if folder.is_dir():
                notes.append(f"{folder}: no ground truth ({csv.name}); these images are not used")
            continue
        table = read_one_hot(csv, COLUMNS)
        problems += [f"{csv}, {p}" for p in table.problems]
        if table.extra_columns:
            notes.append(f"{csv}: extra column(s) ignored: {', '.join(table.extra_columns)}")
        images, repeated = index_images([folder])
        problems += repeated
        groups_path = groupings_csv(root, name)
        groups = _groupings(groups_path, warnings)
        if name == "train" and not groups_path.is_file():
            warnings.append(
                f"{groups_path}: missing; the validation split carved out of training is grouped by image, "
                "so images of one lesion may land in both"
            )
        rows = []
        for image_id, line, code in zip(table.ids, table.lines, table.diagnosis):
            lesion, confirm = groups.get(image_id, (None, None))
            rows.append(Row(image_id, line, int(code), lesion, confirm, name, metadata={"lesion_id": lesion}))
        warnings += builder.add_rows(images, rows, csv=csv, folders=folder.name)
        ungrouped = sum(1 for i in table.ids if i in images and i not in groups)
        if groups and ungrouped:
            warnings.append(f"{groups_path}: {ungrouped} image(s) have no row; each is its own lesion group")
    warnings += stray_files(root, _layout_names())
    return LayoutReading(root, builder.records(confirmation=True), tuple(builder.split), problems, warnings, notes)


class ISIC2018FractionsError(LesionkitError, ValueError):
    """``fractions`` given where the official validation split exists (they would be ignored)."""


def assign_splits(reading: LayoutReading, fractions: Fractions | None = None, seed: int = 0) -> tuple[str, ...]:
    """The official split of each record; ``validation`` carved from ``train`` (grouped) when it has none.

    Raises:
        ISIC2018FractionsError: ``fractions`` given while the official validation split exists,
            or asking to carve a split that exists officially.
    """
    official = list(reading.split or ())
    if "validation" in official:
        if fractions is not None:
            raise ISIC2018FractionsError(
                f"fractions={fractions!r}: {reading.root} has the official validation split, which is used as it "
                "is; fractions apply only when its ground truth is absent. Drop fractions"
            )
        return tuple(official)
    shares = check_fractions(fractions if fractions is not None else DEFAULT_FRACTIONS)
    clash = [s for s in shares if s != "train" and shares[s] > 0 and s in official]
    if clash:
        raise ISIC2018FractionsError(
            f"fractions={fractions!r}: {', '.join(clash)} exists officially in {reading.root}; carve only validation"
        )
    rows = [i for i, s in enumerate(official) if s == "train"]
    train = reading.records.take(rows)
    carved = grouped_split(train.diagnosis, train.groups(), shares, seed)
    for row, name in zip(rows, carved):
        official[row] = name
    return tuple(official)


class ISIC2018(RecordsDataset):
    """ISIC 2018 Task 3 from its official layout (see module docs).

    Args:
        data_dir: the root folder; ``None`` = ``~/.lesionkit/data/isic2018``.
        cache_dir: where resized images are cached; ``None`` = the default cache.
        fractions: shares of the official training images when validation is carved out of
            it (default train 0.85 / validation 0.15); refused when the official validation exists.
        seed: seed of that carve.
        progress: show a progress bar while building the cache.

    Raises:
        DataNotFoundError: the training ground truth is not there.
        DataProblems: bad one-hot rows or repeated images, all listed.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        fractions: Fractions | None = None,
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        guess = Path(data_dir if data_dir is not None else DEFAULT_DATA_DIR).expanduser()
        required = (str(ground_truth_csv(guess, "train").relative_to(guess)), input_dir(guess, "train").name)
        self.root = resolve_root(data_dir, DEFAULT_DATA_DIR, "ISIC 2018 Task 3", required, DOWNLOAD_HINT)
        self.seed = int(seed)
        reading = checked(read_isic2018(self.root), "ISIC 2018 Task 3")
        split = assign_splits(reading, fractions, self.seed)
        super().__init__("isic2018", reading.records, split, cache_dir, progress=progress)

    def __repr__(self) -> str:
        return f"ISIC2018(data_dir={str(self.root)!r}, seed={self.seed})"


class ISIC2018Source(RecordsSource):
    """ISIC 2018 Task 3: official splits present; validation carved from training by lesion where it has none.

    ``data_dir`` defaults to ``~/.lesionkit/data/isic2018``; get the data with
    ``lesionkit download isic2018 --to DIR``.
    """

    name = "isic2018"
    title = "ISIC 2018 Task 3"
    looks_for = "ISIC2018_Task3_Training_Input/ or ISIC2018_Task3_Training_GroundTruth.csv"

    def __call__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        fractions: Mapping[str, float] | None = None,
        seed: int = 0,
        progress: bool = True,
    ) -> ISIC2018:
        return ISIC2018(data_dir, cache_dir, fractions=fractions, seed=seed, progress=progress)

    def recognises(self, root: Path, labels: str = "labels.csv") -> bool:
        return is_layout(root)

    def read_splits(self, root: Path, seed: int) -> SplitReading:
        reading = read_isic2018(root)
        official = sorted(set(reading.split or ()))
        how = "official " + ", ".join(official)
        if "validation" not in official:
            carve = ", ".join(f"{k} {v:g}" for k, v in DEFAULT_FRACTIONS.items())
            how += f"; validation carved from training by lesion_id, seed {seed} ({carve})"
        return reading, assign_splits(reading, seed=seed), how


SOURCE = ISIC2018Source()
