"""Per-image metadata (age, sex, site) for images named by id, read from any release's metadata CSV.

A model with a metadata prior (:mod:`lesionkit.evaluation.posthoc.metadata_prior`) needs each image's
age and sex at prediction time too. :func:`read_metadata_csv` reads the metadata CSV of ISIC
2017 (``image_id,age_approximate,sex``), HAM10000 (``image_id,...,age,sex,localization``) or
ISIC 2019 (``image,age_approx,anatom_site_general,...``), or a CSV of your own with an
``image_id`` column, and lines it up with the images to predict: the result's columns hold one
value per image id (``None`` where the CSV has no row or an empty cell), ready for
``Trainer.predict(..., metadata=...)``. How many images have no row, and how many rows name no
image, is counted in :class:`MetadataMatch`, never silently dropped.

Example:
    >>> import pathlib, tempfile
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "meta.csv"
    >>> _ = csv.write_text("image_id,age_approximate,sex\\nISIC_1,55,male\\nISIC_9,30,female\\n")
    >>> columns, match = read_metadata_csv(csv, ["ISIC_1", "ISIC_2"])
    >>> columns["age_approximate"], columns["sex"]
    ((55.0, None), ('male', None))
    >>> match.describe()
    'metadata for 1 of 2 images (1 without a row); 1 CSV row(s) name no image given'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from lesionkit.data.labels.csvtable import read_csv
from lesionkit.errors import DataError, DataWarning, format_problems
from lesionkit.warn import warn

__all__ = ["ID_COLUMNS", "MetadataMatch", "read_metadata_csv"]

#: The id column of each release's metadata CSV, in the order they are looked for.
ID_COLUMNS = ("image_id", "image", "isic_id")
#: Columns read as ages (years, numbers); every other column stays text.
AGE_COLUMNS = frozenset({"age_approximate", "age_approx", "age"})
_EMPTY = ("", "unknown", "nan", "na", "none")


@attrs.frozen
class MetadataMatch:
    """How the CSV's rows met the images asked for.

    Attributes:
        images: image ids asked for; ``matched`` of them have a row.
        unmatched_rows: CSV rows whose id is not among the images (counted, not an error:
            a release's full metadata CSV for a few of its images is the usual case).
    """

    images: int
    matched: int
    unmatched_rows: int

    @property
    def missing(self) -> int:
        """Images with no row: the prior leaves their probabilities as the image model's."""
        return self.images - self.matched

    def describe(self) -> str:
        """One line for the console."""
        text = f"metadata for {self.matched} of {self.images} images"
        if self.missing:
            text += f" ({self.missing} without a row)"
        if self.unmatched_rows:
            text += f"; {self.unmatched_rows} CSV row(s) name no image given"
        return text


def _value(column: str, cell: str) -> object:
    if cell.strip().lower() in _EMPTY:
        return None
    if column in AGE_COLUMNS:
        try:
            return float(cell)
        except ValueError:
            return None
    return cell.strip()


def read_metadata_csv(
    path: str | Path, image_ids: Sequence[str]
) -> tuple[dict[str, tuple[object, ...]], MetadataMatch]:
    """The CSV's columns in ``image_ids`` order, and how its rows matched them.

    Malformed rows (wrong number of fields, a repeated or empty id) are skipped with a
    :class:`~lesionkit.errors.DataWarning` that counts and lists them.

    Raises:
        DataError: the file is missing, not a CSV, or has none of the id columns
            :data:`ID_COLUMNS` (the message names the file and its header).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such metadata CSV")
    table = read_csv(path, what="metadata CSV")
    id_column = next((c for c in ID_COLUMNS if c in table.header), None)
    if id_column is None:
        raise DataError(
            f"{path}: no image id column (looked for {', '.join(ID_COLUMNS)}; the header is "
            f"{','.join(table.header)}); name the column of image ids image_id"
        )
    problems: list[str] = []
    by_id = {record.image_id: record for record in table.records(problems, id_column)}
    if problems:
        warn(format_problems(f"{path}: {len(problems)} metadata row(s) skipped", problems), DataWarning)
    rows = [by_id.get(str(image_id)) for image_id in image_ids]
    columns = {
        name: tuple(None if row is None else _value(name, row[name]) for row in rows)
        for name in table.header
        if name != id_column
    }
    matched = sum(row is not None for row in rows)
    wanted = {str(i) for i in image_ids}
    match = MetadataMatch(len(rows), matched, sum(1 for key in by_id if key not in wanted))
    return columns, match
