"""HAM10000 (Tschandl et al. 2018): 10,015 dermoscopy images of 7,470 lesions, 7 diagnoses, no official split.

Layout under the data directory (as published on the Harvard Dataverse, and what
``lesionkit download ham10000 --to DIR`` leaves)::

    DIR/HAM10000_metadata.csv          lesion_id,image_id,dx,dx_type,age,sex,localization
    DIR/HAM10000_images_part_1/ISIC_0024306.jpg ...
    DIR/HAM10000_images_part_2/ISIC_0029306.jpg ...

``dx`` is one of akiec, bcc, bkl, df, mel, nv, vasc and becomes a code of
:mod:`lesionkit.diagnoses`. An image may lie in either part folder. A
subset is fine: metadata rows whose image is absent are counted and reported
in a :class:`~lesionkit.errors.DataWarning`, as are images without a row and
files in ``DIR`` that are not part of the layout; none of them stops training.

Splits ``train``/``validation``/``test`` are drawn by
:func:`~lesionkit.data.splitting.grouped_split.grouped_split`: whole lesions (``lesion_id``)
at a time, stratified by diagnosis, deterministic from ``seed`` (``fractions``
default 0.7/0.15/0.15). :meth:`~lesionkit.data.labels.records.RecordsDataset.split_assignment`
gives ``{image_id: split}`` for a run to record.

Metadata: ``age`` (float or ``None``), ``sex``, ``site`` (``localization``) and
``lesion_id``; ``"unknown"`` and empty cells are ``None``. ``dx_type`` (histo,
follow_up, consensus, confocal) says how the label was confirmed and so leaks it
(follow-up is only done for nevi, histopathology mostly for suspicious lesions):
it is kept out of ``Split.metadata`` and available, for analysis only, from
``diagnosis_confirmation(split)``.

Example:
    >>> import lesionkit
    >>> ds = lesionkit.datasets.create("ham10000", data_dir="~/data/ham10000", seed=0)  # doctest: +SKIP
    >>> ds.split("train").metadata["site"][:2]                                           # doctest: +SKIP
    ('scalp', 'ear')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from lesionkit.data.checks.validate import SplitReading
from lesionkit.data.labels.csvtable import read_csv
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
from lesionkit.diagnoses import UnknownDiagnosisError, diagnosis_code
from lesionkit.errors import DataNotFoundError

#: The per-image fields its records keep.
METADATA = ("age", "sex", "site", "lesion_id")
DEFAULT_DATA_DIR = "~/.lesionkit/data/ham10000"
METADATA_CSV = "HAM10000_metadata.csv"
IMAGE_DIRS = ("HAM10000_images_part_1", "HAM10000_images_part_2")
COLUMNS = ("lesion_id", "image_id", "dx", "dx_type", "age", "sex", "localization")
#: HAM10000's 7 diagnoses, as spelled in ``dx``.
DX = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
#: Image counts per ``dx`` of the full release (10,015 images).
OFFICIAL_COUNTS = {"akiec": 327, "bcc": 514, "bkl": 1099, "df": 115, "mel": 1113, "nv": 6705, "vasc": 142}
DOWNLOAD_HINT = "Get it with `lesionkit download ham10000 --to DIR` (about 3 GB)"


def is_layout(root: Path) -> bool:
    """Whether ``root`` looks like HAM10000 (its metadata CSV is there)."""
    return (root / METADATA_CSV).is_file()


def read_ham10000(root: str | Path) -> LayoutReading:
    """Read the layout under ``root`` into a :class:`~lesionkit.data.labels.records.LayoutReading` (never raises for bad rows).

    Raises:
        DataNotFoundError: the metadata CSV or both image folders are missing.
        DataError: the CSV cannot be read as a CSV or lacks a required column.
    """
    root = Path(root).expanduser()
    csv = root / METADATA_CSV
    folders = [root / d for d in IMAGE_DIRS]
    if not any(f.is_dir() for f in folders):
        raise DataNotFoundError(f"{root}: neither image folder {' nor '.join(IMAGE_DIRS)} exists; {DOWNLOAD_HINT}")
    table = read_csv(csv, what="metadata CSV", expected=",".join(COLUMNS)).require(
        ("lesion_id", "image_id", "dx"), expected=",".join(COLUMNS)
    )
    images, repeated = index_images(folders)
    problems: list[str] = list(repeated)
    row_problems: list[str] = []
    rows: list[Row] = []
    for row in table.records(row_problems):
        try:
            code = diagnosis_code(row["dx"])
        except UnknownDiagnosisError:
            row_problems.append(f"line {row.line}: {row.image_id} dx={row['dx']!r}; HAM10000 uses {', '.join(DX)}")
            continue
        lesion = clean(row["lesion_id"])
        metadata = {
            "age": parse_age(row.cells.get("age")),
            "sex": clean(row.cells.get("sex")),
            "site": clean(row.cells.get("localization")),
            "lesion_id": lesion,
        }
        rows.append(Row(row.image_id, row.line, code, lesion, clean(row.cells.get("dx_type")), metadata=metadata))
    problems += [f"{csv}, {p}" for p in row_problems]
    builder = RecordsBuilder(METADATA)
    listed = [r.image_id for r in table.records([])]
    warnings = builder.add_rows(images, rows, csv=csv, folders=" and ".join(IMAGE_DIRS), listed=listed)
    warnings += stray_files(root, (METADATA_CSV, *IMAGE_DIRS))
    notes = []
    extra = table.extra_columns(COLUMNS)
    if extra:
        notes.append(f"{csv}: extra column(s) ignored: {', '.join(extra)}")
    records = builder.records(confirmation=True)
    return LayoutReading(root, records, None, problems, warnings, notes)


class HAM10000(RecordsDataset):
    """HAM10000 from its published layout, split by lesion (see module docs).

    Args:
        data_dir: the root folder; ``None`` = ``~/.lesionkit/data/ham10000``.
        cache_dir: where resized images are cached; ``None`` = the default cache.
        fractions: ``{split: share}`` or ``(train, validation, test)``; default 0.7/0.15/0.15.
        seed: seed of the grouped split.
        progress: show a progress bar while building the cache.

    Raises:
        DataNotFoundError: the layout is not there (each path looked for is named).
        DataProblems: unknown diagnoses, malformed rows, an image in both part folders (all listed).
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
        self.root = resolve_root(data_dir, DEFAULT_DATA_DIR, "HAM10000", (METADATA_CSV,), DOWNLOAD_HINT)
        self.fractions = check_fractions(fractions)
        self.seed = int(seed)
        reading = checked(read_ham10000(self.root), "HAM10000")
        split = split_by_lesion(reading, self.fractions, self.seed)
        super().__init__("ham10000", reading.records, split, cache_dir, progress=progress)

    def __repr__(self) -> str:
        return f"HAM10000(data_dir={str(self.root)!r}, seed={self.seed}, fractions={self.fractions})"


class HAM10000Source(RecordsSource):
    """HAM10000 (7 diagnoses), split train/validation/test by lesion from ``seed`` (default 0.7/0.15/0.15).

    ``data_dir`` defaults to ``~/.lesionkit/data/ham10000``; get the data with
    ``lesionkit download ham10000 --to DIR``.
    """

    name = "ham10000"
    title = "HAM10000"
    looks_for = METADATA_CSV

    def __call__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        fractions: Mapping[str, float] | None = None,
        seed: int = 0,
        progress: bool = True,
    ) -> HAM10000:
        return HAM10000(data_dir, cache_dir, fractions=fractions, seed=seed, progress=progress)

    def recognises(self, root: Path, labels: str = "labels.csv") -> bool:
        return is_layout(root)

    def read_splits(self, root: Path, seed: int) -> SplitReading:
        reading = read_ham10000(root)
        default = ", ".join(f"{k} {v:g}" for k, v in GROUPED_FRACTIONS.items())
        return reading, split_by_lesion(reading, seed=seed), f"drawn by lesion_id, seed {seed} ({default})"


SOURCE = HAM10000Source()
