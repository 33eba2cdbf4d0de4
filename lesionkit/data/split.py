"""The dataset contract: what every entry of ``lesionkit.datasets`` returns.

A dataset factory is ``factory(data_dir=None, **params) -> Dataset``. A
:class:`Dataset` names its splits and returns each as a :class:`Split`: image
identifiers, their diagnoses, optional per-image metadata, and a way to get the
images as uint8 RGB arrays of a requested square size (from a cache for file
datasets, drawn directly for synthetic ones).

Diagnoses are codes of the one vocabulary in :mod:`lesionkit.data.diagnoses`, the same
for all tasks, so that balancing can count every class; the first three are ISIC 2017's
``NEVUS = 0``, ``MELANOMA = 1``, ``SEBORRHEIC_KERATOSIS = 2``. A task
(``lesionkit.tasks``) turns them into class labels: :meth:`Split.labels`.

Example:
    >>> import numpy as np
    >>> split = Split("train", ("a", "b", "c"), np.array([0, 1, 2]), load_images=lambda size: None)
    >>> split.labels("melanoma").tolist(), split.labels("seborrheic_keratosis").tolist()
    ([0, 1, 0], [0, 0, 1])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs
import numpy as np

from lesionkit.data.diagnoses import DIAGNOSES, MELANOMA, NEVUS, SEBORRHEIC_KERATOSIS
from lesionkit.errors import DataError

if TYPE_CHECKING:
    from lesionkit.task import Task

__all__ = [
    "CLASS_NAMES",
    "MELANOMA",
    "NEVUS",
    "SEBORRHEIC_KERATOSIS",
    "Dataset",
    "Split",
    "SplitError",
    "binary_labels",
]


class SplitError(DataError, ValueError):
    """A split whose columns do not line up (as many ids as diagnoses)."""


#: The ISIC 2017 diagnoses (codes 0, 1, 2), the classes ISIC 2017-style datasets count.
CLASS_NAMES: tuple[str, ...] = DIAGNOSES[:3]


def binary_labels(diagnosis: np.ndarray, task: Task | str) -> np.ndarray:
    """Labels of a two-class ``task`` (a :class:`~lesionkit.task.Task` or its name), int64.

    The same as ``task.labels(diagnosis)``; kept for code written before tasks were a registry.

    Example:
        >>> binary_labels(np.array([0, 1, 2]), "melanoma").tolist()
        [0, 1, 0]
    """
    from lesionkit.task import get_task

    return get_task(task).labels(diagnosis)


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
            raise SplitError(
                f"split {self.name!r}: {len(self.ids)} ids but {len(self.diagnosis)} diagnoses; "
                f"a dataset must give one diagnosis code per image"
            )

    def __len__(self) -> int:
        return len(self.ids)

    def labels(self, task: Task | str) -> np.ndarray:
        """Class labels for ``task`` (a :class:`~lesionkit.task.Task` or its name in ``lesionkit.tasks``).

        Raises:
            UnknownComponentError: no task of that name.
            DataError: diagnoses the task has no class for (counted per diagnosis).
        """
        from lesionkit.task import get_task

        return get_task(task).labels(self.diagnosis)

    def counts(self) -> dict[str, int]:
        """Images per ISIC 2017 diagnosis class (see :meth:`class_counts` for any task's classes)."""
        return {name: int(np.sum(self.diagnosis == code)) for code, name in enumerate(CLASS_NAMES)}

    def class_counts(self, task: Task | str) -> dict[str, int]:
        """Images per class of ``task``, in class order (every class, 0 where absent).

        Example:
            >>> split = Split("t", ("a", "b", "c"), np.array([1, 7, 1]), load_images=lambda size: None)
            >>> split.class_counts("dx7")["melanoma"], split.class_counts("melanoma")
            (2, {'other': 1, 'melanoma': 2})
        """
        from lesionkit.task import get_task

        resolved = get_task(task)
        counts = np.bincount(resolved.labels(self.diagnosis), minlength=resolved.num_classes)
        return {name: int(n) for name, n in zip(resolved.classes, counts, strict=True)}


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
