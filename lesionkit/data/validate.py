"""Checking a dataset folder before a week of experiments: every image, every CSV row.

:func:`validate_isic2017` checks, for each split, that the ground-truth CSV
parses (0/1 values, never both 1, no duplicate or malformed rows), that image
files and CSV rows match both ways, and that every image decodes. It returns a
:class:`ValidationReport` with each problem (naming the file or CSV line),
notes on oddities that are handled (e.g. PNG data under a ``.jpg`` name), and
per-split, per-class counts beside the official ones.

Example:
    >>> from lesionkit.data.validate import validate_isic2017
    >>> report = validate_isic2017("~/data/isic2017")      # doctest: +SKIP
    >>> print(report.summary())                             # doctest: +SKIP
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs

from lesionkit.data.images import ImageDecodeError, inspect_image
from lesionkit.data.isic2017 import OFFICIAL_COUNTS, SPLIT_FILES, ground_truth_csv, image_dir
from lesionkit.data.labels import class_counts, read_ground_truth
from lesionkit.data.progress import progress_bar
from lesionkit.data.split import CLASS_NAMES
from lesionkit.errors import DataError, DataNotFoundError, DataProblems


@attrs.define
class ValidationReport:
    """What :func:`validate_isic2017` found.

    Attributes:
        root: the folder checked.
        problems: each offending file or CSV row, one line each (empty = valid).
        notes: oddities that were handled (not errors).
        counts: ``{split: {class: n}}`` of the labelled rows.
        official: ``{split: {class: n}}`` expected (ISIC 2017).
        images_checked: images decoded.
    """

    root: str
    problems: list[str] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    counts: dict[str, dict[str, int]] = attrs.field(factory=dict)
    official: dict[str, dict[str, int]] = attrs.field(factory=dict)
    images_checked: int = 0

    @property
    def ok(self) -> bool:
        """No problems found."""
        return not self.problems

    def count_table(self) -> str:
        """Per-split, per-class counts beside the official ones (``ours/official``)."""
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
        parts = [f"{self.root}: {self.images_checked} images checked", "counts (found/official):", self.count_table()]
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


def validate_isic2017(
    root: str | Path, *, splits: tuple[str, ...] | None = None, decode: bool = True, progress: bool = True
) -> ValidationReport:
    """Check an ISIC 2017 folder (see module docs); never raises for bad data, reports it.

    Args:
        splits: which splits (default all three); missing split files are problems.
        decode: decode every image (the slow part); ``False`` checks names and CSVs only.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataNotFoundError(f"{root}: no such folder; get ISIC 2017 with `lesionkit download isic2017 --to {root}`")
    report = ValidationReport(str(root))
    for split in splits or tuple(SPLIT_FILES):
        report.official[split] = dict(OFFICIAL_COUNTS[split])
        csv_path, folder = ground_truth_csv(root, split), image_dir(root, split)
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


def validate_folder(
    root: str | Path, *, labels: str = "labels.csv", decode: bool = True, progress: bool = True
) -> ValidationReport:
    """Check a ``folder`` dataset (images + label CSV): rows, files and every image decodes."""
    from lesionkit.data.folder import FolderDataset

    root = Path(root).expanduser()
    report = ValidationReport(str(root))
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
        report.counts[name] = split.counts()
        paths.extend(Path(p) for p in split.paths or ())
    listed = {p.resolve() for p in paths}
    from lesionkit.data.images import IMAGE_SUFFIXES

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
