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

import numpy as np

from lesionkit.data.split import CLASS_NAMES, binary_labels


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
