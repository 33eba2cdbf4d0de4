"""ISIC 2019: 25,331 training images, 8 diagnoses plus UNK, training ground truth only.

Layout under the data directory (what ``lesionkit download isic2019 --to DIR`` leaves)::

    DIR/ISIC_2019_Training_Input/ISIC_0000000.jpg ...
    DIR/ISIC_2019_Training_GroundTruth.csv   image,MEL,NV,BCC,AK,BKL,DF,VASC,SCC,UNK (one-hot)
    DIR/ISIC_2019_Training_Metadata.csv      image,age_approx,anatom_site_general,lesion_id,sex

``UNK`` (none of the eight) becomes :data:`~lesionkit.diagnoses.UNKNOWN`; it
occurs in the test set only, but a training row marked UNK is read too. Only the
training ground truth is public, so ``train``/``validation``/``test`` are drawn by
:func:`~lesionkit.data.splitting.grouped_split.grouped_split` by ``lesion_id`` (an image
without one is its own group), stratified by diagnosis, from ``seed``
(``fractions`` default 0.7/0.15/0.15).

Metadata: ``age`` (``age_approx``), ``sex``, ``site`` (``anatom_site_general``),
``lesion_id``; ``None`` where empty or "unknown". A missing metadata CSV is a
warning (no metadata, every image its own group). Rows without images, images
without rows and stray files are warnings; bad one-hot rows are errors.

Example:
    >>> import lesionkit
    >>> ds = lesionkit.datasets.create("isic2019", data_dir="~/data/isic2019", seed=1)  # doctest: +SKIP
    >>> len(ds.split_assignment())                                                      # doctest: +SKIP
    25331
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
    parse_age,
    resolve_root,
    split_by_lesion,
    stray_files,
)
from lesionkit.data.sources.records_source import RecordsSource
from lesionkit.data.splitting.grouped_split import DEFAULT_FRACTIONS as GROUPED_FRACTIONS
from lesionkit.data.splitting.grouped_split import Fractions, check_fractions
from lesionkit.errors import DataError

#: The per-image fields its records keep.
METADATA = ("age", "sex", "site", "lesion_id")
DEFAULT_DATA_DIR = "~/.lesionkit/data/isic2019"
INPUT_DIR = "ISIC_2019_Training_Input"
GROUND_TRUTH_CSV = "ISIC_2019_Training_GroundTruth.csv"
METADATA_CSV = "ISIC_2019_Training_Metadata.csv"
COLUMNS = ("MEL", "NV", "BCC", "AK", "BKL", "DF", "VASC", "SCC", "UNK")
METADATA_COLUMNS = ("image", "age_approx", "anatom_site_general", "lesion_id", "sex")
DOWNLOAD_HINT = "Get it with `lesionkit download isic2019 --to DIR` (about 9 GB)"


def is_layout(root: Path) -> bool:
    """Whether ``root`` looks like ISIC 2019 (training images or ground truth are there)."""
    return (root / INPUT_DIR).is_dir() or (root / GROUND_TRUTH_CSV).is_file()


def _metadata(path: Path, warnings: list[str]) -> dict[str, dict[str, str]]:
    if not path.is_file():
        warnings.append(f"{path}: missing; no age/sex/site metadata, and every image is its own lesion group")
        return {}
    try:
        table = read_csv(path, what="metadata CSV").require(("image",))
    except DataError as exc:
        warnings.append(f"{exc}; metadata not used, every image is its own lesion group")
        return {}
    problems: list[str] = []
    out = {r.image_id: dict(r.cells) for r in table.records(problems, "image")}
    if problems:
        warnings.append(f"{path}: {len(problems)} metadata row(s) skipped ({'; '.join(problems[:3])})")
    return out


def read_isic2019(root: str | Path) -> LayoutReading:
    """Read the training layout under ``root`` (see module docs); bad rows are problems, not raised.

    Raises:
        DataNotFoundError: the ground truth is missing. DataError: it is not a CSV or lacks a column.
    """
    root = Path(root).expanduser()
    csv, folder = root / GROUND_TRUTH_CSV, root / INPUT_DIR
    table = read_one_hot(csv, COLUMNS)
    problems = [f"{csv}, {p}" for p in table.problems]
    warnings: list[str] = []
    notes = [f"{csv}: extra column(s) ignored: {', '.join(table.extra_columns)}"] if table.extra_columns else []
    images, repeated = index_images([folder])
    problems += repeated
    meta_rows = _metadata(root / METADATA_CSV, warnings)
    rows = []
    for image_id, line, code in zip(table.ids, table.lines, table.diagnosis):
        cells = meta_rows.get(image_id, {})
        lesion = clean(cells.get("lesion_id"))
        metadata = {
            "age": parse_age(cells.get("age_approx")),
            "sex": clean(cells.get("sex")),
            "site": clean(cells.get("anatom_site_general")),
            "lesion_id": lesion,
        }
        rows.append(Row(image_id, line, int(code), lesion, metadata=metadata))
    builder = RecordsBuilder(METADATA)
    warnings += builder.add_rows(images, rows, csv=csv, folders=INPUT_DIR)
    if meta_rows:
        no_meta = sum(1 for i in builder.ids if i not in meta_rows)
        if no_meta:
            warnings.append(f"{root / METADATA_CSV}: {no_meta} image(s) have no row; their metadata is None")
    warnings += stray_files(root, (INPUT_DIR, GROUND_TRUTH_CSV, METADATA_CSV))
    records = builder.records()
    return LayoutReading(root, records, None, problems, warnings, notes)


class ISIC2019(RecordsDataset):
    """ISIC 2019 training data from its official layout, split by lesion (see module docs).

    Args:
        data_dir: the root folder; ``None`` = ``~/.lesionkit/data/isic2019``.
        cache_dir: where resized images are cached; ``None`` = the default cache.
        fractions: ``{split: share}`` or ``(train, validation, test)``; default 0.7/0.15/0.15.
        seed: seed of the grouped split.
        progress: show a progress bar while building the cache.

    Raises:
        DataNotFoundError: the layout is not there. DataProblems: bad one-hot rows, all listed.
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
        self.root = resolve_root(data_dir, DEFAULT_DATA_DIR, "ISIC 2019", (GROUND_TRUTH_CSV, INPUT_DIR), DOWNLOAD_HINT)
        self.fractions = check_fractions(fractions)
        self.seed = int(seed)
        reading = checked(read_isic2019(self.root), "ISIC 2019")
        split = split_by_lesion(reading, self.fractions, self.seed)
        super().__init__("isic2019", reading.records, split, cache_dir, progress=progress)

    def __repr__(self) -> str:
        return f"ISIC2019(data_dir={str(self.root)!r}, seed={self.seed}, fractions={self.fractions})"


class ISIC2019Source(RecordsSource):
    """ISIC 2019 training data (8 diagnoses + UNK), split train/validation/test by lesion from ``seed``.

    ``data_dir`` defaults to ``~/.lesionkit/data/isic2019``; get the data with
    ``lesionkit download isic2019 --to DIR``.
    """

    name = "isic2019"
    title = "ISIC 2019"
    looks_for = f"{INPUT_DIR}/ or {GROUND_TRUTH_CSV}"

    def __call__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        fractions: Mapping[str, float] | None = None,
        seed: int = 0,
        progress: bool = True,
    ) -> ISIC2019:
        return ISIC2019(data_dir, cache_dir, fractions=fractions, seed=seed, progress=progress)

    def recognises(self, root: Path, labels: str = "labels.csv") -> bool:
        return is_layout(root)

    def read_splits(self, root: Path, seed: int) -> SplitReading:
        reading = read_isic2019(root)
        default = ", ".join(f"{k} {v:g}" for k, v in GROUPED_FRACTIONS.items())
        return reading, split_by_lesion(reading, seed=seed), f"drawn by lesion_id, seed {seed} ({default})"


SOURCE = ISIC2019Source()
