"""Extra training images from other datasets: one dataset's ``train`` split, grown by others.

ISIC 2017 has 374 training melanomas; the HAM10000 release has 1,113 more. Training on
both while still validating and testing on ISIC 2017 alone is the usual way to use them.
:class:`JointDataset` (the ``joint`` dataset) keeps the primary dataset's splits as they
are and appends the images of every ``extra`` dataset (all of their labelled splits, by
default) to ``train``. Extra diagnoses can be renamed onto the primary's vocabulary with
``relabel`` (HAM10000's ``benign_keratosis`` covers seborrheic keratoses), and extra images
whose diagnosis the primary's training split does not have are dropped (or only those in
``keep``); each dropped diagnosis is counted in a :class:`~lesionkit.data.labels.records.DataWarning`
and in :attr:`JointDataset.dropped`. As a config::

    {"dataset": {"name": "joint", "params": {
        "dataset": "isic2017",
        "extra": [{"name": "ham10000", "params": {"data_dir": "data/ham10000"}}],
        "relabel": {"bkl": "seborrheic_keratosis"}}}}

Validation and test images are never extra images, so figures stay comparable with runs
on the primary dataset alone.

Example:
    >>> from lesionkit.data.sources.synthetic import SyntheticLesions
    >>> primary = SyntheticLesions(seed=0, sizes={"train": 20, "validation": 8, "test": 8})
    >>> extra = SyntheticLesions(seed=1, sizes={"train": 10, "validation": 5, "test": 5})
    >>> data = JointDataset(primary, [extra])
    >>> len(data.split("train")), len(data.split("validation")), data.split_names()
    (40, 8, ('train', 'validation', 'test'))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import numpy as np

from lesionkit.data.labels.records import DataWarning
from lesionkit.data.splitting.folds import pool_splits, subset
from lesionkit.data.splitting.split import Dataset, Split
from lesionkit.diagnoses import DIAGNOSES, diagnosis_code, diagnosis_counts
from lesionkit.errors import DataError
from lesionkit.warn import warn


class JointDatasetError(DataError, ValueError):
    """A joint dataset that cannot be built (an unknown split or diagnosis, nothing left)."""


def _codes(names: Sequence[str] | None, where: str) -> set[int] | None:
    if names is None:
        return None
    try:
        return {diagnosis_code(n) for n in names}
    except ValueError as error:
        raise JointDatasetError(f"{where}: {error}") from None


def _relabel_table(relabel: Mapping[str, str] | None) -> np.ndarray:
    table = np.arange(len(DIAGNOSES), dtype=np.int64)
    for source, target in (relabel or {}).items():
        try:
            table[diagnosis_code(source)] = diagnosis_code(target)
        except ValueError as error:
            raise JointDatasetError(f"relabel {source!r} -> {target!r}: {error}") from None
    return table


class JointDataset:
    """``dataset``'s splits, with the images of ``extra`` datasets appended to ``train``.

    Args:
        dataset: the primary dataset; its validation and test splits are used unchanged.
        extra: datasets whose images join ``train``.
        extra_splits: which splits of each extra dataset join (``None``: all it has).
        relabel: diagnosis -> diagnosis for extra images (any spelling, e.g. ``{"bkl": "sk"}``).
        keep: diagnoses of extra images to keep after relabelling; ``None``: those the
            primary's ``train`` split has, so a task that fits the primary fits the whole.

    Raises:
        JointDatasetError: no extra dataset, an extra split that does not exist, an
            unknown diagnosis, or no extra image left after dropping.
    """

    def __init__(
        self,
        dataset: Dataset,
        extra: Sequence[Dataset],
        *,
        extra_splits: Sequence[str] | None = None,
        relabel: Mapping[str, str] | None = None,
        keep: Sequence[str] | None = None,
    ) -> None:
        if not extra:
            raise JointDatasetError("joint dataset: give at least one extra dataset, e.g. extra=['ham10000']")
        if "train" not in dataset.split_names():
            raise JointDatasetError(f"{dataset!r} has no train split to add images to")
        self.dataset, self.extra = dataset, tuple(extra)
        self.name = f"{getattr(dataset, 'name', 'dataset')}+" + "+".join(getattr(e, "name", "dataset") for e in extra)
        table = _relabel_table(relabel)
        primary_train = dataset.split("train")
        wanted = _codes(keep, "keep")
        if wanted is None:
            wanted = {int(c) for c in np.unique(primary_train.diagnosis)}
        pieces: list[Split] = []
        dropped: dict[str, int] = {}
        for other in self.extra:
            names = other.split_names() if extra_splits is None else tuple(extra_splits)
            unknown = [n for n in names if n not in other.split_names()]
            if unknown:
                raise JointDatasetError(
                    f"{other!r} has no {', '.join(unknown)} split; it has {', '.join(other.split_names())}"
                )
            pooled = pool_splits([other.split(n) for n in names], name="extra")
            relabelled = attrs.evolve(pooled, name="extra", diagnosis=table[pooled.diagnosis])
            kept = np.isin(relabelled.diagnosis, sorted(wanted))
            for name, count in diagnosis_counts(relabelled.diagnosis[~kept]).items():
                dropped[name] = dropped.get(name, 0) + count
            pieces.append(subset(relabelled, np.flatnonzero(kept), "extra"))
        self.dropped: dict[str, int] = dropped
        if dropped:
            listed = ", ".join(f"{n} ({c})" for n, c in dropped.items())
            warn(
                f"joint dataset: {sum(dropped.values())} extra image(s) dropped, their diagnosis is not "
                f"among those kept ({', '.join(DIAGNOSES[c] for c in sorted(wanted))}): {listed}. "
                f"Map them with relabel= or list them in keep=",
                DataWarning,
            )
        if sum(len(p) for p in pieces) == 0:
            raise JointDatasetError("joint dataset: every extra image was dropped; check relabel= and keep=")
        self._train = pool_splits([primary_train, *pieces], name="train")

    def __repr__(self) -> str:
        return f"JointDataset({self.dataset!r}, extra={list(self.extra)!r})"

    def split_names(self) -> tuple[str, ...]:
        return self.dataset.split_names()

    def split(self, name: str) -> Split:
        if name == "train":
            return self._train
        return self.dataset.split(name)

    def extra_count(self) -> int:
        """Number of extra images in ``train``."""
        return len(self._train) - len(self.dataset.split("train"))
