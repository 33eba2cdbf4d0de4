"""Class balancing: the paper's oversampling scheme and class weights.

The paper (Table 2) shows every training image once plus one augmented copy,
and positives of the task one more augmented copy. On the ISIC 2017 training
labels (374 melanoma, 254 SK, 1372 nevus) that gives melanoma 1122 / SK 508 /
nevus 2744 for the melanoma task and 748 / 762 / 2744 for the SK task.

Example:
    >>> import numpy as np
    >>> from lesionkit.data.balancing import paper_repeats
    >>> paper_repeats(np.array([0, 1, 2]), "melanoma").tolist()
    [2, 3, 2]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lesionkit.data.split import CLASS_NAMES, TASK_POSITIVE, binary_labels


def paper_repeats(diagnosis: np.ndarray, task: str) -> np.ndarray:
    """Copies of each image in one epoch: 2 (original + augmented), 3 for positives."""
    return 2 + binary_labels(diagnosis, task)


def repeats_for(balance: str, diagnosis: np.ndarray, task: str) -> np.ndarray:
    """Copies per image for a ``balance`` mode (``"paper"`` or one copy otherwise)."""
    if balance == "paper":
        return paper_repeats(diagnosis, task)
    return np.ones(len(diagnosis), dtype=np.int64)


def balanced_counts(diagnosis: np.ndarray, repeats: np.ndarray) -> dict[str, int]:
    """Images per diagnosis class after applying ``repeats``."""
    diagnosis = np.asarray(diagnosis)
    return {name: int(np.sum(repeats[diagnosis == code])) for code, name in enumerate(CLASS_NAMES)}


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


def paper_counts(counts: Mapping[str, int], task: str) -> dict[str, int]:
    """Per-class counts after the paper's balancing, from per-class counts before it.

    Example:
        >>> paper_counts({"nevus": 1372, "melanoma": 374, "seborrheic_keratosis": 254}, "melanoma")
        {'nevus': 2744, 'melanoma': 1122, 'seborrheic_keratosis': 508}
    """
    positive = CLASS_NAMES[TASK_POSITIVE[task]] if task in TASK_POSITIVE else None
    if positive is None:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASK_POSITIVE)}")
    return {name: int(counts.get(name, 0)) * (3 if name == positive else 2) for name in CLASS_NAMES}


def class_weights_from_counts(negatives: int, positives: int) -> dict[int, float]:
    """Keras ``class_weight`` for a binary task from its class counts (mean weight 1).

    Example:
        >>> class_weights_from_counts(3, 1)
        {0: 0.6666666666666666, 1: 2.0}
    """
    if negatives <= 0 or positives <= 0:
        raise ValueError(
            f"class weights need both classes present, got {negatives} negatives and {positives} positives"
        )
    n = negatives + positives
    return {0: n / (2.0 * negatives), 1: n / (2.0 * positives)}


def balance_table(counts: Mapping[str, int], task: str) -> str:
    """Training counts per class before and after the paper's balancing, and class weights."""
    after = paper_counts(counts, task)
    positives = int(counts.get(CLASS_NAMES[TASK_POSITIVE[task]], 0))
    negatives = sum(int(v) for v in counts.values()) - positives
    lines = [f"task {task}: training images per class", f"{'class':<24}{'before':>8}{'paper':>8}"]
    lines += [f"{name:<24}{int(counts.get(name, 0)):>8}{after[name]:>8}" for name in CLASS_NAMES]
    lines.append(f"{'total':<24}{sum(int(v) for v in counts.values()):>8}{sum(after.values()):>8}")
    if negatives > 0 and positives > 0:
        w = class_weights_from_counts(negatives, positives)
        lines.append(f"class weights (alternative to oversampling): negative {w[0]:.4f}, positive {w[1]:.4f}")
    return "\n".join(lines)
