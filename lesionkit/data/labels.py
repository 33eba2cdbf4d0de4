"""Reading label CSVs (ISIC 2017 Part 3 ground truth and similar) strictly but kindly.

Accepted: a UTF-8 BOM, CRLF or LF line ends, extra columns (ignored), blank
lines, values written ``0``/``1``/``0.0``/``1.0``. Refused, each with the file,
line and value: missing required columns, empty or duplicate image ids, values
other than 0/1, rows that are both melanoma and seborrheic keratosis, rows with
the wrong number of fields.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "gt.csv"
    >>> _ = p.write_text("image_id,melanoma,seborrheic_keratosis\\r\\nISIC_1,1.0,0.0\\r\\n")
    >>> read_ground_truth(p).diagnosis.tolist()
    [1]
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import attrs
import numpy as np

from lesionkit.data.split import CLASS_NAMES, MELANOMA, NEVUS, SEBORRHEIC_KERATOSIS
from lesionkit.errors import DataError

GROUND_TRUTH_COLUMNS = ("image_id", "melanoma", "seborrheic_keratosis")
MAX_LISTED = 20


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


def format_problems(title: str, problems: tuple[str, ...] | list[str]) -> str:
    """``title`` then one problem a line, the first 20 and a count of the rest."""
    lines = [title + ":"] + [f"  - {p}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"  ... and {len(problems) - MAX_LISTED} more")
    return "\n".join(lines)


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        # utf-8-sig strips a BOM; newline="" lets csv handle CRLF and quoted fields.
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            return [(reader.line_num, row) for row in reader]
    except FileNotFoundError as exc:
        raise DataError(f"{path}: label CSV not found") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV") from exc


def _binary(value: str) -> int | None:
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return int(number) if number in (0.0, 1.0) else None


def read_ground_truth(path: str | Path, *, strict: bool = True) -> LabelTable:
    """Read an ISIC-style ``image_id,melanoma,seborrheic_keratosis`` CSV.

    Args:
        strict: raise :class:`DataError` listing every problem; ``False`` returns
            them in ``problems`` (and skips the bad rows) for a validation report.
    """
    path = Path(path)
    rows = _read_rows(path)
    rows = [(n, r) for n, r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise DataError(f"{path}: empty label CSV; expected a header {','.join(GROUND_TRUTH_COLUMNS)}")
    header_line, header = rows[0]
    names = [h.strip() for h in header]
    missing = [c for c in GROUND_TRUTH_COLUMNS if c not in names]
    if missing:
        raise DataError(
            f"{path}, line {header_line}: missing column(s) {', '.join(missing)}; header is {','.join(names)!r}, "
            f"expected {','.join(GROUND_TRUTH_COLUMNS)}"
        )
    col = {c: names.index(c) for c in GROUND_TRUTH_COLUMNS}
    extra = tuple(n for n in names if n not in GROUND_TRUTH_COLUMNS)
    ids: list[str] = []
    diagnosis: list[int] = []
    lines: list[int] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, row in rows[1:]:
        if len(row) != len(names):
            problems.append(f"line {line}: {len(row)} fields, header has {len(names)}: {','.join(row)!r}")
            continue
        image_id = row[col["image_id"]].strip()
        if not image_id:
            problems.append(f"line {line}: empty image_id")
            continue
        if image_id in seen:
            problems.append(f"line {line}: duplicate image_id {image_id!r} (first on line {seen[image_id]})")
            continue
        mel, sk = _binary(row[col["melanoma"]]), _binary(row[col["seborrheic_keratosis"]])
        bad = [(c, row[col[c]]) for c, v in (("melanoma", mel), ("seborrheic_keratosis", sk)) if v is None]
        if bad:
            problems.extend(f"line {line}: {image_id} {c}={v!r} is not 0 or 1" for c, v in bad)
            continue
        if mel == 1 and sk == 1:
            problems.append(f"line {line}: {image_id} is labelled both melanoma and seborrheic_keratosis")
            continue
        seen[image_id] = line
        ids.append(image_id)
        diagnosis.append(MELANOMA if mel else SEBORRHEIC_KERATOSIS if sk else NEVUS)
        lines.append(line)
    table = LabelTable(
        str(path), tuple(ids), np.asarray(diagnosis, dtype=np.int64), tuple(lines), tuple(problems), extra
    )
    return table.raise_for_problems() if strict else table


def read_metadata(path: str | Path, ids: tuple[str, ...]) -> dict[str, tuple[object, ...]]:
    """Per-image columns of an ISIC metadata CSV (``image_id,age_approximate,sex``) in ``ids`` order.

    ``age_approximate`` becomes a float or ``None`` ("unknown"), other columns
    strings or ``None``. A missing file gives ``{}``; ids absent from it get ``None``.
    """
    path = Path(path)
    if not path.exists():
        return {}
    rows = [r for _, r in _read_rows(path) if any(c.strip() for c in r)]
    if not rows:
        return {}
    names = [h.strip() for h in rows[0]]
    if "image_id" not in names:
        raise DataError(f"{path}: metadata CSV has no image_id column (header {','.join(names)!r})")
    key = names.index("image_id")
    by_id: Mapping[str, list[str]] = {r[key].strip(): r for r in rows[1:] if len(r) == len(names)}
    out: dict[str, tuple[object, ...]] = {}
    for i, name in enumerate(names):
        if i == key:
            continue
        values: list[object] = []
        for image_id in ids:
            raw = by_id.get(image_id)
            cell = raw[i].strip() if raw else ""
            if cell.lower() in ("", "unknown", "nan", "na"):
                values.append(None)
            elif name == "age_approximate":
                try:
                    values.append(float(cell))
                except ValueError:
                    values.append(None)
            else:
                values.append(cell)
        out[name] = tuple(values)
    return out


def class_counts(diagnosis: np.ndarray) -> dict[str, int]:
    """Images per diagnosis class name."""
    diagnosis = np.asarray(diagnosis)
    return {name: int(np.sum(diagnosis == code)) for code, name in enumerate(CLASS_NAMES)}
