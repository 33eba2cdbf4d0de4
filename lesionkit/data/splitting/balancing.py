"""Class balancing: the paper's oversampling scheme, oversampling to K classes, class weights.

The paper (Table 2) shows every training image once plus one augmented copy,
and positives of the task one more augmented copy. On the ISIC 2017 training
labels (374 melanoma, 254 SK, 1372 nevus) that gives melanoma 1122 / SK 508 /
nevus 2744 for the melanoma task and 748 / 762 / 2744 for the SK task. For a task
with more positive classes (``isic2017_3class`` names melanoma and SK) each of them gets
the third copy; a task without positives shows every image twice.

``"oversample"`` works for any number of classes: every class is repeated
``round(largest / count)`` times (at most :data:`MAX_REPEATS`), so each class comes
close to the largest one's count.

The functions take a :class:`~lesionkit.task.Task` (``lesionkit.tasks.get(name)``), not its name.

Example:
    >>> import numpy as np
    >>> import lesionkit
    >>> paper_repeats(np.array([0, 1, 2]), lesionkit.tasks.get("melanoma")).tolist()
    [2, 3, 2]
    >>> oversample_repeats(np.array([0, 0, 0, 0, 0, 0, 1, 1, 2]), 3).tolist()
    [1, 1, 1, 1, 1, 1, 3, 3, 6]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from lesionkit.data.splitting.split import CLASS_NAMES
from lesionkit.diagnoses import class_code
from lesionkit.errors import DataError

if TYPE_CHECKING:
    from lesionkit.task import Task


#: The most copies ``"oversample"`` makes of one image (a class of 10 beside one of 6705
#: gets 10, not 670: that many identical originals would be memorised, not learned).
MAX_REPEATS = 10


class BalancingError(DataError, ValueError):
    """Class counts that a balancing mode cannot work with (a class with no images)."""


def paper_repeats(diagnosis: np.ndarray, task: Task) -> np.ndarray:
    """Copies of each image in one epoch: 2 (original + augmented), 3 for the task's positives."""
    labels = task.labels(diagnosis)  # refuses diagnoses the task has no class for
    return 2 + np.isin(labels, task.positive_indices).astype(np.int64)


def oversample_repeats(labels: np.ndarray, num_classes: int, max_repeats: int = MAX_REPEATS) -> np.ndarray:
    """Copies of each image so that every class comes close to the largest one.

    Class ``c`` with ``n_c`` images gets ``round(max_n / n_c)`` copies, between 1 and
    ``max_repeats``; classes without images are ignored.

    Raises:
        BalancingError: a label outside ``0..num_classes - 1``.
    """
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise BalancingError(f"labels must be class indices 0..{num_classes - 1}, got {sorted(set(labels.tolist()))}")
    counts = np.bincount(labels, minlength=num_classes)
    if not len(labels):
        return np.zeros(0, dtype=np.int64)
    per_class = np.where(counts > 0, np.rint(counts.max() / np.maximum(counts, 1)), 1)
    return np.clip(per_class, 1, max_repeats).astype(np.int64)[labels]


def repeats_for(balance: str, diagnosis: np.ndarray, task: Task) -> np.ndarray:
    """Copies per image for a ``balance`` mode (``"paper"``, ``"oversample"``, or one copy otherwise)."""
    if balance == "paper":
        return paper_repeats(diagnosis, task)
    if balance == "oversample":
        return oversample_repeats(task.labels(diagnosis), task.num_classes)
    return np.ones(len(diagnosis), dtype=np.int64)


def class_weights(labels: np.ndarray) -> dict[int, float]:
    """Keras ``class_weight`` inversely proportional to class frequency (mean weight 1).

    Example:
        >>> class_weights(np.array([0, 0, 0, 1]))
        {0: 0.6666666666666666, 1: 2.0}
    """
    labels = np.asarray(labels)
    n = len(labels)
    classes = np.unique(labels)
    return {int(c): n / (len(classes) * float(np.sum(labels == c))) for c in classes}


