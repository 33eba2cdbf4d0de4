"""Stratified k-fold cross-validation over a dataset's labelled splits.

ISIC 2017's validation split has 150 images (30 melanomas): too few to choose between
recipes whose AUCs differ by a few points. Pooling training and validation and rotating a
held-out fold gives every image one turn as validation. :func:`stratified_folds` deals the
images of each diagnosis round-robin into ``k`` folds after a seeded shuffle, so every fold
has each diagnosis in proportion; :class:`FoldedDataset` (the ``folds`` dataset) presents
fold ``fold`` as ``validation`` and the rest as ``train``, and passes any other split (such
as ``test``) through unchanged. As a config::

    {"dataset": {"name": "folds", "params": {"dataset": "isic2017", "k": 5, "fold": 0}}}

Example:
    >>> import numpy as np
    >>> folds = stratified_folds(np.array([0] * 6 + [1] * 3), k=3, seed=0)
    >>> [sorted(np.bincount(np.array([0] * 6 + [1] * 3)[f]).tolist()) for f in folds]
    [[1, 2], [1, 2], [1, 2]]
    >>> sorted(np.concatenate(folds).tolist()) == list(range(9))
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lesionkit.data.splitting.split import Dataset, Split
from lesionkit.errors import DataError

#: The splits pooled by default: the ones with labels a challenge's participants could see.
POOLED_SPLITS = ("train", "validation")


class FoldError(DataError, ValueError):
    """A fold request that cannot be met (k, fold, too few images); says what to change."""


def stratified_folds(labels: Sequence[int] | np.ndarray, k: int, seed: int = 0) -> list[np.ndarray]:
    """Indices of ``k`` folds, each with every label in proportion (seeded, reproducible).

    Args:
        labels: one class (or diagnosis) code per image.
        k: number of folds (2 or more, at most the number of images).
        seed: the shuffle within each label.

    Raises:
        FoldError: ``k`` below 2 or above the number of images.
    """
    labels = np.asarray(labels)
    if isinstance(k, bool) or not isinstance(k, int) or k < 2 or k > len(labels):
        raise FoldError(f"k = {k!r}: use an integer from 2 to the number of images ({len(labels)})")
    rng = np.random.default_rng(seed)
    assignment = np.empty(len(labels), dtype=np.int64)
    offset = 0
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        rng.shuffle(members)
        # Continue the round-robin across labels so small classes do not all start at fold 0.
        assignment[members] = (np.arange(len(members)) + offset) % k
        offset += len(members)
    return [np.sort(np.flatnonzero(assignment == f)) for f in range(k)]


def pool_splits(splits: Sequence[Split], name: str = "pooled") -> Split:
    """One split holding the images of ``splits`` in order (images are loaded per split, then joined)."""
    ids = tuple(i for s in splits for i in s.ids)
    diagnosis = np.concatenate([s.diagnosis for s in splits])
    paths = None if any(s.paths is None for s in splits) else tuple(p for s in splits for p in s.paths or ())
    loaders = [s.load_images for s in splits]

    def load(size: int) -> np.ndarray:
        return np.concatenate([load_split(size) for load_split in loaders])

    return Split(name, ids, diagnosis, load_images=load, metadata=pool_metadata(splits), paths=paths)


def pool_metadata(splits: Sequence[Split]) -> dict[str, tuple[Any, ...]]:
    """Every metadata column of ``splits``, rows in split order; ``None`` where a split lacks the column.

    Example:
        >>> a = Split("a", ("x",), np.array([0]), load_images=lambda s: None, metadata={"sex": ("male",)})
        >>> b = Split("b", ("y",), np.array([1]), load_images=lambda s: None, metadata={"age": (70,)})
        >>> pool_metadata([a, b])
        {'sex': ('male', None), 'age': (None, 70)}
    """
    columns = list(dict.fromkeys(c for s in splits for c in s.metadata))
    return {c: tuple(v for s in splits for v in s.metadata.get(c, (None,) * len(s))) for c in columns}


def subset(split: Split, rows: np.ndarray, name: str) -> Split:
    """The images ``rows`` of ``split`` as a split called ``name``."""
    rows = np.asarray(rows)
    loader: Callable[[int], np.ndarray] = split.load_images
    paths = None if split.paths is None else tuple(split.paths[r] for r in rows)
    return Split(
        name,
        tuple(split.ids[r] for r in rows),
        split.diagnosis[rows],
        load_images=lambda size: loader(size)[rows],
        metadata={column: tuple(values[r] for r in rows) for column, values in split.metadata.items()},
        paths=paths,
    )


class FoldedDataset:
    """Fold ``fold`` of ``k`` of ``dataset``'s pooled splits as ``validation``, the rest as ``train``.

    Folds are stratified by diagnosis. Splits not pooled (``test``...) pass through.

    Example:
        >>> from lesionkit.data.sources.synthetic import SyntheticLesions
        >>> data = FoldedDataset(SyntheticLesions(sizes={"train": 20, "validation": 10, "test": 6}), k=3, fold=1)
        >>> len(data.split("train")) + len(data.split("validation")), len(data.split("test"))
        (30, 6)
    """

    def __init__(
        self, dataset: Dataset, *, k: int = 5, fold: int = 0, seed: int = 0, pooled: Sequence[str] = POOLED_SPLITS
    ) -> None:
        if isinstance(fold, bool) or not isinstance(fold, int) or not 0 <= fold < k:
            raise FoldError(f"fold = {fold!r}: use 0 to {k - 1} (k = {k})")
        missing = [s for s in pooled if s not in dataset.split_names()]
        if missing:
            raise FoldError(
                f"{dataset!r} has no {', '.join(missing)} split to pool; it has {', '.join(dataset.split_names())}"
            )
        self.dataset, self.k, self.fold, self.seed, self.pooled = dataset, k, fold, seed, tuple(pooled)
        self._pool = pool_splits([dataset.split(s) for s in self.pooled])
        self._folds = stratified_folds(self._pool.diagnosis, k, seed)

    def __repr__(self) -> str:
        return f"FoldedDataset({self.dataset!r}, k={self.k}, fold={self.fold}, seed={self.seed})"

    def split_names(self) -> tuple[str, ...]:
        rest = tuple(s for s in self.dataset.split_names() if s not in self.pooled)
        return ("train", "validation", *rest)

    def split(self, name: str) -> Split:
        if name == "validation":
            return subset(self._pool, self._folds[self.fold], "validation")
        if name == "train":
            others = np.sort(np.concatenate([f for i, f in enumerate(self._folds) if i != self.fold]))
            return subset(self._pool, others, "train")
        return self.dataset.split(name)


def fold_dataset_spec(dataset: Any, k: int, fold: int, seed: int = 0) -> dict[str, Any]:
    """The ``dataset`` config value that wraps ``dataset`` (a name or ``{"name", "params"}``) in fold ``fold``.

    Example:
        >>> fold_dataset_spec("isic2017", 5, 2)
        {'name': 'folds', 'params': {'dataset': 'isic2017', 'k': 5, 'fold': 2, 'seed': 0}}
    """
    return {"name": "folds", "params": {"dataset": dataset, "k": k, "fold": fold, "seed": seed}}
