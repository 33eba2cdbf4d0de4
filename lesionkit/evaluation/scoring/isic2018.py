"""Score an ISIC 2018 Task 3 submission (seven diagnoses) against the ground truth.

Both files are CSVs with the header ``image,MEL,NV,BCC,AKIEC,BKL,DF,VASC``: the
ground truth one-hot (``0.0``/``1.0``, exactly one 1 a row), a submission one
probability in [0, 1] per diagnosis (rows need not sum to 1; the predicted diagnosis
is the column with the highest value). A submission's columns may come in any order and
may be spelled as lesionkit's class names (``image_id,melanoma,nevus,...``, as
``lesionkit predict`` writes for a ``dx7`` run).

The challenge ranked submissions by balanced multiclass accuracy (mean per-class
recall); the score also holds each diagnosis's one-vs-rest ROC AUC and average
precision, their macro mean, and the confusion matrix. One difference from the
challenge's scorer: a row whose highest probability is shared by several diagnoses
goes to the first of them here, where the challenge counted it as undecided (wrong).

Example:
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> head = "image,MEL,NV,BCC,AKIEC,BKL,DF,VASC\\n"
    >>> _ = (d / "t.csv").write_text(head + "A,1,0,0,0,0,0,0\\nB,0,1,0,0,0,0,0\\nC,0,1,0,0,0,0,0\\n")
    >>> _ = (d / "p.csv").write_text(head + "A,.6,.4,0,0,0,0,0\\nB,.7,.3,0,0,0,0,0\\nC,.1,.9,0,0,0,0,0\\n")
    >>> score = score_task3(d / "t.csv", d / "p.csv")
    >>> score.balanced_accuracy, score.confusion_matrix[:2, :2].tolist()
    (0.75, [[1, 0], [1, 1]])
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from lesionkit.data.labels.csvtable import read_csv
from lesionkit.diagnoses import UnknownDiagnosisError, diagnosis_code
from lesionkit.evaluation.scoring.isic2017 import NAN, ScoringError, ScoringWarning
from lesionkit.evaluation.stats.metrics import MetricUndefinedWarning, confusion_matrix, multiclass_metrics
from lesionkit.evaluation.text import markdown_table, number, text_table
from lesionkit.warn import warn

__all__ = ["TASK3_COLUMNS", "Task3Score", "is_task3_file", "read_task3", "score_task3"]

#: ISIC 2018 Task 3's diagnosis columns, in the order of its files.
TASK3_COLUMNS: tuple[str, ...] = ("MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC")
_CODES = tuple(diagnosis_code(c) for c in TASK3_COLUMNS)
EXPECTED_HEADER = ",".join(("image", *TASK3_COLUMNS))


def is_task3_file(path: str | Path) -> bool:
    """Whether the CSV at ``path`` has ISIC 2018 Task 3 columns (so ``lesionkit score`` scores it as such)."""
    try:
        with Path(path).open(encoding="utf-8-sig") as handle:
            header = handle.readline().strip()
    except (OSError, UnicodeDecodeError):
        return False
    return set(TASK3_COLUMNS) <= {c.strip() for c in header.split(",")}


def _column_index(header: tuple[str, ...], where: str) -> dict[int, str]:
    """Task 3 column position (0..6) -> header column, from any spelling of each diagnosis."""
    found: dict[int, str] = {}
    for column in header:
        if column in ("image", "image_id"):
            continue
        try:
            code = diagnosis_code(column)
        except UnknownDiagnosisError:
            continue
        if code in _CODES:
            found.setdefault(_CODES.index(code), column)
    missing = [TASK3_COLUMNS[i] for i in range(len(TASK3_COLUMNS)) if i not in found]
    if missing:
        raise ScoringError(
            f"{where}: header {','.join(header)!r} lacks column(s) {', '.join(missing)}; expected {EXPECTED_HEADER!r}"
        )
    return found


@attrs.frozen(eq=False)
class Task3Table:
    """One Task 3 CSV: ids in file order and a value matrix ``(N, 7)`` in :data:`TASK3_COLUMNS` order."""

    path: Path
    ids: tuple[str, ...]
    values: np.ndarray = attrs.field(repr=False)


def read_task3(path: str | Path, *, labels: bool, strict: bool = False) -> Task3Table:
    """Read a Task 3 ground truth (``labels=True``: one-hot) or submission (probabilities).

    Raises:
        DataNotFoundError: no such file.
        ScoringError: a missing column, a value that is not a number in [0, 1] (or not 0/1
            in the ground truth), a ground-truth row without exactly one 1, a repeated id;
            with the file and line.
    """
    kind = "ground-truth file" if labels else "submission file"
    table = read_csv(path, what=kind, expected=repr(EXPECTED_HEADER), error=ScoringError)
    id_column = "image" if "image" in table.header else "image_id"
    table.require((id_column,), expected=repr(EXPECTED_HEADER))
    columns = _column_index(table.header, table.where)
    extra = [
        c for c in table.extra_columns((id_column, *columns.values())) if c not in ("score_weight", "validation_weight")
    ]
    if extra:
        message = f"{table.where}: extra column(s) {', '.join(map(repr, extra))}; only the seven diagnoses are scored"
        if strict:
            raise ScoringError(message + " (remove them, or score without strict mode to ignore them)")
        warn(message + "; ignoring them", ScoringWarning)
    if not table.rows:
        raise ScoringError(f"{table.where} has a header but no rows")
    problems: list[str] = []
    ids: list[str] = []
    rows: list[list[float]] = []
    for record in table.records(problems, id_column):
        values, bad = [], []
        for i in range(len(TASK3_COLUMNS)):
            raw = record[columns[i]]
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            ok = value in (0.0, 1.0) if labels else math.isfinite(value) and 0.0 <= value <= 1.0
            if not ok:
                bad.append(f"{columns[i]} value {raw!r} is not {'0 or 1' if labels else 'a probability in [0, 1]'}")
            values.append(value)
        if not bad and labels and sum(values) != 1.0:
            bad.append("exactly one diagnosis column must be 1")
        if bad:
            problems.append(f"line {record.line} ({id_column} {record.image_id}): " + "; ".join(bad))
            continue
        ids.append(record.image_id)
        rows.append(values)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise ScoringError(f"{table.where}: {problems[0]}{more}")
    return Task3Table(table.path, tuple(ids), np.asarray(rows, dtype=np.float64))


@attrs.frozen(eq=False)
class Task3Score:
    """Scores of a Task 3 submission.

    Attributes:
        balanced_accuracy: mean per-class recall of the arg-max diagnosis (the ranking metric).
        macro_auc: mean of the per-diagnosis one-vs-rest ROC AUCs (those defined).
        accuracy: share of images whose arg-max diagnosis is right.
        per_class: per diagnosis: ``images``, ``auc``, ``average_precision``, ``recall``.
        confusion_matrix: ``(7, 7)`` counts, rows true, columns predicted.
    """

    balanced_accuracy: float
    macro_auc: float
    accuracy: float
    per_class: dict[str, dict[str, float]]
    confusion_matrix: np.ndarray = attrs.field(repr=False)
    n_images: int = 0
    truth_path: str | None = None
    submission_path: str | None = None

    def table(self, digits: int = 4, markdown: bool = False) -> str:
        """Per-diagnosis table, the confusion matrix, and the ranking metric."""
        head = ["diagnosis", "images", "AUC", "AP", "recall"]
        rows = [
            [
                name,
                str(v["images"]),
                *(number(v[k], digits, missing=NAN) for k in ("auc", "average_precision", "recall")),
            ]
            for name, v in self.per_class.items()
        ]
        cm_head = ["true \\ predicted", *TASK3_COLUMNS]
        cm_rows = [[name, *map(str, row)] for name, row in zip(TASK3_COLUMNS, self.confusion_matrix.tolist())]
        footer = (
            f"balanced multiclass accuracy (ISIC 2018 ranking metric): {number(self.balanced_accuracy, digits, missing=NAN)}; "
            f"macro AUC {number(self.macro_auc, digits, missing=NAN)}; accuracy {number(self.accuracy, digits, missing=NAN)}  ({self.n_images} images)"
        )
        if markdown:
            return f"{markdown_table(head, rows)}\n\n{markdown_table(cm_head, cm_rows)}\n\n{footer}"
        return f"{text_table(head, rows, rule=False)}\n\n{text_table(cm_head, cm_rows, rule=False)}\n\n{footer}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (nan as ``None``)."""
        clean = lambda v: None if isinstance(v, float) and math.isnan(v) else v  # noqa: E731
        return {
            "balanced_accuracy": clean(self.balanced_accuracy),
            "macro_auc": clean(self.macro_auc),
            "accuracy": clean(self.accuracy),
            "per_class": {n: {k: clean(v) for k, v in d.items()} for n, d in self.per_class.items()},
            "confusion_matrix": self.confusion_matrix.tolist(),
            "classes": list(TASK3_COLUMNS),
            "n_images": self.n_images,
            "truth": self.truth_path,
            "submission": self.submission_path,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)


