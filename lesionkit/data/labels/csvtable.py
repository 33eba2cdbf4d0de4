"""One reader for every per-image CSV lesionkit takes in: label files, folder datasets, submissions.

The rules live here once, so every CSV is read and reported on alike:

- accepted: a UTF-8 byte-order mark, CRLF or LF line ends, quoted fields, blank
  lines, spaces around cells (stripped);
- refused with the file named: a missing file, text that is not UTF-8, an
  empty file, a header that lacks a required column or repeats one;
- refused with the line named, and skipped so that every bad row is reported
  at once (:meth:`CsvTable.records`): a row with the wrong number of fields, an
  empty id, an id seen on an earlier line.

What the cells mean (0/1 labels, diagnosis names, probabilities) is left to the
caller.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels.csv"
    >>> _ = path.write_bytes(b"\\xef\\xbb\\xbfimage_id,melanoma\\r\\nISIC_1,1\\r\\nISIC_1,0\\r\\n,1\\r\\n")
    >>> table = read_csv(path, what="label CSV")
    >>> problems = []
    >>> [(r.line, r.image_id, r["melanoma"]) for r in table.records(problems)]
    [(2, 'ISIC_1', '1')]
    >>> problems
    ["line 3: duplicate image_id 'ISIC_1' (first on line 2)", 'line 4: empty image_id']
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import attrs

from lesionkit.errors import DataError, DataNotFoundError, format_problems

__all__ = ["CsvTable", "Record", "format_problems", "parse_binary", "read_csv"]


@attrs.frozen
class Record:
    """One well-formed row: its 1-based line in the file, its id, and its cells by column name."""

    line: int
    image_id: str
    cells: Mapping[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells[column]


@attrs.frozen
class CsvTable:
    """A CSV's header and rows, cells stripped, blank lines dropped.

    Attributes:
        path: the file read.
        what: how messages name it (``"label CSV"``, ``"submission file"``).
        header: column names.
        header_line: the header's line in the file (after any blank lines).
        rows: ``(line, cells)`` pairs, in file order.
    """

    path: Path
    what: str
    header: tuple[str, ...]
    header_line: int
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    error: type[DataError] = DataError

    @property
    def where(self) -> str:
        """``"<what> <path>"``, the start of every message about this file."""
        return f"{self.what} {self.path}"

    def require(self, columns: Iterable[str], *, expected: str | None = None) -> CsvTable:
        """Raise ``error`` naming each column of ``columns`` the header lacks; returns ``self``."""
        missing = [c for c in columns if c not in self.header]
        if missing:
            raise self.error(
                f"{self.where}, line {self.header_line}: header {','.join(self.header)!r} lacks column(s) "
                f"{', '.join(missing)}" + (f"; expected {expected}" if expected else "")
            )
        return self

    def extra_columns(self, known: Iterable[str]) -> tuple[str, ...]:
        """Header columns not in ``known``, in file order."""
        known = set(known)
        return tuple(c for c in self.header if c not in known)

    def records(self, problems: list[str], id_column: str = "image_id") -> Iterator[Record]:
        """Rows with the header's number of fields and a new, non-empty id.

        Every other row is skipped and described in ``problems`` (``"line N: ..."``),
        so a caller can report all of them at once.
        """
        first_line: dict[str, int] = {}
        for line, cells in self.rows:
            if len(cells) != len(self.header):
                problems.append(f"line {line}: {len(cells)} fields, the header has {len(self.header)}")
                continue
            record = Record(line, cells[self.header.index(id_column)], dict(zip(self.header, cells)))
            if not record.image_id:
                problems.append(f"line {line}: empty {id_column}")
                continue
            if record.image_id in first_line:
                problems.append(
                    f"line {line}: duplicate {id_column} {record.image_id!r} (first on line {first_line[record.image_id]})"
                )
                continue
            first_line[record.image_id] = line
            yield record


def read_csv(
    path: str | Path,
    *,
    what: str = "CSV file",
    expected: str | None = None,
    error: type[DataError] = DataError,
) -> CsvTable:
    """Read a CSV file into a :class:`CsvTable`.

    Args:
        what: how messages name the file.
        expected: the header to suggest when the file is empty.
        error: the :class:`DataError` subclass raised for a bad file.

    Raises:
        DataNotFoundError: no such file.
        DataError (``error``): not UTF-8, not CSV, empty, or a column repeated in the header.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{what} {path} does not exist (or is not a file); check the path")
    try:
        # utf-8-sig drops a byte-order mark; newline="" lets csv handle CRLF, LF and quoted fields.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            rows = [
                (reader.line_num, tuple(cell.strip() for cell in fields))
                for fields in reader
                if any(cell.strip() for cell in fields)
            ]
    except UnicodeDecodeError as exc:
        raise error(
            f"{what} {path} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV"
        ) from exc
    except csv.Error as exc:
        raise error(f"{what} {path} is not a valid CSV ({exc})") from exc
    if not rows:
        raise error(
            f"{what} {path} is empty" + (f"; expected a header {expected} and one row per image" if expected else "")
        )
    (header_line, header), body = rows[0], rows[1:]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise error(
            f"{what} {path}, line {header_line}: column(s) {', '.join(repeated)} appear more than once in the header"
        )
    return CsvTable(path, what, header, header_line, tuple(body), error)


def parse_binary(value: str) -> int | None:
    """``0``/``1`` (also written ``0.0``/``1.0``) as an int; anything else ``None``.

    Example:
        >>> parse_binary("1.0"), parse_binary("0"), parse_binary("0.5"), parse_binary("yes")
        (1, 0, None, None)
    """
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return int(number) if number in (0.0, 1.0) else None
