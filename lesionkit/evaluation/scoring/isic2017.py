"""Score an ISIC 2017 Part 3 submission against the ground truth, as the challenge did.

Both files are CSVs with the header ``image_id,melanoma,seborrheic_keratosis``:
the ground truth holds 0/1 labels (written ``0.0``/``1.0``), a submission holds
probabilities in [0, 1]. Files may use CRLF or LF line ends and may start with a
UTF-8 byte-order mark; a submission's columns may come in any order. Each class
is scored with :func:`lesionkit.evaluation.stats.metrics.isic_metrics`; the challenge ranked
submissions by the mean of the two ROC AUCs (:attr:`SubmissionScore.mean_auc`).

A submission may hold one task only: a class whose column is absent or empty in every
row (as ``lesionkit predict`` writes for a melanoma run) is listed in
:attr:`SubmissionScore.missing` and the other is scored; the mean AUC then is nan.
A column empty in some rows only is an error. ISIC 2018 Task 3 files are scored by
:mod:`lesionkit.evaluation.scoring.isic2018`.

Example:
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "truth.csv").write_text(
    ...     "image_id,melanoma,seborrheic_keratosis\\r\\n"
    ...     "ISIC_1,1.0,0.0\\r\\nISIC_2,0.0,1.0\\r\\nISIC_3,0.0,0.0\\r\\n")
    >>> _ = (d / "pred.csv").write_text(
    ...     "image_id,seborrheic_keratosis,melanoma\\n"
    ...     "ISIC_3,0.1,0.2\\nISIC_1,0.3,0.9\\nISIC_2,0.8,0.4\\n")
    >>> score = score_submission(d / "truth.csv", d / "pred.csv")
    >>> score.mean_auc
    1.0
    >>> score["melanoma"].sensitivity
    1.0
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from lesionkit.data.labels.csvtable import read_csv
from lesionkit.data.labels.ground_truth import read_ground_truth as read_labels
from lesionkit.diagnoses import MELANOMA, SEBORRHEIC_KERATOSIS
from lesionkit.errors import DataError, DataNotFoundError
from lesionkit.evaluation.stats.metrics import isic_metrics
from lesionkit.evaluation.text import markdown_table, number, text_table
from lesionkit.warn import warn

__all__ = [
    "CLASSES",
    "ClassScore",
    "LabelTable",
    "ScoringError",
    "ScoringWarning",
    "SubmissionScore",
    "read_ground_truth",
    "read_submission",
    "score_submission",
    "score_tables",
]

#: The two ISIC 2017 Part 3 classes, in the order of the official files.
CLASSES: tuple[str, str] = ("melanoma", "seborrheic_keratosis")
ID_COLUMN = "image_id"
EXPECTED_HEADER = ",".join((ID_COLUMN, *CLASSES))
#: How many offending ids an error message lists before summarising the rest.
_MAX_LISTED = 10
#: How a score that cannot be computed (a class absent) is printed.
NAN = "nan"


class ScoringError(DataError):
    """A ground-truth or submission file that cannot be scored; names the file and line."""


class ScoringWarning(UserWarning):
    """Something odd but scorable in a submission (e.g. extra columns, which are ignored)."""


@attrs.frozen(eq=False)
class LabelTable:
    """Per-image values of the two classes, as read from one CSV.

    Attributes:
        path: the file read (``None`` when built in memory).
        ids: image ids in file order.
        values: class name -> float array aligned with ``ids``.
    """

    path: Path | None
    ids: tuple[str, ...]
    values: Mapping[str, np.ndarray] = attrs.field(repr=False)

    def column(self, name: str, order: tuple[str, ...] | None = None) -> np.ndarray:
        """Values of class ``name``, optionally re-ordered to the ids in ``order``."""
        if order is None or order == self.ids:
            return self.values[name]
        index = {image_id: i for i, image_id in enumerate(self.ids)}
        return self.values[name][[index[i] for i in order]]


@attrs.frozen
class ClassScore:
    """ISIC 2017 metrics of one class (one-vs-rest); threshold-based ones use ``p > 0.5``."""

    name: str
    n_images: int
    n_positive: int
    auc: float
    average_precision: float
    accuracy: float
    sensitivity: float
    specificity: float
    spec_at_sens_82: float
    spec_at_sens_89: float
    spec_at_sens_95: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python values (nan as ``None`` so the result is valid JSON)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in attrs.asdict(self).items()}


#: Columns of :meth:`SubmissionScore.table`: (attribute, heading).
_TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("auc", "AUC"),
    ("average_precision", "AP"),
    ("accuracy", "accuracy"),
    ("sensitivity", "sensitivity"),
    ("specificity", "specificity"),
    ("spec_at_sens_82", "spec@82"),
    ("spec_at_sens_89", "spec@89"),
    ("spec_at_sens_95", "spec@95"),
)


@attrs.frozen
class SubmissionScore:
    """Scores of a submission: one :class:`ClassScore` per class and the ranking metric.

    Index it by class name (``score["melanoma"].auc``).
    """

    classes: Mapping[str, ClassScore]
    n_images: int
    truth_path: str | None = None
    submission_path: str | None = None
    missing: tuple[str, ...] = ()

    @property
    def mean_auc(self) -> float:
        """Mean of the per-class ROC AUCs: the ISIC 2017 Part 3 ranking metric (nan with a class missing)."""
        if self.missing:
            return math.nan
        return float(np.mean([c.auc for c in self.classes.values()]))

    def __getitem__(self, name: str) -> ClassScore:
        try:
            return self.classes[name]
        except KeyError:
            raise KeyError(f"no class {name!r} in this score; classes: {', '.join(self.classes)}") from None

    def __iter__(self) -> Iterator[ClassScore]:
        return iter(self.classes.values())

    def table(self, digits: int = 4, markdown: bool = False) -> str:
        """The scores as an aligned text table (or a Markdown table), mean AUC last.

        Example:
            >>> print(score.table())  # doctest: +SKIP
            class                   AUC      AP  accuracy  sensitivity ...
        """
        headings = ["class", *(h for _, h in _TABLE_COLUMNS)]
        rows = [
            [c.name, *(_fmt(getattr(c, attr), digits) for attr, _ in _TABLE_COLUMNS)] for c in self.classes.values()
        ]
        footer = f"mean AUC (ISIC 2017 ranking metric): {_fmt(self.mean_auc, digits)}  ({self.n_images} images)"
        if self.missing:
            footer += f"\nnot in the submission, not scored: {', '.join(self.missing)}"
        if markdown:
            return markdown_table(headings, rows) + "\n\n" + footer
        return text_table(headings, rows, rule=False) + "\n" + footer

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``classes`` (per-class metrics), ``mean_auc``, ``n_images``, paths."""
        mean = self.mean_auc
        return {
            "classes": {name: c.to_dict() for name, c in self.classes.items()},
            "mean_auc": None if math.isnan(mean) else mean,
            "n_images": self.n_images,
            "missing": list(self.missing),
            "truth": self.truth_path,
            "submission": self.submission_path,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)


