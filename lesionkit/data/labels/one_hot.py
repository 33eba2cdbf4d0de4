"""One-hot ground-truth CSVs (ISIC 2018 Task 3, ISIC 2019): one column per diagnosis, exactly one 1 a row.

The file-level rules are :mod:`lesionkit.data.labels.csvtable`'s. Each value must be
``0``/``1`` (``0.0``/``1.0`` as published) and each row must have exactly one
1; every other row is reported with its line and skipped, so that all bad rows
are listed at once. Column names are read by :func:`~lesionkit.diagnoses.diagnosis_code`.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "gt.csv"
    >>> _ = p.write_text("image,MEL,NV\\nISIC_1,1.0,0.0\\nISIC_2,0.0,0.0\\n")
    >>> table = read_one_hot(p, ("MEL", "NV"))
    >>> table.ids, table.diagnosis.tolist(), table.problems
    (('ISIC_1',), [1], ('line 3: ISIC_2 has no 1 among MEL, NV; exactly one diagnosis column must be 1',))
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lesionkit.data.labels.csvtable import parse_binary, read_csv
from lesionkit.data.labels.ground_truth import LabelTable
from lesionkit.diagnoses import diagnosis_code


def read_one_hot(path: str | Path, columns: tuple[str, ...], *, id_column: str = "image") -> LabelTable:
    """Read ``id_column`` + one-hot ``columns``; problems are returned, not raised (see module docs).

    Raises:
        DataNotFoundError: no such file. DataError: not a CSV, empty, or a column missing.
    """
    expected = ",".join((id_column, *columns))
    table = read_csv(path, what="ground-truth CSV", expected=expected).require((id_column, *columns), expected=expected)
    codes = [diagnosis_code(c) for c in columns]
    ids: list[str] = []
    diagnosis: list[int] = []
    lines: list[int] = []
    problems: list[str] = []
    for row in table.records(problems, id_column):
        values = [parse_binary(row[c]) for c in columns]
        bad = [(c, row[c]) for c, v in zip(columns, values) if v is None]
        if bad:
            problems.extend(f"line {row.line}: {row.image_id} {c}={v!r} is not 0 or 1" for c, v in bad)
            continue
        ones = [c for c, v in zip(columns, values) if v == 1]
        if len(ones) != 1:
            what = f"has no 1 among {', '.join(columns)}" if not ones else f"is labelled {', '.join(ones)}"
            problems.append(f"line {row.line}: {row.image_id} {what}; exactly one diagnosis column must be 1")
            continue
        ids.append(row.image_id)
        diagnosis.append(codes[columns.index(ones[0])])
        lines.append(row.line)
    return LabelTable(
        str(table.path),
        tuple(ids),
        np.asarray(diagnosis, dtype=np.int64),
        tuple(lines),
        tuple(problems),
        table.extra_columns((id_column, *columns)),
    )