def score_task3(truth_csv: str | Path, submission_csv: str | Path, *, strict: bool = False) -> Task3Score:
    """Score an ISIC 2018 Task 3 submission CSV against its ground-truth CSV.

    Raises:
        DataNotFoundError, ScoringError: with the file, line and id at fault; ids that do
            not match both ways are listed.
    """
    from sklearn.metrics import average_precision_score

    truth = read_task3(truth_csv, labels=True)
    submission = read_task3(submission_csv, labels=False, strict=strict)
    missing = sorted(set(truth.ids) - set(submission.ids))
    extra = sorted(set(submission.ids) - set(truth.ids))
    if missing or extra:
        parts = [f"{len(missing)} ground-truth image(s) missing from the submission: {', '.join(missing[:10])}"] * bool(
            missing
        )
        parts += [f"{len(extra)} submission image(s) not in the ground truth: {', '.join(extra[:10])}"] * bool(extra)
        raise ScoringError(
            f"image ids do not match (submission {submission.path}, ground truth {truth.path}): " + "; ".join(parts)
        )
    order = {image_id: i for i, image_id in enumerate(submission.ids)}
    probabilities = submission.values[[order[i] for i in truth.ids]]
    y = truth.values.argmax(axis=1)
    metrics = multiclass_metrics(y, probabilities, TASK3_COLUMNS)
    per_class = {}
    for c, name in enumerate(TASK3_COLUMNS):
        positives = y == c
        if positives.any() and not positives.all():
            ap = float(average_precision_score(positives, probabilities[:, c]))
        else:
            ap = math.nan
            warn(
                f"average precision of {name} is undefined (no image of it, or only it); reported as nan",
                MetricUndefinedWarning,
            )
        per_class[name] = {
            "images": int(positives.sum()),
            "auc": metrics[f"auc_{name}"],
            "average_precision": ap,
            "recall": metrics[f"recall_{name}"],
        }
    return Task3Score(
        balanced_accuracy=metrics["balanced_accuracy"],
        macro_auc=metrics["macro_auc"],
        accuracy=metrics["accuracy"],
        per_class=per_class,
        confusion_matrix=confusion_matrix(y, probabilities, len(TASK3_COLUMNS)),
        n_images=len(y),
        truth_path=str(truth.path),
        submission_path=str(submission.path),
    )