def _fmt(value: float, digits: int) -> str:
    return number(value, digits, missing=NAN)


def _list_ids(ids: list[str]) -> str:
    shown = ", ".join(ids[:_MAX_LISTED])
    return shown + (f" and {len(ids) - _MAX_LISTED} more" if len(ids) > _MAX_LISTED else "")


def _parse_submission(path: str | Path, *, strict: bool) -> LabelTable:
    table = read_csv(path, what="submission file", expected=repr(EXPECTED_HEADER), error=ScoringError)
    if not any(c in table.header for c in CLASSES):
        table.require((ID_COLUMN, *CLASSES), expected=f"{EXPECTED_HEADER!r} (any order)")
    table.require((ID_COLUMN,), expected=f"{EXPECTED_HEADER!r} (any order)")
    extra = table.extra_columns((ID_COLUMN, *CLASSES))
    if extra:
        message = (
            f"{table.where}: extra column(s) {', '.join(repr(c) for c in extra)}; only {EXPECTED_HEADER!r} are scored"
        )
        if strict:
            raise ScoringError(message + " (remove them, or score without strict mode to ignore them)")
        warn(message + "; ignoring them", ScoringWarning)
    if not table.rows:
        raise ScoringError(f"{table.where} has a header but no rows")
    present = _present_classes(table)
    problems: list[str] = []
    ids: list[str] = []
    columns: dict[str, list[float]] = {name: [] for name in present}
    for row in table.records(problems):
        values = {name: _parse_value(row[name]) for name in present}
        bad = [
            f"line {row.line} (image_id {row.image_id}): {name} value {row[name]!r} {problem}"
            for name, (_, problem) in values.items()
            if problem
        ]
        problems.extend(bad)
        ids.append(row.image_id)
        for name, (value, _) in values.items():
            columns[name].append(value)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        hint = "; submissions hold one probability in [0, 1] per class and image"
        raise ScoringError(f"{table.where}: {problems[0]}{more}{hint}")
    return LabelTable(path=table.path, ids=tuple(ids), values={k: np.asarray(v) for k, v in columns.items()})