def paper_counts(counts: Mapping[str, int], task: Task) -> dict[str, int]:
    """Per-class counts after the paper's balancing, from per-class counts before it.

    Example:
        >>> import lesionkit
        >>> counts = {"nevus": 1372, "melanoma": 374, "seborrheic_keratosis": 254}
        >>> paper_counts(counts, lesionkit.tasks.get("melanoma"))
        {'nevus': 2744, 'melanoma': 1122, 'seborrheic_keratosis': 508}
    """
    positives = task.positive_codes
    return {name: int(counts.get(name, 0)) * (3 if code in positives else 2) for code, name in enumerate(CLASS_NAMES)}


def class_weights_from_counts(negatives: int, positives: int) -> dict[int, float]:
    """Keras ``class_weight`` for a binary task from its class counts (mean weight 1).

    Example:
        >>> class_weights_from_counts(3, 1)
        {0: 0.6666666666666666, 1: 2.0}
    """
    if negatives <= 0 or positives <= 0:
        raise BalancingError(
            f"class weights need both classes present, got {negatives} negatives and {positives} positives"
        )
    n = negatives + positives
    return {0: n / (2.0 * negatives), 1: n / (2.0 * positives)}


def balance_table(counts: Mapping[str, int], task: Task) -> str:
    """Training counts per class before and after the paper's balancing, and class weights."""
    after = paper_counts(counts, task)
    positive_codes = task.positive_codes
    positives = sum(int(counts.get(name, 0)) for code, name in enumerate(CLASS_NAMES) if code in positive_codes)
    negatives = sum(int(v) for v in counts.values()) - positives
    lines = [f"task {task.name}: training images per class", f"{'class':<24}{'before':>8}{'paper':>8}"]
    lines += [f"{c:<24}{int(counts.get(c, 0)):>8}{after[c]:>8}" for c in CLASS_NAMES]
    lines.append(f"{'total':<24}{sum(int(v) for v in counts.values()):>8}{sum(after.values()):>8}")
    if negatives > 0 and positives > 0:
        w = class_weights_from_counts(negatives, positives)
        lines.append(f"class weights (alternative to oversampling): negative {w[0]:.4f}, positive {w[1]:.4f}")
    return "\n".join(lines)


def task_table(counts: Mapping[str, int], task: Task) -> str:
    """Training images per class of ``task`` from any dataset's per-diagnosis counts.

    A binary task on ISIC 2017's three diagnoses gets :func:`balance_table` (the paper's
    scheme); any other task a table of images, ``"oversample"`` copies and inverse-frequency
    weights per class. Diagnoses the task has no class for are named with their counts:
    training would refuse those images.

    Example:
        >>> import lesionkit
        >>> counts = {"nevus": 6, "melanoma": 2, "dermatofibroma": 1}
        >>> print(task_table(counts, lesionkit.tasks.get("isic2017_3class")))
        task isic2017_3class: training images per class
        class                     images  oversample  weight
        nevus                          6           1   0.667
        melanoma                       2           3   2.000
        seborrheic_keratosis           0           -       -
        total                          8
        no class in task isic2017_3class: dermatofibroma (1); training refuses these images: choose another task or drop them
    """
    resolved = task
    if resolved.is_binary and set(counts) <= set(CLASS_NAMES):
        return balance_table(counts, resolved)
    per_class = [0] * resolved.num_classes
    unmapped: dict[str, int] = {}
    for name, n in counts.items():
        index = resolved.label_of.get(class_code(name))  # a shared diagnosis or a class of one's own
        if index is None:
            unmapped[name] = unmapped.get(name, 0) + int(n)
        else:
            per_class[index] += int(n)
    total, present = sum(per_class), [n for n in per_class if n > 0]
    largest = max(per_class, default=0)
    lines = [
        f"task {resolved.name}: training images per class",
        f"{'class':<24}{'images':>8}{'oversample':>12}{'weight':>8}",
    ]
    for name, n in zip(resolved.classes, per_class, strict=True):
        if n:
            copies = int(min(max(round(largest / n), 1), MAX_REPEATS))
            lines.append(f"{name:<24}{n:>8}{copies:>12}{total / (len(present) * n):>8.3f}")
        else:
            lines.append(f"{name:<24}{n:>8}{'-':>12}{'-':>8}")
    lines.append(f"{'total':<24}{total:>8}")
    if unmapped:
        listed = ", ".join(f"{name} ({n})" for name, n in unmapped.items())
        lines.append(
            f"no class in task {resolved.name}: {listed}; training refuses these images: choose another task or drop them"
        )
    return "\n".join(lines)
