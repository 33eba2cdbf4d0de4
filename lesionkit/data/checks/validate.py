"""Checking a dataset folder before a week of experiments: the report, image decoding, records layouts.

Each dataset source checks its own layout (:meth:`lesionkit.data.sources.base.DatasetSource.validate`;
:func:`lesionkit.data.sources.base.validate_dataset` picks the source): every problem names its file
or CSV line, oddities that are handled become notes (e.g. PNG data under a ``.jpg`` name), and
per-split, per-class counts are kept, in a :class:`ValidationReport`. This module holds what
they share: the report, :func:`check_images` (every image decodes), and
:func:`validate_records`, the check of HAM10000, ISIC 2018 and ISIC 2019 with each dataset's
own reader: the diagnoses that occur per split (the split the dataset would use, from its
seed), lesions shared by two splits, rows without images, images without rows and stray files.

Example:
    >>> from lesionkit.data.sources.base import validate_dataset
    >>> report = validate_dataset("~/data/isic2017")       # doctest: +SKIP
    >>> print(report.summary())                             # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs

from lesionkit.data.labels.records import LayoutReading, examples
from lesionkit.data.loading.images import ImageDecodeError, inspect_image
from lesionkit.data.loading.progress import progress_bar
from lesionkit.data.splitting.grouped_split import shared_groups
from lesionkit.data.splitting.split import CLASS_NAMES
from lesionkit.diagnoses import DIAGNOSES, diagnosis_counts
from lesionkit.errors import DataError, DataNotFoundError


@attrs.define
class ValidationReport:
    """What a dataset source's check found (:meth:`lesionkit.data.sources.base.DatasetSource.validate`).

    Attributes:
        root: the folder checked.
        problems: each offending file or CSV row, one line each (empty = valid).
        notes: oddities that were handled (not errors).
        counts: ``{split: {class: n}}`` of the labelled rows.
        official: ``{split: {class: n}}`` expected (ISIC 2017).
        images_checked: images decoded.
        warnings: things to look at that do not make the folder invalid (stray files,
            rows without images in a subset, lesions shared by two splits).
        columns: the diagnoses of the count table; ``None`` = ISIC 2017's three classes beside the official counts.
        splits: how the splits were made, for the summary.
    """

    root: str
    problems: list[str] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    counts: dict[str, dict[str, int]] = attrs.field(factory=dict)
    official: dict[str, dict[str, int]] = attrs.field(factory=dict)
    images_checked: int = 0
    warnings: list[str] = attrs.field(factory=list)
    columns: tuple[str, ...] | None = None
    splits: str = ""

    @property
    def ok(self) -> bool:
        """No problems found."""
        return not self.problems

    def count_table(self) -> str:
        """Per-split, per-class counts beside the official ones (``ours/official``), or per diagnosis."""
        if self.columns is not None:
            names = (*self.columns, "total")
            lines = [f"{'split':<12}" + "".join(f"{c:>{len(c) + 2}}" for c in names)]
            for split, counts in self.counts.items():
                numbers = [counts.get(c, 0) for c in self.columns] + [sum(counts.values())]
                lines.append(f"{split:<12}" + "".join(f"{n:>{len(c) + 2}}" for c, n in zip(names, numbers)))
            return "\n".join(lines)
        head = f"{'split':<12}" + "".join(f"{c:>24}" for c in (*CLASS_NAMES, "total"))
        lines = [head]
        for split, counts in self.counts.items():
            official = self.official.get(split, {})
            cells = []
            for c in CLASS_NAMES:
                mark = "" if not official or official.get(c) == counts[c] else " !"
                cells.append(f"{counts[c]}/{official.get(c, '-')}{mark}")
            total = sum(counts.values())
            expected = sum(official.values()) if official else "-"
            cells.append(f"{total}/{expected}{'' if not official or total == expected else ' !'}")
            lines.append(f"{split:<12}" + "".join(f"{c:>24}" for c in cells))
        return "\n".join(lines)

    def summary(self) -> str:
        """The count table, notes and every problem, for printing."""
        title = "counts (found/official):" if self.columns is None else "counts per split and diagnosis:"
        parts = [f"{self.root}: {self.images_checked} images checked"]
        parts += [f"splits: {self.splits}"] if self.splits else []
        parts += [title, self.count_table()]
        if self.warnings:
            parts += [f"{len(self.warnings)} warning(s):"] + [f"  - {w}" for w in self.warnings]
        if self.notes:
            parts += [f"{len(self.notes)} note(s) (handled):"] + [f"  - {n}" for n in self.notes]
        if self.problems:
            parts += [f"{len(self.problems)} problem(s):"] + [f"  - {p}" for p in self.problems]
        else:
            parts.append("no problems found")
        return "\n".join(parts)


def check_images(
    paths: list[Path], *, progress: bool = True, workers: int | None = None, desc: str = "checking images"
) -> tuple[list[str], list[str]]:
    """Decode every image; returns (problems, notes), each naming the file."""
    problems: list[str] = []
    notes: list[str] = []

    def one(path: Path) -> None:
        try:
            info = inspect_image(path)
        except ImageDecodeError as exc:
            problems.append(str(exc))
            return
        notes.extend(f"{path}: {n}" for n in info.notes)

    with (
        progress_bar(len(paths), desc, enabled=progress) as bar,
        ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool,
    ):
        for _ in pool.map(one, paths):
            bar.update(1)
    return sorted(problems), sorted(notes)


#: What a records source's reader returns: the reading, each record's split, and how the splits were made.
SplitReading = tuple[LayoutReading, tuple[str, ...], str]


def validate_records(
    root: str | Path,
    kind: str,
    read: Callable[[Path], SplitReading],
    *,
    splits: tuple[str, ...] | None = None,
    decode: bool = True,
    progress: bool = True,
) -> ValidationReport:
    """Check a records layout (HAM10000, ISIC 2018, ISIC 2019; see module docs); reports bad data, never raises for it.

    Args:
        kind: the dataset's name, for messages.
        read: ``read(root) -> (reading, split of each record, how the splits were made)``: the
            source's reader with its split (``DatasetSource.validate`` passes it).
        splits: count and decode only these splits (default all).
        decode: decode every image (the slow part); ``False`` checks names and CSVs only.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataNotFoundError(f"{root}: no such folder; get the data with `lesionkit download {kind} --to {root}`")
    report = ValidationReport(str(root), columns=())
    try:
        reading, split, report.splits = read(root)
    except DataError as exc:
        report.problems.append(str(exc))
        return report
    report.problems += reading.problems
    report.warnings += reading.warnings
    report.notes += reading.notes
    records = reading.records
    shared = shared_groups(records.lesion_ids, split)
    if shared:
        listed = [f"{g} ({'/'.join(s)})" for g, s in shared.items()]
        report.warnings.append(f"{len(shared)} lesion id(s) have images in more than one split: {examples(listed)}")
    wanted = [s for s in ("train", "validation", "test") if s in split and (not splits or s in splits)]
    rows = {s: [i for i, name in enumerate(split) if name == s] for s in wanted}
    for name in wanted:
        report.counts[name] = diagnosis_counts(records.diagnosis[rows[name]])
    occurring = {c for counts in report.counts.values() for c in counts}
    report.columns = tuple(d for d in DIAGNOSES if d in occurring)
    if decode:
        paths = [Path(records.paths[i]) for name in wanted for i in rows[name]]
        problems, notes = check_images(paths, progress=progress, desc=f"checking {kind} images")
        report.problems += problems
        report.notes += notes
        report.images_checked = len(paths)
    return report
