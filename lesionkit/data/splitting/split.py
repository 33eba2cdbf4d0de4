"""The dataset contract: what every entry of ``lesionkit.datasets`` returns.

A dataset factory is ``factory(data_dir=None, **params) -> Dataset``. A
:class:`Dataset` names its splits and returns each as a :class:`Split`: image
identifiers, their diagnoses, optional per-image metadata, and a way to get the
images as uint8 RGB arrays of a requested square size (from a cache for file
datasets, drawn directly for synthetic ones).

Diagnoses are codes of the one vocabulary in :mod:`lesionkit.diagnoses`, the same
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
from typing import Any, Protocol, runtime_checkable

import attrs
import numpy as np

from lesionkit.diagnoses import DIAGNOSES, MELANOMA, NEVUS, SEBORRHEIC_KERATOSIS, diagnosis_name, is_own_class
from lesionkit.errors import DataError
from lesionkit.task import Task, get_task

__all__ = [
    "CLASS_NAMES",
    "MELANOMA",
    "NEVUS",
    "SEBORRHEIC_KERATOSIS",
    "Dataset",
    "Split",
    "SplitError",
    "dataset_classes",
    "dataset_task",
    "ordered_class_names",
]


class SplitError(DataError, ValueError):
    """A split whose columns do not line up (as many ids as diagnoses)."""


#: The ISIC 2017 diagnoses (codes 0, 1, 2), the classes ISIC 2017-style datasets count.
CLASS_NAMES: tuple[str, ...] = DIAGNOSES[:3]


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


def ordered_class_names(codes: object) -> tuple[str, ...]:
    """The names of the codes that occur: shared diagnoses in code order, then own classes alphabetically.

    Example:
        >>> from lesionkit.diagnoses import class_code
        >>> ordered_class_names([class_code("other_benign"), 3, 0, 3])
        ('nevus', 'basal_cell_carcinoma', 'other_benign')
    """
    present = sorted({int(c) for c in np.asarray(codes, dtype=np.int64).ravel()})
    known = [diagnosis_name(c) for c in present if not is_own_class(c)]
    return (*known, *sorted(diagnosis_name(c) for c in present if is_own_class(c)))


def dataset_classes(dataset: Dataset) -> tuple[str, ...]:
    """The class names of a dataset's images: its ``classes`` where it names them, else those its splits hold."""
    declared = getattr(dataset, "classes", None)
    if declared:
        return tuple(str(c) for c in declared)
    codes = [dataset.split(name).diagnosis for name in dataset.split_names()]
    return ordered_class_names(np.concatenate(codes) if codes else np.zeros(0, np.int64))


def dataset_task(dataset: Dataset) -> Task:
    """A task with one class per class of ``dataset`` (what task ``from_dataset`` resolves to).

    Raises:
        DataError: the dataset holds fewer than two classes.

    Example:
        >>> import lesionkit
        >>> dataset_task(lesionkit.datasets.create("synthetic", sizes={"train": 30})).name
        'classes:nevus,melanoma,seborrheic_keratosis'
    """
    classes = dataset_classes(dataset)
    if len(classes) < 2:
        raise DataError(
            f"{dataset!r} holds {len(classes)} class(es) ({', '.join(classes) or 'none'}); "
            "a task from its classes needs two or more: add images of another class"
        )
    return Task.from_classes(classes)
