"""A metadata prior: what a patient's age, sex and lesion site say about the diagnosis, added to the image model's.

Dermoscopy releases come with per-image metadata (ISIC 2017: ``age_approximate`` and ``sex``;
HAM10000 and ISIC 2019: ``age``, ``sex`` and a site). Age alone separates melanoma and
seborrheic keratosis from nevi better than chance by a wide margin (both are diseases of older
skin), yet a network that sees only pixels cannot use it.

:class:`MetadataPrior` is a multinomial logistic regression ``p(class | metadata)`` fitted on
the **training** split (so no validation or test label is used), combined with the image
model's probabilities by Bayes' rule under conditional independence of image and metadata
given the class::

    log p(class | image, metadata) = log p(class | image) + log p(class | metadata) − log p(class) + const

where ``p(class)`` is the class frequency among the images the prior was fitted on. An image
with no metadata at all gets ``p(class | metadata) = p(class)`` and keeps the image model's
probabilities; a missing age or sex is a feature of its own, never an error.

Fields (the canonical names; the columns each is read from, first present first):

- ``age``: ``age_approximate`` (ISIC 2017), ``age``; used as years/100 and its square,
  plus a missing-age indicator;
- ``sex``: ``sex``; ``male`` / ``female`` indicators;
- ``site``: ``anatom_site_general`` (ISIC 2019), ``site``, ``localization`` (HAM10000); one
  indicator per site seen in training.

A run keeps its prior in ``metadata_prior.json`` (``lesionkit metadata-prior RUN``, or the
config's ``metadata_prior`` fields at the end of ``fit``); every later evaluation of the run on a
split with metadata applies it, and says so in the report.

Example:
    >>> import numpy as np
    >>> metadata = {"age": (20, 25, 30, 70, 75, 80), "sex": ("female", "male", "female", "male", "female", "male")}
    >>> prior = MetadataPrior.fit(metadata, np.array([0, 0, 0, 1, 1, 1]), classes=("nevus", "melanoma"))
    >>> prior.fields, prior.n_cases
    (('age', 'sex'), 6)
    >>> flat = np.full((2, 2), 0.5)  # an image model that cannot tell
    >>> combined = prior.apply(flat, {"age": (22, 78), "sex": ("male", "female")})
    >>> bool(combined[0, 1] < 0.5 < combined[1, 1])
    True
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from lesionkit.config import METADATA_FIELDS
from lesionkit.errors import DataError
from lesionkit.io import atomic_write_text

if TYPE_CHECKING:
    from lesionkit.data.splitting.split import Split
    from lesionkit.task import Task

__all__ = ["FIELDS", "SOURCE_COLUMNS", "MetadataPrior", "MetadataPriorError"]

#: The fields a prior can use, and the metadata columns each is read from (first present first).
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "age": ("age_approximate", "age_approx", "age"),
    "sex": ("sex",),
    "site": ("anatom_site_general", "site", "localization"),
}
#: The same fields the config's ``metadata_prior`` accepts.
FIELDS: tuple[str, ...] = METADATA_FIELDS
SEXES = ("female", "male")
#: Probabilities are clipped here before their logarithm: a model's exact 0 must not veto the prior.
_FLOOR = 1e-7


class MetadataPriorError(DataError, ValueError):
    """A prior that cannot be fitted or read: no metadata, unknown fields, a broken record."""


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in ("", "unknown", "nan", "na", "none")


def _column(metadata: Mapping[str, Sequence[object]], field: str, n: int) -> list[object]:
    """The field's value per row: the first source column with a value for that row (None: none has)."""
    sources = [metadata[c] for c in SOURCE_COLUMNS[field] if c in metadata]
    for values in sources:
        if len(values) != n:
            raise MetadataPriorError(f"metadata column for {field!r} has {len(values)} values for {n} images")
    out: list[object] = []
    for i in range(n):
        found: object = None
        for values in sources:
            if not _missing(values[i]):
                found = values[i]
                break
        out.append(found)
    return out


def _age(value: object) -> float | None:
    try:
        years = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return years if math.isfinite(years) and years >= 0 else None


def _text(value: object) -> str | None:
    return None if value is None else str(value).strip().lower()


def _rows(metadata: Mapping[str, Sequence[object]], n: int | None) -> int:
    if n is not None:
        return n
    lengths = {len(v) for v in metadata.values()}
    if len(lengths) != 1:
        raise MetadataPriorError(f"metadata columns differ in length ({sorted(lengths)}); give one value per image")
    return lengths.pop()


