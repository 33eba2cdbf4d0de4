"""Checking a dataset folder before a week of experiments: every image, every CSV row.

:func:`detect_dataset` tells which layout a folder holds (ISIC 2017, HAM10000,
ISIC 2018 Task 3, ISIC 2019, or a folder dataset), by the files each release
names, so a stray ``labels.csv`` in an ISIC root does not make it look like a
folder dataset (it is reported as a warning instead).

:func:`validate_isic2017` checks, for each split, that the ground-truth CSV
parses (0/1 values, never both 1, no duplicate or malformed rows), that image
files and CSV rows match both ways, and that every image decodes. It returns a
:class:`ValidationReport` with each problem (naming the file or CSV line),
notes on oddities that are handled (e.g. PNG data under a ``.jpg`` name), and
per-split, per-class counts beside the official ones. :func:`validate_records`
does the same for HAM10000, ISIC 2018 and ISIC 2019 with the datasets' own
readers, counts the diagnoses that occur per split (the split the dataset would
use, from its default seed), reports lesions shared by two splits, and reports
rows without images, images without rows and stray files as warnings.

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

from lesionkit.data import ham10000, isic2018, isic2019
from lesionkit.data.diagnoses import DIAGNOSES, diagnosis_counts
from lesionkit.data.folder import detect_layout
from lesionkit.data.grouped_split import DEFAULT_FRACTIONS, shared_groups
from lesionkit.data.images import ImageDecodeError, inspect_image
from lesionkit.data.isic2017 import OFFICIAL_COUNTS, SPLIT_FILES, ground_truth_csv, image_dir
from lesionkit.data.labels import class_counts, read_ground_truth
from lesionkit.data.progress import progress_bar
from lesionkit.data.records import LayoutReading, examples, split_by_lesion, stray_files
from lesionkit.data.split import CLASS_NAMES
from lesionkit.errors import DataError, DataNotFoundError, DataProblems

#: The layouts ``lesionkit validate`` knows, in the order :func:`detect_dataset` tries them.
LAYOUTS = ("isic2017", "ham10000", "isic2018", "isic2019", "folder")


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


def validate_folder(
    root: str | Path, *, labels: str = "labels.csv", decode: bool = True, progress: bool = True
) -> ValidationReport:
    """Check a ``folder`` dataset (class folders or images + label CSV): rows, files, every image; counts per class."""
    from lesionkit.data.folder import FolderDataset

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


def _stray_hint(warning: str) -> str:
    if warning.split(":", 1)[0].endswith(".csv"):
        return warning + " (to check it as a folder dataset's labels, pass --dataset folder --labels NAME)"
    return warning


def detect_dataset(root: str | Path, labels: str = "labels.csv") -> str:
    """Which layout ``root`` holds: one of :data:`LAYOUTS`, by the files each release names.

    A published layout wins over a folder dataset's ``labels`` file, so a stray
    ``labels.csv`` never switches an ISIC root to the folder layout. A folder with
    none of them is taken as ISIC 2017 (whose check then names each missing file).

    Example:
        >>> import pathlib, tempfile
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (root / "HAM10000_metadata.csv").write_text("lesion_id,image_id,dx")
        >>> _ = (root / "labels.csv").write_text("image_id,diagnosis")
        >>> detect_dataset(root)
        'ham10000'
    """
    root = Path(root).expanduser()
    if any(p.exists() for s in SPLIT_FILES for p in (ground_truth_csv(root, s), image_dir(root, s))):
        return "isic2017"
    for name, module in (("ham10000", ham10000), ("isic2018", isic2018), ("isic2019", isic2019)):
        if module.is_layout(root):
            return name
    return "folder" if detect_layout(root, labels) else "isic2017"


def _read(kind: str, root: Path, seed: int) -> tuple[LayoutReading, tuple[str, ...], str]:
    default = ", ".join(f"{k} {v:g}" for k, v in DEFAULT_FRACTIONS.items())
    if kind == "ham10000":
        reading = ham10000.read_ham10000(root)
        return reading, split_by_lesion(reading, seed=seed), f"drawn by lesion_id, seed {seed} ({default})"
    if kind == "isic2018":
        reading = isic2018.read_isic2018(root)
        official = sorted(set(reading.split or ()))
        how = "official " + ", ".join(official)
        if "validation" not in official:
            carve = ", ".join(f"{k} {v:g}" for k, v in isic2018.DEFAULT_FRACTIONS.items())
            how += f"; validation carved from training by lesion_id, seed {seed} ({carve})"
        return reading, isic2018.assign_splits(reading, seed=seed), how
    if kind == "isic2019":
        reading = isic2019.read_isic2019(root)
        return reading, split_by_lesion(reading, seed=seed), f"drawn by lesion_id, seed {seed} ({default})"
    raise ValueError(f"no records layout {kind!r}; use ham10000, isic2018 or isic2019")


def validate_records(
    root: str | Path,
    kind: str,
    *,
    splits: tuple[str, ...] | None = None,
    seed: int = 0,
    decode: bool = True,
    progress: bool = True,
) -> ValidationReport:
    """Check a HAM10000, ISIC 2018 or ISIC 2019 folder (see module docs); reports bad data, never raises for it.

    Args:
        kind: ``"ham10000"``, ``"isic2018"`` or ``"isic2019"``.
        splits: count and decode only these splits (default all).
        seed: the seed of the drawn splits (the datasets' default is 0).
        decode: decode every image (the slow part); ``False`` checks names and CSVs only.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataNotFoundError(f"{root}: no such folder; get the data with `lesionkit download {kind} --to {root}`")
    report = ValidationReport(str(root), columns=())
    try:
        reading, split, report.splits = _read(kind, root, seed)
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
