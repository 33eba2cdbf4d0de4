"""Class probabilities from a model, with test-time augmentation averaged in one place.

:func:`predict` returns the positive-class column for binary tasks (as the paper's
code did) and, with ``all_classes=True``, the full matrix ``(N, K)`` for multi-class
tasks; a 1-output (sigmoid) model's matrix is ``(1 − p, p)``.

Example:
    >>> import numpy as np
    >>> from lesionkit.evaluation.prediction.inference import average_views
    >>> class Brighten:  # any augmenter: a callable (images, seed) -> images
    ...     def __call__(self, images, seed=0):
    ...         return np.minimum(images + 100, 255)
    >>> mean_brightness = lambda images: images.mean(axis=(1, 2, 3)) / 255
    >>> average_views(mean_brightness, np.zeros((2, 4, 4, 3), np.uint8), views=2, augmenter=Brighten(), seed=0)
    array([0.19607843, 0.19607843])
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lesionkit.augment.tta import image_view_seed, image_views


def as_image_batch(images: np.ndarray | Sequence[Any], size: int) -> np.ndarray:
    """``images`` as a batch ``(N, size, size, 3)`` (one image becomes a batch of one).

    Raises:
        ValueError: another shape.
    """
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[1:] != (size, size, 3):
        raise ValueError(f"predict expects images of shape (N, {size}, {size}, 3) with values 0-255, got {array.shape}")
    return array


def model_class_probabilities(model: Any, images: np.ndarray, *, batch_size: int) -> np.ndarray:
    """Every class's probability ``(N, K)`` from ``model`` for 0–255 ``images``, as float64."""
    outputs = np.asarray(model.predict(images.astype(np.float32), batch_size=batch_size, verbose=0), dtype=np.float64)
    outputs = outputs.reshape(len(images), -1)
    return np.concatenate([1.0 - outputs, outputs], axis=1) if outputs.shape[1] == 1 else outputs


def model_probabilities(model: Any, images: np.ndarray, *, batch_size: int) -> np.ndarray:
    """The positive-class column (the last) of ``model``'s outputs for 0–255 ``images``, as float64."""
    return model_class_probabilities(model, images, batch_size=batch_size)[:, -1]


def average_views(
    predict: Callable[[np.ndarray], np.ndarray], images: np.ndarray, *, views: int, augmenter: Any, seed: int
) -> np.ndarray:
    """Mean of ``predict`` over ``views`` test-time views; view 0 is the images themselves.

    View ``i`` of an image is ``augmenter`` applied to that uint8 image alone, with the seed
    ``image_view_seed(seed, i, image)`` (:mod:`lesionkit.augment.tta`): it depends on the seed
    and the image only, so an image gets the same averaged probability whatever the batch size,
    chunk or other images it is predicted with.
    """
    total = predict(images)
    if views > 1:
        uint8 = np.clip(images, 0, 255).astype(np.uint8)
        augment = image_views(augmenter)
        for i in range(1, views):
            seeds = np.array([image_view_seed(seed, i, image) for image in uint8], np.int64)
            total = total + predict(augment(uint8, seeds))
        total = total / views
    return check_finite(total)


def predict(
    model: Any,
    images: np.ndarray | Sequence[Any],
    *,
    image_size: int,
    batch_size: int,
    views: int = 1,
    augmenter: Any = None,
    seed: int = 0,
    all_classes: bool = False,
) -> np.ndarray:
    """Positive-class probabilities of ``model`` for 0–255 RGB ``images``, ``views`` TTA views averaged.

    With ``all_classes`` the class-probability matrix ``(N, K)`` instead (views averaged per class).

    Raises:
        ValueError: images not of shape ``(N, image_size, image_size, 3)``.
        FloatingPointError: non-finite probabilities.
    """
    array = as_image_batch(images, image_size)
    scores = model_class_probabilities if all_classes else model_probabilities
    once = functools.partial(scores, model, batch_size=batch_size)
    return average_views(once, array, views=views, augmenter=augmenter, seed=seed)


def check_finite(probabilities: np.ndarray) -> np.ndarray:
    """``probabilities``, if every one is finite.

    Raises:
        FloatingPointError: some are NaN or infinite; says the likely causes and fixes.
    """
    bad = int(np.sum(~np.isfinite(probabilities).reshape(len(probabilities), -1).all(axis=1)))
    if bad:
        raise FloatingPointError(
            f"the model gave non-finite probabilities for {bad} of {len(probabilities)} images: training "
            f"diverged, or a short run from scratch left BatchNorm statistics unsettled. Lower "
            f"learning_rate, train longer, or use 'tf' preprocessing (backbone params) for scratch models."
        )
    return probabilities