@attrs.frozen(eq=False)
class MetadataPrior:
    """A fitted ``p(class | metadata)`` and the class frequencies it was fitted on (see the module docs).

    Attributes:
        classes: the task's class names, in its order.
        fields: the metadata fields used (:data:`FIELDS`).
        sites: the site values seen in training (one indicator each), when ``site`` is a field.
        coef: ``(K, F)`` logistic-regression coefficients; intercept: ``(K,)``.
        log_prior: ``(K,)`` log class frequencies of the fitted images.
        n_cases: images the prior was fitted on (those with any metadata); chosen_on: their split.
    """

    classes: tuple[str, ...]
    fields: tuple[str, ...]
    coef: np.ndarray = attrs.field(repr=False)
    intercept: np.ndarray = attrs.field(repr=False)
    log_prior: np.ndarray = attrs.field(repr=False)
    sites: tuple[str, ...] = ()
    n_cases: int = 0
    chosen_on: str = "train"

    # -- features ---------------------------------------------------------------------------------

    def features(self, metadata: Mapping[str, Sequence[object]], n: int | None = None) -> np.ndarray:
        """The ``(N, F)`` feature matrix of ``metadata`` (columns as in ``Split.metadata``)."""
        return _features(metadata, self.fields, self.sites, _rows(metadata, n))

    @staticmethod
    def known_rows(metadata: Mapping[str, Sequence[object]], fields: Sequence[str], n: int) -> np.ndarray:
        """Boolean mask of the rows with a value for at least one of ``fields``."""
        known = np.zeros(n, bool)
        for field in fields:
            known |= np.array([v is not None for v in _column(metadata, field, n)], bool)
        return known

    # -- fitting ----------------------------------------------------------------------------------

    @classmethod
    def fit_split(cls, split: Split, task: Task, *, fields: Sequence[str] = ("age", "sex")) -> MetadataPrior:
        """:meth:`fit` on one split's metadata and ``task``'s labels (recorded as chosen on that split).

        Raises:
            MetadataPriorError: the split has no metadata for those fields.
        """
        return cls.fit(split.metadata, split.labels(task), classes=task.classes, fields=fields, chosen_on=split.name)

    @classmethod
    def fit(
        cls,
        metadata: Mapping[str, Sequence[object]],
        labels: np.ndarray,
        *,
        classes: Sequence[str],
        fields: Sequence[str] = ("age", "sex"),
        chosen_on: str = "train",
        regularization: float = 1.0,
    ) -> MetadataPrior:
        """Fit the prior on ``metadata`` and class ``labels`` (0..K−1) of one split.

        Only images with a value for at least one field are used; ``regularization`` is
        scikit-learn's ``C`` (smaller: smoother).

        Raises:
            MetadataPriorError: an unknown field, no image with metadata, or a class with no
                such image (the prior could not speak for it).
        """
        from sklearn.linear_model import LogisticRegression

        fields = tuple(fields)
        unknown = [f for f in fields if f not in SOURCE_COLUMNS]
        if unknown or not fields:
            raise MetadataPriorError(f"metadata prior fields {list(fields)!r}: choose among {list(FIELDS)}")
        labels = np.asarray(labels, dtype=np.int64)
        n, k = len(labels), len(classes)
        known = cls.known_rows(metadata, fields, n)
        if not known.any():
            columns = ", ".join(sorted(metadata)) or "none"
            wanted = ", ".join(c for f in fields for c in SOURCE_COLUMNS[f])
            raise MetadataPriorError(
                f"no {chosen_on} image has {' or '.join(fields)} metadata (looked for columns {wanted}; "
                f"the split has: {columns}); fit the prior on a dataset with metadata, or leave it out"
            )
        y = labels[known]
        missing = [classes[c] for c in range(k) if not np.any(y == c)]
        if missing:
            raise MetadataPriorError(
                f"no {chosen_on} image of class {', '.join(missing)} has metadata; the prior cannot be fitted"
            )
        sites: tuple[str, ...] = ()
        if "site" in fields:
            seen = {_text(v) for v, ok in zip(_column(metadata, "site", n), known, strict=True) if ok}
            sites = tuple(sorted(v for v in seen if v is not None))
        rows: list[int] = np.flatnonzero(known).tolist()
        kept = {name: [column[i] for i in rows] for name, column in metadata.items()}
        x = _features(kept, fields, sites, int(known.sum()))
        model = LogisticRegression(C=regularization, max_iter=2000)
        model.fit(x, y)
        coef, intercept = np.asarray(model.coef_, np.float64), np.asarray(model.intercept_, np.float64)
        if k == 2:  # scikit-learn keeps one row for two classes: logit of class 1 against class 0
            coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
        frequency = np.bincount(y, minlength=k) / len(y)
        return cls(
            classes=tuple(classes),
            fields=fields,
            coef=coef,
            intercept=intercept,
            log_prior=np.log(frequency),
            sites=sites,
            n_cases=int(known.sum()),
            chosen_on=chosen_on,
        )

    # -- applying ---------------------------------------------------------------------------------

    def log_ratio(self, metadata: Mapping[str, Sequence[object]], n: int | None = None) -> np.ndarray:
        """``log p(class | metadata) − log p(class)`` per image, ``(N, K)``; rows without metadata are 0."""
        n = _rows(metadata, n)
        logits = self.features(metadata, n) @ self.coef.T + self.intercept
        log_posterior = logits - _logsumexp(logits)
        ratio = log_posterior - self.log_prior
        ratio[~self.known_rows(metadata, self.fields, n)] = 0.0
        return ratio

    def apply(self, probabilities: Any, metadata: Mapping[str, Sequence[object]]) -> np.ndarray:
        """The image model's ``probabilities`` combined with the prior (same shape: ``(N,)`` binary or ``(N, K)``).

        Raises:
            MetadataPriorError: probabilities with another number of classes than the prior.
        """
        p = np.asarray(probabilities, dtype=np.float64)
        binary = p.ndim == 1
        matrix = np.stack([1.0 - p, p], axis=1) if binary else p
        if matrix.ndim != 2 or matrix.shape[1] != len(self.classes):
            raise MetadataPriorError(
                f"probabilities of shape {p.shape} for a prior over {len(self.classes)} classes "
                f"({', '.join(self.classes)}); was the prior fitted for another task?"
            )
        logits = np.log(np.clip(matrix, _FLOOR, 1.0)) + self.log_ratio(metadata, len(matrix))
        combined = np.exp(logits - _logsumexp(logits))
        return combined[:, 1] if binary else combined

    # -- records ----------------------------------------------------------------------------------

    def describe(self) -> str:
        """One line for reports: which fields, fitted where, on how many images."""
        return f"metadata prior ({', '.join(self.fields)}) fitted on {self.chosen_on} ({self.n_cases} images) applied"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (:meth:`from_dict` reads it back)."""
        return {
            "kind": "logistic_metadata_prior",
            "classes": list(self.classes),
            "fields": list(self.fields),
            "sites": list(self.sites),
            "coef": self.coef.tolist(),
            "intercept": self.intercept.tolist(),
            "log_prior": self.log_prior.tolist(),
            "n_cases": self.n_cases,
            "chosen_on": self.chosen_on,
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> MetadataPrior:
        """The prior of a :meth:`to_dict` record.

        Raises:
            MetadataPriorError: a key missing or of the wrong shape.
        """
        try:
            classes, fields = tuple(record["classes"]), tuple(record["fields"])
            sites = tuple(record.get("sites", ()))
            coef = np.asarray(record["coef"], np.float64)
            intercept = np.asarray(record["intercept"], np.float64)
            log_prior = np.asarray(record["log_prior"], np.float64)
            n_cases, chosen_on = int(record["n_cases"]), str(record["chosen_on"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MetadataPriorError(f"metadata prior record: missing or malformed {exc}") from None
        width = _feature_width(fields, sites)
        k = len(classes)
        if coef.shape != (k, width) or intercept.shape != (k,) or log_prior.shape != (k,):
            raise MetadataPriorError(
                f"metadata prior record: coef {coef.shape}, intercept {intercept.shape}, log_prior "
                f"{log_prior.shape} do not fit {k} classes and {width} features"
            )
        if any(f not in SOURCE_COLUMNS for f in fields):
            raise MetadataPriorError(f"metadata prior record: unknown fields {list(fields)!r}")
        return cls(classes, fields, coef, intercept, log_prior, sites, n_cases, chosen_on)

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON, atomically."""
        out = Path(path)
        atomic_write_text(out, json.dumps(self.to_dict(), indent=2) + "\n")
        return out

    @classmethod
    def load(cls, path: str | Path) -> MetadataPrior:
        """The prior saved at ``path``.

        Raises:
            MetadataPriorError: unreadable JSON or a broken record (names the file).
        """
        try:
            record = json.loads(Path(path).read_text())
            return cls.from_dict(record)
        except (OSError, json.JSONDecodeError, MetadataPriorError) as exc:
            raise MetadataPriorError(f"{path}: {exc}; fit it again with `lesionkit metadata-prior RUN`") from None


def _feature_width(fields: Sequence[str], sites: Sequence[str]) -> int:
    return (3 if "age" in fields else 0) + (2 if "sex" in fields else 0) + (len(sites) if "site" in fields else 0)


def _features(
    metadata: Mapping[str, Sequence[object]], fields: Sequence[str], sites: Sequence[str], n: int
) -> np.ndarray:
    columns: list[np.ndarray] = []
    if "age" in fields:
        years = [_age(v) for v in _column(metadata, "age", n)]
        scaled = np.array([0.0 if a is None else a / 100.0 for a in years])
        columns += [scaled, scaled**2, np.array([a is None for a in years], np.float64)]
    if "sex" in fields:
        sex = [_text(v) for v in _column(metadata, "sex", n)]
        columns += [np.array([s == value for s in sex], np.float64) for value in SEXES]
    if "site" in fields:
        site = [_text(v) for v in _column(metadata, "site", n)]
        columns += [np.array([s == value for s in site], np.float64) for value in sites]
    return np.stack(columns, axis=1) if columns else np.zeros((n, 0))


def _logsumexp(logits: np.ndarray) -> np.ndarray:
    top = logits.max(axis=1, keepdims=True)
    return top + np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