def _present_classes(table: Any) -> tuple[str, ...]:
    """The classes a submission holds: columns in its header with a value in at least one row."""
    present = []
    for name in CLASSES:
        if name not in table.header:
            continue
        index = table.header.index(name)
        if any(index < len(cells) and cells[index] for _, cells in table.rows):
            present.append(name)
    if not present:
        raise ScoringError(
            f"{table.where}: the {' and '.join(CLASSES)} columns are empty in every row; "
            "a submission needs probabilities for at least one of them"
        )
    return tuple(present)


def _parse_value(raw: str) -> tuple[float, str | None]:
    """A cell as a float, and what is wrong with it (``None`` when nothing)."""
    try:
        value = float(raw)
    except ValueError:
        return math.nan, "is not a number"
    if not math.isfinite(value):
        return value, "is not finite"
    if not 0.0 <= value <= 1.0:
        return value, "is outside [0, 1]"
    return value, None


def read_ground_truth(path: str | Path) -> LabelTable:
    """Read an ISIC 2017 Part 3 ground-truth CSV (``image_id,melanoma,seborrheic_keratosis``, 0/1) for scoring.

    The one reader of these files is :func:`lesionkit.data.labels.ground_truth.read_ground_truth`
    (datasets read the same files with it); this gives its labels as 0/1 columns per class.

    Raises:
        DataNotFoundError: no such file.
        ScoringError: bad header, a value that is not 0/1, both classes 1, a repeated id...
    """
    try:
        labels = read_labels(path)
    except DataNotFoundError:
        raise
    except DataError as exc:
        raise ScoringError(f"ground-truth file {exc}") from None
    if not labels.ids:
        raise ScoringError(f"ground-truth file {labels.path} has a header but no rows")
    codes = {"melanoma": MELANOMA, "seborrheic_keratosis": SEBORRHEIC_KERATOSIS}
    values = {name: (labels.diagnosis == code).astype(np.float64) for name, code in codes.items()}
    return LabelTable(path=Path(labels.path), ids=labels.ids, values=values)


def read_submission(path: str | Path, *, strict: bool = False) -> LabelTable:
    """Read a submission CSV: one probability per class and image, columns in any order.

    A class whose column is absent, or empty in every row, is left out of the table
    (the submission does not hold that task).

    Args:
        path: the CSV file.
        strict: make extra columns an error instead of a :class:`ScoringWarning`.

    Raises:
        DataNotFoundError: no such file.
        ScoringError: bad header, a non-numeric or out-of-range value, a repeated id...
    """
    return _parse_submission(path, strict=strict)


def score_tables(truth: LabelTable, submission: LabelTable) -> SubmissionScore:
    """Score a read submission against a read ground truth (ids must match both ways).

    Raises:
        ScoringError: ids missing from the submission or not in the ground truth (listed).
    """
    truth_ids, sub_ids = set(truth.ids), set(submission.ids)
    missing = [i for i in truth.ids if i not in sub_ids]
    extra = [i for i in submission.ids if i not in truth_ids]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} ground-truth image(s) missing from the submission: {_list_ids(missing)}")
        if extra:
            parts.append(f"{len(extra)} submission image(s) not in the ground truth: {_list_ids(extra)}")
        where = f" (submission {submission.path}, ground truth {truth.path})" if submission.path or truth.path else ""
        hint = "; a submission needs exactly one row per ground-truth image"
        if not truth_ids & sub_ids:
            hint = "; no image id in common: is this the ground truth of the split that was predicted?"
        raise ScoringError("image ids do not match" + where + ": " + "; ".join(parts) + hint)
    classes = {}
    for name in (c for c in CLASSES if c in submission.values):
        y = truth.column(name).astype(np.int64)
        p = submission.column(name, order=truth.ids)
        classes[name] = ClassScore(name=name, n_images=len(y), n_positive=int(y.sum()), **isic_metrics(y, p))
    return SubmissionScore(
        classes=classes,
        n_images=len(truth.ids),
        truth_path=None if truth.path is None else str(truth.path),
        submission_path=None if submission.path is None else str(submission.path),
        missing=tuple(c for c in CLASSES if c not in submission.values),
    )


def score_submission(truth_csv: str | Path, submission_csv: str | Path, *, strict: bool = False) -> SubmissionScore:
    """Score an ISIC 2017 Part 3 submission CSV against a ground-truth CSV.

    Args:
        truth_csv: ``image_id,melanoma,seborrheic_keratosis`` with 0/1 labels.
        submission_csv: the same columns (any order) with probabilities in [0, 1].
        strict: extra submission columns are an error instead of a warning.

    Returns:
        A :class:`SubmissionScore`; ``print(score.table())`` shows it.

    Raises:
        DataNotFoundError, ScoringError: with the file, line and id at fault.
    """
    return score_tables(read_ground_truth(truth_csv), read_submission(submission_csv, strict=strict))
