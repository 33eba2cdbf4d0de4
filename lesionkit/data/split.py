"""The dataset contract: what every entry of ``lesionkit.datasets`` returns.

A dataset factory is ``factory(data_dir=None, **params) -> Dataset``. A
:class:`Dataset` names its splits and returns each as a :class:`Split`: image
identifiers, their diagnoses, optional per-image metadata, and a way to get the
images as uint8 RGB arrays of a requested square size (from a cache for file
datasets, drawn directly for synthetic ones).

Diagnoses use one code for all tasks so that balancing can count every class:
``NEVUS = 0``, ``MELANOMA = 1``, ``SEBORRHEIC_KERATOSIS = 2``. A task turns them
into binary labels with :func:`binary_labels`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import attrs
import numpy as np

NEVUS, MELANOMA, SEBORRHEIC_KERATOSIS = 0, 1, 2
CLASS_NAMES = ("nevus", "melanoma", "seborrheic_keratosis")
TASK_POSITIVE = {"melanoma": MELANOMA, "seborrheic_keratosis": SEBORRHEIC_KERATOSIS}


def binary_labels(diagnosis: np.ndarray, task: str) -> np.ndarray:
    """1 where the diagnosis is the task's positive class, else 0 (int64).

    Example:
        >>> binary_labels(np.array([0, 1, 2]), "melanoma").tolist()
        [0, 1, 0]
    """
    if task not in TASK_POSITIVE:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASK_POSITIVE)}")
    return (np.asarray(diagnosis) == TASK_POSITIVE[task]).astype(np.int64)


@attrs.frozen(eq=False)
class Split:
    """One split of a dataset.

    Attributes:
        name: ``"train"``, ``"validation"``, ``"test"``...
        ids: image identifiers, in a fixed order.
        diagnosis: int array, one code per id (see module docs).
        load_images: ``load_images(image_size) -> uint8 array (N, S, S, 3)`` in id order.
        metadata: optional per-image columns (e.g. ``age_approximate``, ``sex``).
        paths: source files where the split is file-backed (``None`` for synthetic).
    """

    name: str
    ids: tuple[str, ...]
    diagnosis: np.ndarray
    load_images: Callable[[int], np.ndarray] = attrs.field(repr=False)
    metadata: Mapping[str, tuple[Any, ...]] = attrs.field(factory=dict, repr=False)
    paths: tuple[str, ...] | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        if len(self.ids) != len(self.diagnosis):
            raise ValueError(f"split {self.name!r}: {len(self.ids)} ids but {len(self.diagnosis)} diagnoses")

    def __len__(self) -> int:
        return len(self.ids)

    def labels(self, task: str) -> np.ndarray:
        """Binary labels for ``task``."""
        return binary_labels(self.diagnosis, task)

    def counts(self) -> dict[str, int]:
        """Images per diagnosis class."""
        return {name: int(np.sum(self.diagnosis == code)) for code, name in enumerate(CLASS_NAMES)}


@runtime_checkable
class Dataset(Protocol):
    """What a ``lesionkit.datasets`` factory returns."""

    name: str

    def split_names(self) -> tuple[str, ...]:
        """The splits this dataset has, e.g. ``("train", "validation", "test")``."""
        ...

    def split(self, name: str) -> Split:
        """One split; an unknown name raises ``KeyError`` listing the ones that exist."""
        ...
