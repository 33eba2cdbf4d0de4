"""Tasks: what a model is trained to tell apart, and how a dataset's diagnoses become its labels.

A :class:`Task` is a frozen record registered in ``lesionkit.tasks`` (built-ins: the
binary ``melanoma`` and ``seborrheic_keratosis``; the multi-class ``isic2017_3class``,
``dx7`` (HAM10000 / ISIC 2018 Task 3) and ``dx8`` (ISIC 2019); plugins in the
entry-point group ``lesionkit.tasks``). It names its classes in order (a head gets
``num_classes = len(classes)``), the positive class(es) that binary metrics score,
the metric early stopping and the best checkpoint follow, and maps every diagnosis code
(:mod:`lesionkit.diagnoses`) it accepts to a class index. A dataset therefore never
needs to know the task it is trained for.

This module imports no TensorFlow.

Example:
    >>> import lesionkit
    >>> task = lesionkit.tasks.get("melanoma")
    >>> task.classes, task.num_classes, task.positive, task.primary_metric
    (('other', 'melanoma'), 2, ('melanoma',), 'roc_auc')
    >>> task.labels([0, 1, 2, 1]).tolist()
    [0, 1, 0, 1]
    >>> dx7 = lesionkit.tasks.get("dx7")
    >>> dx7.num_classes, dx7.primary_metric, dx7.is_binary
    (7, 'balanced_accuracy', False)
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np

from lesionkit.diagnoses import (
    ACTINIC_KERATOSIS,
    BASAL_CELL_CARCINOMA,
    BENIGN_KERATOSIS,
    DERMATOFIBROMA,
    DIAGNOSES,
    MELANOMA,
    NEVUS,
    SEBORRHEIC_KERATOSIS,
    SQUAMOUS_CELL_CARCINOMA,
    VASCULAR_LESION,
    UnknownDiagnosisError,
    class_code,
    class_name,
    diagnosis_code,
    diagnosis_name,
    vocabulary_size,
)
from lesionkit.errors import DataError, LesionkitError


class TaskError(LesionkitError, ValueError):
    """A task definition that cannot work (duplicate classes, an index out of range...)."""


class _CodeMap(dict[int, int]):
    """Diagnosis code -> class index; read-only and hashable, so a Task can be frozen."""

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a task's label mapping is immutable; define a new Task")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in ([value] if isinstance(value, str) else value))


def _code_map(value: Mapping[int, int]) -> _CodeMap:
    return _CodeMap({int(k): int(v) for k, v in dict(value).items()})


@attrs.frozen
class Task:
    """One classification task over the diagnosis vocabulary.

    Attributes:
        name: registry key, e.g. ``"melanoma"``.
        classes: class names in output order; the head has ``len(classes)`` classes.
        label_of: diagnosis code -> class index; a diagnosis without an entry has
            no class in this task (reading it is a :class:`~lesionkit.errors.DataError`).
        positive: the class(es) binary metrics score as positive (for a two-class
            task, the second class unless given).
        primary_metric: name of the metric early stopping and the best checkpoint
            follow (``"roc_auc"`` for the binary tasks).
        description: one line for listings.

    Example:
        >>> from lesionkit.diagnoses import MELANOMA, NEVUS
        >>> t = Task("mel_vs_nevus", ("nevus", "melanoma"), {NEVUS: 0, MELANOMA: 1})
        >>> t.positive, t.positive_indices, t.positive_codes
        (('melanoma',), (1,), (1,))
    """

    name: str
    classes: tuple[str, ...] = attrs.field(converter=_names)
    label_of: Mapping[int, int] = attrs.field(converter=_code_map)
    positive: tuple[str, ...] = attrs.field(default=(), converter=_names)
    primary_metric: str = "roc_auc"
    description: str = ""

    def __attrs_post_init__(self) -> None:
        where = f"task {self.name!r}"
        if not self.classes or len(set(self.classes)) != len(self.classes):
            raise TaskError(f"{where}: classes must be distinct names, got {self.classes!r}")
        for code, index in self.label_of.items():
            if not 0 <= code < vocabulary_size():
                raise TaskError(f"{where}: {code} is not a diagnosis code (0..{len(DIAGNOSES) - 1}) or an own class's")
            if not 0 <= index < len(self.classes):
                raise TaskError(
                    f"{where}: {diagnosis_name(code)} maps to class {index}, but it has {len(self.classes)}"
                )
        if not self.positive and len(self.classes) == 2:
            object.__setattr__(self, "positive", (self.classes[1],))
        unknown = [p for p in self.positive if p not in self.classes]
        if unknown:
            raise TaskError(f"{where}: positive class(es) {unknown!r} are not among its classes {self.classes!r}")
        if not self.primary_metric:
            raise TaskError(f"{where}: primary_metric must name a metric, e.g. 'roc_auc'")

    @classmethod
    def one_vs_rest(cls, name: str, positive_code: int, **kwargs: Any) -> Task:
        """The binary task ``(other, <diagnosis>)``: one diagnosis is 1, every other one 0.

        Example:
            >>> Task.one_vs_rest("melanoma", MELANOMA).labels([1, 9]).tolist()
            [1, 0]
        """
        mapping = {code: int(code == positive_code) for code in range(len(DIAGNOSES))}
        return cls(name, ("other", DIAGNOSES[positive_code]), mapping, **kwargs)

    @classmethod
    def from_classes(cls, classes: Iterable[str] | Mapping[str, Iterable[str]]) -> Task:
        """A task over class names: each name a class, or a mapping that groups them.

        ``classes`` lists class names (a dataset's ``classes``: known diagnoses in any
        spelling, or one's own names such as ``other_benign``), or maps each new class to the
        names it groups (``{"benign": [...], "malignant": [...]}``). The task is named by its
        spelling (:attr:`name`, ``classes:...``), which a config's ``task`` takes and
        :func:`get_task` reads back, so a run directory remembers it. With two classes the
        second is positive and ROC AUC ranks checkpoints; with more, balanced accuracy.

        Raises:
            TaskError: no classes, a name given twice, or a name that cannot be a class.

        Example:
            >>> t = Task.from_classes(["naevus", "Melanoma", "BCC", "other benign"])
            >>> t.name
            'classes:nevus,melanoma,basal_cell_carcinoma,other_benign'
            >>> t.classes[2], t.primary_metric
            ('basal_cell_carcinoma', 'balanced_accuracy')
            >>> g = Task.from_classes({"benign": ["nevus", "other_benign"], "malignant": ["mel", "bcc"]})
            >>> g.name, g.positive, g.labels([class_code("other_benign"), MELANOMA]).tolist()
            ('classes:benign=nevus+other_benign,malignant=melanoma+basal_cell_carcinoma', ('malignant',), [0, 1])
        """
        groups: Mapping[str, Iterable[str]] = (
            classes if isinstance(classes, Mapping) else {name: (name,) for name in _names(classes)}
        )
        names: list[str] = []
        members: list[tuple[int, ...]] = []
        label_of: dict[int, int] = {}
        try:
            for index, (group, grouped) in enumerate(groups.items()):
                codes = tuple(class_code(m) for m in _names(grouped))
                if not codes:
                    raise TaskError(f"class {group!r} groups no names; give it at least one")
                for code in codes:
                    if code in label_of:
                        raise TaskError(f"{diagnosis_name(code)!r} is given twice; give each name one class")
                    label_of[code] = index
                members.append(codes)
                names.append(_class_title(group))
        except UnknownDiagnosisError as exc:
            raise TaskError(str(exc)) from None
        if not names:
            raise TaskError("a task needs at least one class; got none")
        parts = [
            name if codes == (class_code(name),) else f"{name}=" + "+".join(diagnosis_name(c) for c in codes)
            for name, codes in zip(names, members, strict=True)
        ]
        return cls(
            SPELLED_PREFIX + ",".join(parts),
            tuple(names),
            label_of,
            primary_metric="roc_auc" if len(names) == 2 else "balanced_accuracy",
            description="classes of one's own data: " + ", ".join(parts),
        )

    @property
    def num_classes(self) -> int:
        """Number of classes (what the head outputs)."""
        return len(self.classes)

    @property
    def is_binary(self) -> bool:
        """Two classes with one positive: the positive-vs-rest metrics and files apply."""
        return self.num_classes == 2 and len(self.positive) == 1

    @property
    def positive_indices(self) -> tuple[int, ...]:
        """Class indices of :attr:`positive`."""
        return tuple(self.classes.index(p) for p in self.positive)

    @property
    def positive_codes(self) -> tuple[int, ...]:
        """Diagnosis codes whose class is positive, ascending."""
        indices = set(self.positive_indices)
        return tuple(sorted(code for code, index in self.label_of.items() if index in indices))

    def labels(self, diagnosis_codes: Iterable[int] | np.ndarray) -> np.ndarray:
        """Class index of each diagnosis code (int64).

        Raises:
            DataError: codes this task has no class for, with the number of images of each.
        """
        codes = np.asarray(diagnosis_codes if isinstance(diagnosis_codes, np.ndarray) else list(diagnosis_codes))
        codes = codes.astype(np.int64, copy=False).reshape(-1)
        size = vocabulary_size()
        table = np.full(size, -1, dtype=np.int64)
        for code, index in self.label_of.items():
            table[code] = index
        valid = (codes >= 0) & (codes < size)
        out = np.full(codes.shape, -1, dtype=np.int64)
        out[valid] = table[codes[valid]]
        unmapped = out < 0
        if unmapped.any():
            counts = Counter(int(c) for c in codes[unmapped])
            listed = ", ".join(
                f"{diagnosis_name(c) if 0 <= c < size else f'code {c}'} ({n} image{'s' * (n != 1)})"
                for c, n in sorted(counts.items())
            )
            raise DataError(
                f"task {self.name!r} has no class for {int(unmapped.sum())} image(s): {listed}. "
                f"Its classes are {', '.join(self.classes)}; drop those images or choose another task"
            )
        return out


MELANOMA_TASK = Task.one_vs_rest(
    "melanoma", MELANOMA, description="melanoma vs every other diagnosis (ISIC 2017 part 3, task 1)"
)
SEBORRHEIC_KERATOSIS_TASK = Task.one_vs_rest(
    "seborrheic_keratosis",
    SEBORRHEIC_KERATOSIS,
    description="seborrheic keratosis vs every other diagnosis (ISIC 2017 part 3, task 2)",
)

ISIC2017_3CLASS_TASK = Task(
    "isic2017_3class",
    ("nevus", "melanoma", "seborrheic_keratosis"),
    {NEVUS: 0, MELANOMA: 1, SEBORRHEIC_KERATOSIS: 2},
    # The two classes ISIC 2017 scored one-vs-rest; mean_auc is the mean of their AUCs.
    positive=("melanoma", "seborrheic_keratosis"),
    primary_metric="mean_auc",
    description="nevus / melanoma / seborrheic keratosis, ranked by the mean of the two one-vs-rest AUCs (ISIC 2017)",
)

#: ISIC 2018 Task 3's diagnoses in its submission order (MEL, NV, BCC, AKIEC, BKL, DF, VASC).
DX7_CODES = (
    MELANOMA,
    NEVUS,
    BASAL_CELL_CARCINOMA,
    ACTINIC_KERATOSIS,
    BENIGN_KERATOSIS,
    DERMATOFIBROMA,
    VASCULAR_LESION,
)
DX7_TASK = Task(
    "dx7",
    tuple(DIAGNOSES[c] for c in DX7_CODES),
    {code: index for index, code in enumerate(DX7_CODES)},
    primary_metric="balanced_accuracy",
    description="the seven HAM10000 / ISIC 2018 Task 3 diagnoses, ranked by balanced accuracy",
)
#: ISIC 2019's eight diagnoses in its order (ISIC 2018's seven, then SCC).
DX8_CODES = (*DX7_CODES, SQUAMOUS_CELL_CARCINOMA)
DX8_TASK = Task(
    "dx8",
    tuple(DIAGNOSES[c] for c in DX8_CODES),
    {code: index for index, code in enumerate(DX8_CODES)},
    primary_metric="balanced_accuracy",
    description="the eight ISIC 2019 diagnoses (ISIC 2018's seven and SCC), ranked by balanced accuracy",
)


#: The config's ``task`` that means "every class of the dataset": resolved once the dataset is read.
FROM_DATASET = "from_dataset"
#: How a task made by :meth:`Task.from_classes` is spelled: ``classes:a,b`` or ``classes:g=a+b,h=c``.
SPELLED_PREFIX = "classes:"


def _class_title(name: str) -> str:
    """A class's name: the canonical diagnosis name of a known diagnosis, else the name cleaned."""
    try:
        return DIAGNOSES[diagnosis_code(name)]
    except UnknownDiagnosisError:
        return class_name(name)


@functools.lru_cache(maxsize=64)
def parse_task(spelled: str) -> Task:
    """The task a ``classes:...`` spelling names (see :meth:`Task.from_classes`).

    Raises:
        TaskError: not such a spelling, or one that names no valid task (says which part).

    Example:
        >>> parse_task("classes:benign=nevus+other_benign,malignant=melanoma").num_classes
        2
    """
    if not spelled.startswith(SPELLED_PREFIX):
        raise TaskError(
            f"task {spelled!r}: a spelled-out task starts with {SPELLED_PREFIX!r}, e.g. 'classes:nevus,melanoma'"
        )
    groups: dict[str, tuple[str, ...]] = {}
    for part in spelled[len(SPELLED_PREFIX) :].split(","):
        name, sep, grouped = part.partition("=")
        if not name.strip() or (sep and not grouped.strip()):
            raise TaskError(f"task {spelled!r}: part {part!r} is empty; write 'name' or 'name=member+member'")
        if name.strip() in groups:
            raise TaskError(f"task {spelled!r}: class {name.strip()!r} is given twice; give each class once")
        groups[name.strip()] = tuple(m.strip() for m in grouped.split("+")) if sep else (name.strip(),)
    return Task.from_classes(groups)


def get_task(task: Task | str) -> Task:
    """``task`` itself, or the task registered under that name.

    Raises:
        UnknownComponentError: no task of that name (with close matches and the list).

    Example:
        >>> get_task("seborrheic_keratosis").positive
        ('seborrheic_keratosis',)
    """
    if isinstance(task, Task):
        return task
    if task.startswith(SPELLED_PREFIX):
        return parse_task(task)
    if task == FROM_DATASET:
        raise TaskError(
            f"task {FROM_DATASET!r} takes its classes from the dataset: a Trainer resolves it when it reads "
            "the dataset; elsewhere use lesionkit.data.splitting.split.dataset_task(dataset)"
        )
    from lesionkit.registries import tasks

    found = tasks.get(task)
    if not isinstance(found, Task):
        raise TaskError(f"lesionkit.tasks[{task!r}] is a {type(found).__name__}, not a lesionkit.task.Task")
    return found
