"""Reading label CSVs (ISIC 2017 Part 3 ground truth and similar) strictly but kindly.

The file-level rules (BOM, CRLF, blank lines, missing/duplicate/empty ids, field
counts) are :mod:`lesionkit.data.labels.csvtable`'s. On top of them: extra columns are
ignored (and listed), values may be written ``0``/``1``/``0.0``/``1.0``; refused,
each with its line and value: values other than 0/1, rows that are both
melanoma and seborrheic keratosis.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "gt.csv"
    >>> _ = p.write_text("image_id,melanoma,seborrheic_keratosis\\r\\nISIC_1,1.0,0.0\\r\\n")
    >>> read_ground_truth(p).diagnosis.tolist()
    [1]
"""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np

from lesionkit.data.labels.csvtable import format_problems, parse_binary, read_csv
from lesionkit.data.labels.metadata_csv import read_metadata_csv
from lesionkit.data.splitting.split import CLASS_NAMES, MELANOMA, NEVUS, SEBORRHEIC_KERATOSIS
from lesionkit.errors import DataError, DataWarning
from lesionkit.warn import warn

GROUND_TRUTH_COLUMNS = ("image_id", "melanoma", "seborrheic_keratosis")


@attrs.frozen(eq=False)
class LabelTable:
    """Parsed labels: ids, diagnosis codes, source line numbers, and problems found."""

    path: str
    ids: tuple[str, ...]
    diagnosis: np.ndarray
    lines: tuple[int, ...]
    problems: tuple[str, ...] = ()
    extra_columns: tuple[str, ...] = ()

    def raise_for_problems(self) -> LabelTable:
        """Raise one :class:`DataError` listing every problem (the first 20) if any."""
        if self.problems:
            raise DataError(
                format_problems(f"{self.path}: {len(self.problems)} problem(s) in the label CSV", self.problems)
            )
        return self


def read_ground_truth(path: str | Path, *, strict: bool = True) -> LabelTable:
    """Read an ISIC-style ``image_id,melanoma,seborrheic_keratosis`` CSV.

    Args:
        strict: raise :class:`DataError` listing every problem; ``False`` returns
            them in ``problems`` (and skips the bad rows) for a validation report.
    """
    table = read_csv(path, what="label CSV", expected=",".join(GROUND_TRUTH_COLUMNS))
    table.require(GROUND_TRUTH_COLUMNS, expected=",".join(GROUND_TRUTH_COLUMNS))
    ids: list[str] = []
    diagnosis: list[int] = []
    lines: list[int] = []
    problems: list[str] = []
    for row in table.records(problems):
        mel, sk = parse_binary(row["melanoma"]), parse_binary(row["seborrheic_keratosis"])
        bad = [(c, row[c]) for c, v in (("melanoma", mel), ("seborrheic_keratosis", sk)) if v is None]
        if bad:
            problems.extend(f"line {row.line}: {row.image_id} {c}={v!r} is not 0 or 1" for c, v in bad)
            continue
        if mel == 1 and sk == 1:
            problems.append(f"line {row.line}: {row.image_id} is labelled both melanoma and seborrheic_keratosis")
            continue
        ids.append(row.image_id)
        diagnosis.append(MELANOMA if mel else SEBORRHEIC_KERATOSIS if sk else NEVUS)
        lines.append(row.line)
    labels = LabelTable(
        str(table.path),
        tuple(ids),
        np.asarray(diagnosis, dtype=np.int64),
        tuple(lines),
        tuple(problems),
        table.extra_columns(GROUND_TRUTH_COLUMNS),
    )
    return labels.raise_for_problems() if strict else labels


def read_metadata(path: str | Path, ids: tuple[str, ...]) -> dict[str, tuple[object, ...]]:
    """Per-image columns of an ISIC metadata CSV (``image_id,age_approximate,sex``) in ``ids`` order.

    The cells are read as :func:`lesionkit.data.labels.metadata_csv.read_metadata_csv` reads them
    (ages become floats, empty or "unknown" cells ``None``); ids absent from the file get
    ``None``. Unlike that function, a dataset's metadata never stops training: a missing file
    gives ``{}``, an unreadable one (empty, no id column) ``{}`` with a
    :class:`~lesionkit.errors.DataWarning`, and malformed rows are skipped with a warning that
    counts and lists them.
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        columns, _ = read_metadata_csv(path, ids)
    except DataError as exc:  # e.g. empty: training goes on without metadata
        warn(f"{exc}; metadata not used", DataWarning)
        return {}
    return columns


def class_counts(diagnosis: np.ndarray) -> dict[str, int]:
    """Images per diagnosis class name."""
    diagnosis = np.asarray(diagnosis)
    return {name: int(np.sum(diagnosis == code)) for code, name in enumerate(CLASS_NAMES)}
