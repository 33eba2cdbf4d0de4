"""Test-time augmentation: several augmented views of each image, for averaging predictions.

:func:`tta_views` stacks ``n`` views of a batch, view ``i`` drawn with a seed
derived from ``(seed, i)``; with ``include_original=True`` view 0 is the batch
itself. :func:`dihedral_views` gives the 8 flips/90° rotations exactly (no
randomness).

Evaluation and prediction draw views per image instead (:func:`image_views`): view
``i`` of an image is the augmenter applied to that image alone with
:func:`image_view_seed` ``(seed, i, image)``, so an image's views, and its averaged
probability, do not depend on the batch or chunk it arrives in.

Example:
    >>> import numpy as np, lesionkit
    >>> from lesionkit.augment.tta import tta_views
    >>> aug = lesionkit.augmenters.create("tta_default", backend="imgaug")
    >>> tta_views(aug, np.zeros((2, 8, 8, 3), np.uint8), n=4, seed=0).shape
    (4, 2, 8, 8, 3)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # for annotations only: base.py imports this module (Augmenter.views)
    from lesionkit.augment.base import Augmenter


def view_seed(seed: int, i: int) -> int:
    """The integer seed of view ``i`` (also used for ``"tf"`` augmenters as ``[seed', 0]``)."""
    return (int(seed) * 1_000_003 + 7919 * (i + 1)) % (2**31)


def image_view_seed(seed: int, i: int, image: np.ndarray) -> int:
    """The seed of view ``i`` of one uint8 ``image``: ``view_seed(seed, i)`` mixed with a digest of its pixels.

    Example:
        >>> image = np.zeros((4, 4, 3), np.uint8)
        >>> image_view_seed(0, 1, image) == image_view_seed(0, 1, image.copy()) != image_view_seed(0, 2, image)
        True
    """
    digest = int.from_bytes(hashlib.blake2b(np.ascontiguousarray(image).tobytes(), digest_size=4).digest(), "little")
    return (view_seed(seed, i) * 1_000_003 + digest) % (2**31)


def image_views(augmenter: Any) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A function ``(images, seeds) -> views`` augmenting each uint8 image alone, image ``j`` with ``seeds[j]``.

    Image ``j`` comes out as ``augmenter(images[j:j + 1], seed=seeds[j])`` would give it, whatever
    the other images. ``augmenter``: an :class:`Augmenter` (a ``"tf"`` one runs as one graph
    traced once for every call of the returned function, not one eager call per image, which
    is about 5 times slower) or any callable ``(images, seed)``.

    Example:
        >>> import lesionkit
        >>> views = image_views(lesionkit.augmenters.create("flip"))
        >>> images = np.arange(2 * 4 * 4 * 3, dtype=np.uint8).reshape(2, 4, 4, 3)
        >>> bool((views(images, np.array([7, 9]))[1] == views(images[1:], np.array([9]))[0]).all())
        True
    """

    def each_alone(images: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        out = [augmenter(images[j : j + 1], seed=int(s)) for j, s in enumerate(seeds)]
        return np.concatenate(out) if out else images.copy()

    if getattr(augmenter, "backend", None) != "tf":
        return each_alone
    import tensorflow as tf

    def one(image_and_seed: Any) -> Any:
        image, s = image_and_seed
        return augmenter.apply_tf(image[None], tf.stack([s, tf.constant(0, tf.int64)]))[0]

    spec = (tf.TensorSpec((None, None, None, 3), tf.uint8), tf.TensorSpec((None,), tf.int64))
    graph = tf.function(lambda x, s: tf.map_fn(one, (x, s), fn_output_signature=tf.uint8), input_signature=spec)

    def in_graph(images: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        if len(images) == 0:
            return np.asarray(images).copy()
        return np.asarray(graph(tf.constant(images), tf.constant(np.asarray(seeds, np.int64))).numpy())

    return in_graph


def tta_views(augmenter: Augmenter, images: Any, n: int, seed: int = 0, *, include_original: bool = True) -> Any:
    """``n`` views of ``images`` (``(B, H, W, 3)`` uint8) stacked as ``(n, B, H, W, 3)``.

    Numpy in → numpy out; a tensor in → a tensor out (eager or inside a graph).

    Raises:
        ValueError: ``n`` is smaller than 1.
    """
    if int(n) < 1:
        raise ValueError(f"n={n!r}: the number of test-time views must be at least 1")
    if isinstance(images, np.ndarray) or augmenter.backend == "numpy":
        batch = np.asarray(images)
        views = [
            batch.copy() if (i == 0 and include_original) else augmenter(batch, seed=view_seed(seed, i))
            for i in range(n)
        ]
        return np.stack(views)
    import tensorflow as tf

    views = []
    for i in range(n):
        if i == 0 and include_original:
            views.append(images)
        else:
            views.append(augmenter.apply_tf(images, tf.constant([view_seed(seed, i), 0], tf.int64)))
    return tf.stack(views)


def dihedral_views(images: np.ndarray, n: int = 8) -> np.ndarray:
    """The first ``n`` (≤ 8) of the 8 flip/rotation views of square images, ``(n, B, H, W, 3)``.

    Raises:
        ValueError: images are not square, or ``n`` is not in 1..8.
    """
    images = np.asarray(images)
    if images.shape[1] != images.shape[2]:
        raise ValueError(f"dihedral views need square images, got {images.shape[1]}x{images.shape[2]}")
    if not 1 <= int(n) <= 8:
        raise ValueError(f"n={n!r}: there are 8 dihedral views; choose 1..8")
    views = []
    for flip in (False, True):
        base = images[:, :, ::-1] if flip else images
        for k in range(4):
            views.append(np.rot90(base, k, axes=(1, 2)))
    return np.ascontiguousarray(np.stack(views[: int(n)]))
