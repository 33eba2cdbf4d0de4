"""Datasets read as one table of labelled images, then cut into splits (HAM10000, ISIC 2018, ISIC 2019).

A layout reader (:mod:`lesionkit.data.sources.ham10000`, ``isic2018``, ``isic2019``)
turns the published files into a :class:`LayoutReading`: the usable
:class:`ImageRecords` (rows with a valid label and an image file), what is wrong
(``problems``: bad labels, malformed rows), what is odd but handled
(``warnings``: rows without images, images without rows, stray files) and the
split of each record. :class:`RecordsDataset` serves it through the
:class:`~lesionkit.data.splitting.split.Dataset` contract; ``lesionkit validate`` reports
the same reading, so the dataset and the check never disagree.

The split assignment is data a run can record: :meth:`RecordsDataset.split_assignment`
returns ``{image_id: split}``. Images are cached once for the whole dataset (one
entry named after it, e.g. ``ham10000-224px-...``), so a new seed re-cuts the splits
without decoding again.

Per-image metadata uses one set of keys across these datasets: ``age`` (float or
``None``), ``sex``, ``site`` (the anatomical site as the dataset spells it) and
``lesion_id`` (an identifier for grouping, not a model input); ``"unknown"`` and
empty cells are ``None``. How each label was confirmed (HAM10000 ``dx_type``,
ISIC 2018 ``diagnosis_confirm_type``) is *not* in the metadata: it tells the
label (histopathology is done on suspicious lesions; follow-up only on nevi), so a
model given it would learn the answer. It is available, for analysis only, from
:meth:`RecordsDataset.diagnosis_confirmation`.

Example:
    >>> import numpy as np
    >>> records = ImageRecords(("a", "b"), ("a.jpg", "b.jpg"), np.array([0, 1]), ("L1", "L2"), {})
    >>> ds = RecordsDataset("demo", records, ("train", "test"), progress=False)
    >>> ds.split_assignment()
    {'a': 'train', 'b': 'test'}
    >>> ds.split("test").ids
    ('b',)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from lesionkit.data.loading.cache import build_cache, load_cache
from lesionkit.data.splitting.grouped_split import Fractions, grouped_split
from lesionkit.data.splitting.split import Split
from lesionkit.errors import DataError, DataNotFoundError, DataProblems, DataWarning
from lesionkit.warn import warn

#: Cells that mean "not recorded" in the published metadata (compared lower-cased).
MISSING = ("", "unknown", "nan", "na", "none")
#: Files ``lesionkit download`` may leave beside the layout: checksums it computed, kept archives, partial transfers.
DOWNLOAD_SUFFIXES = (".sha256", ".zip", ".part")
#: How many ids a warning shows before counting the rest.
EXAMPLES = 5


@attrs.frozen(eq=False)
class ImageRecords:
    """Labelled images: ids, files, diagnosis codes (:mod:`lesionkit.diagnoses`), lesion ids, metadata.

    Attributes:
        confirmation: how each label was confirmed, where the dataset says (never a model input).
    """

    ids: tuple[str, ...]
    paths: tuple[str, ...]
    diagnosis: np.ndarray
    lesion_ids: tuple[str | None, ...]
    metadata: Mapping[str, tuple[Any, ...]]
    confirmation: tuple[str | None, ...] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def groups(self) -> tuple[str, ...]:
        """The group of each image for a split: its lesion id, or the image id where it has none."""
        return tuple(lesion if lesion is not None else f"image:{i}" for i, lesion in zip(self.ids, self.lesion_ids))

    def take(self, rows: Sequence[int] | np.ndarray) -> ImageRecords:
        """The records at ``rows``, in that order."""
        rows = [int(r) for r in rows]
        return ImageRecords(
            tuple(self.ids[r] for r in rows),
            tuple(self.paths[r] for r in rows),
            self.diagnosis[rows] if rows else np.zeros(0, np.int64),
            tuple(self.lesion_ids[r] for r in rows),
            {k: tuple(v[r] for r in rows) for k, v in self.metadata.items()},
            tuple(self.confirmation[r] for r in rows) if self.confirmation is not None else None,
        )


@attrs.define
class LayoutReading:
    """What a layout reader found (see module docs)."""

    root: Path
    records: ImageRecords
    split: tuple[str, ...] | None = None
    problems: list[str] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)


@attrs.frozen
class Row:
    """One labelled row of a release's CSV, before its image is looked up.

    Attributes:
        image_id, line: the image and its CSV line (for messages).
        code: its diagnosis code.
        lesion: its lesion id (``None``: its own group).
        confirmation: how the label was confirmed, where the dataset says.
        split: its official split, where the layout has them.
        metadata: the per-image fields the reader keeps (``age``, ``sex``, ``site``...).
    """

    image_id: str
    line: int
    code: int
    lesion: str | None = None
    confirmation: str | None = None
    split: str = ""
    metadata: Mapping[str, object] = attrs.field(factory=dict)


class RecordsBuilder:
    """Rows matched to their images, collected into :class:`ImageRecords`: the loop every records reader shares.

    Example:
        >>> builder = RecordsBuilder(metadata=("age",))
        >>> warnings = builder.add_rows(
        ...     {"a": Path("a.jpg"), "c": Path("c.jpg")},
        ...     [Row("a", 2, 1, metadata={"age": 40.0}), Row("b", 3, 0, metadata={"age": None})],
        ...     csv=Path("gt.csv"), folders="images",
        ... )
        >>> builder.records().ids, len(warnings)   # b has no image, c has no row
        (('a',), 2)
    """

    def __init__(self, metadata: Sequence[str] = ()) -> None:
        self.fields = tuple(metadata)
        self.ids: list[str] = []
        self.paths: list[str] = []
        self.codes: list[int] = []
        self.lesions: list[str | None] = []
        self.confirmation: list[str | None] = []
        self.split: list[str] = []
        self.metadata: dict[str, list[object]] = {f: [] for f in self.fields}

    def add_rows(
        self,
        images: Mapping[str, Path],
        rows: Iterable[Row],
        *,
        csv: Path,
        folders: str,
        listed: Iterable[str] | None = None,
    ) -> list[str]:
        """Keep each row whose image is in ``images``; the warnings for rows without images and images without rows.

        ``listed`` are every id the CSV names (default: the ids of ``rows``), so an image whose
        row was malformed is not also reported as having none.
        """
        seen: list[str] = []
        missing: list[tuple[str, int]] = []
        for row in rows:
            seen.append(row.image_id)
            path = images.get(row.image_id)
            if path is None:
                missing.append((row.image_id, row.line))
                continue
            self.ids.append(row.image_id)
            self.paths.append(str(path))
            self.codes.append(int(row.code))
            self.lesions.append(row.lesion)
            self.confirmation.append(row.confirmation)
            self.split.append(row.split)
            for field in self.fields:
                self.metadata[field].append(row.metadata.get(field))
        warnings = [rows_without_images(csv, missing)] if missing else []
        named = set(seen if listed is None else listed)
        unlisted = sorted(i for i in images if i not in named)
        if unlisted:
            warnings.append(images_without_rows(folders, unlisted, csv))
        return warnings

    def records(self, *, confirmation: bool = False) -> ImageRecords:
        """What was kept, in the order it was added (``confirmation``: keep how each label was confirmed)."""
        return ImageRecords(
            tuple(self.ids),
            tuple(self.paths),
            np.asarray(self.codes, dtype=np.int64),
            tuple(self.lesions),
            {k: tuple(v) for k, v in self.metadata.items()},
            tuple(self.confirmation) if confirmation else None,
        )


def clean(cell: str | None) -> str | None:
    """A metadata cell, ``None`` where it says "unknown" or is empty.

    Example:
        >>> clean("unknown"), clean(" back "), clean("")
        (None, 'back', None)
    """
    if cell is None or cell.strip().lower() in MISSING:
        return None
    return cell.strip()


def parse_age(cell: str | None) -> float | None:
    """An age cell as a float, ``None`` where missing or not a number.

    Example:
        >>> parse_age("45.0"), parse_age(""), parse_age("unknown")
        (45.0, None, None)
    """
    value = clean(cell)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def index_images(folders: Iterable[Path]) -> tuple[dict[str, Path], list[str]]:
    """``{image id: path}`` of the JPEGs in ``folders`` (not recursive), and each id found twice."""
    found: dict[str, Path] = {}
    repeated: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in (".jpg", ".jpeg"):
                if path.stem in found:
                    repeated.append(f"{path}: image id {path.stem!r} repeats {found[path.stem]}")
                    continue
                found[path.stem] = path
    return found, repeated


def examples(items: Sequence[str]) -> str:
    """The first few items and a count of the rest, for one-line warnings."""
    shown = ", ".join(items[:EXAMPLES])
    return shown + (f" and {len(items) - EXAMPLES} more" if len(items) > EXAMPLES else "")


def rows_without_images(csv: Path, missing: Sequence[tuple[str, int]], what: str = "row(s)") -> str:
    """The warning for CSV rows whose image is absent (a subset of the release is fine)."""
    listed = [f"{i} (line {line})" for i, line in missing]
    return (
        f"{csv}: {len(missing)} {what} have no image and are not used (e.g. {examples(listed)}); "
        "fine for a subset of the release, otherwise re-download or re-extract the images"
    )


def images_without_rows(folder_names: str, ids: Sequence[str], csv: Path) -> str:
    """The warning for image files that no CSV row labels."""
    return f"{folder_names}: {len(ids)} image(s) have no row in {csv.name} and are not used (e.g. {examples(ids)})"


def stray_files(root: Path, expected: Iterable[str]) -> list[str]:
    """A warning for each entry of ``root`` that is not part of the layout.

    Hidden files and what a download leaves (``*.sha256``, kept ``*.zip``, ``*.part``) are not warned about.
    """
    known = set(expected)
    return [
        f"{p}: not part of the layout; ignored"
        for p in sorted(root.iterdir())
        if p.name not in known and not p.name.startswith(".") and not p.name.endswith(DOWNLOAD_SUFFIXES)
    ]


class RecordsDataset:
    """A :class:`~lesionkit.data.splitting.split.Dataset` over :class:`ImageRecords` and a split name per record.

    Args:
        name: the dataset's registry name (also the cache entry's prefix).
        records: the images.
        split: the split of each record.
        cache_dir: where resized images are cached; ``None`` = the default cache.
        progress: show a progress bar while building the cache.
    """

    def __init__(
        self,
        name: str,
        records: ImageRecords,
        split: Sequence[str],
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        progress: bool = True,
    ) -> None:
        if len(split) != len(records):
            raise ValueError(f"{len(records)} records but {len(split)} split names")
        self.name = name
        self.records = records
        self.cache_dir = cache_dir
        self.progress = progress
        names = np.asarray(split, dtype=object)
        order = ("train", "validation", "test")
        present = [s for s in order if np.any(names == s)] + sorted({str(s) for s in split} - set(order))
        self._rows = {s: np.flatnonzero(names == s) for s in present}
        self._assignment = dict(zip(records.ids, (str(s) for s in split)))
        self._images: dict[tuple[str, int], np.ndarray] = {}

    def split_names(self) -> tuple[str, ...]:
        return tuple(self._rows)

    def split(self, name: str) -> Split:
        if name not in self._rows:
            raise KeyError(f"{self.name} has no split {name!r}; splits: {', '.join(self._rows)}")
        part = self.records.take(self._rows[name])
        return Split(
            name=name,
            ids=part.ids,
            diagnosis=part.diagnosis,
            load_images=functools.partial(self._load, name),
            metadata=dict(part.metadata),
            paths=part.paths,
        )

    def split_assignment(self) -> dict[str, str]:
        """``{image_id: split}`` for every image, for a run to record which image it trained on."""
        return dict(self._assignment)

    def diagnosis_confirmation(self, name: str) -> tuple[str | None, ...]:
        """How each label of split ``name`` was confirmed (histo, follow_up, ...), in id order.

        For analysing results only: it reveals the label, so never feed it to a model
        (see module docs). All ``None`` where the dataset does not say.
        """
        if name not in self._rows:
            raise KeyError(f"{self.name} has no split {name!r}; splits: {', '.join(self._rows)}")
        confirmation = self.records.confirmation
        rows = self._rows[name]
        return tuple(confirmation[r] for r in rows) if confirmation is not None else (None,) * len(rows)

    def _load(self, name: str, size: int) -> np.ndarray:
        # One cache entry holds every image of the dataset, in record order, so that another seed or
        # other fractions re-cut the split without decoding anything again (and without replacing the
        # entry another run with another seed is reading).
        key = (name, int(size))
        if key not in self._images:
            entry = build_cache(self.records.paths, int(size), self.cache_dir, name=self.name, progress=self.progress)
            self._images[key] = np.ascontiguousarray(load_cache(entry, mmap=True)[self._rows[name]])
        return self._images[key]


def resolve_root(
    data_dir: str | os.PathLike[str] | None, default: str, dataset: str, required: Sequence[str], download: str
) -> Path:
    """The dataset root: ``data_dir``, else ``default``; checks that each of ``required`` (relative) exists.

    Raises:
        DataNotFoundError: naming each path looked for and how to get the data (``download``).
    """
    root = Path(data_dir if data_dir is not None else default).expanduser()
    paths = [root / r for r in required]
    missing = [p for p in paths if not p.exists()]
    if not missing:
        return root
    looked = "\n".join(f"  {'missing' if p in missing else 'found  '}: {p}" for p in paths)
    source = "data_dir" if data_dir is not None else "the default (no data_dir given)"
    raise DataNotFoundError(
        f"{dataset} data not found in {root} (from {source}). Looked for:\n{looked}\n"
        f"{download}, or pass data_dir=... . `lesionkit validate {root}` checks a folder."
    )


def checked(reading: LayoutReading, dataset: str) -> LayoutReading:
    """``reading`` after raising for its problems and warning (once each) about its warnings.

    Raises:
        DataProblems: every problem, each naming its file or line.
        DataError: no usable image at all.
    """
    if reading.problems:
        raise DataProblems(
            f"{reading.root}: {len(reading.problems)} problem(s) in the {dataset} layout; "
            f"`lesionkit validate {reading.root}` lists them with every other check",
            reading.problems,
        )
    for message in reading.warnings:
        warn(message, DataWarning)
    if not len(reading.records):
        raise DataError(f"{reading.root}: no labelled image with a file found in the {dataset} layout")
    return reading


def split_by_lesion(reading: LayoutReading, fractions: Fractions | None = None, seed: int = 0) -> tuple[str, ...]:
    """The split of each record, for releases without an official split: whole lesions at a time
    (a record without a lesion id is a group of its own), stratified by diagnosis, from ``seed``."""
    return grouped_split(reading.records.diagnosis, reading.records.groups(), fractions, seed)
