"""The augmenter contract.

An augmenter transforms a batch of uint8 RGB images ``(B, H, W, 3)`` and returns
a batch of the same shape and dtype. It runs in one of two ways, told by its
``backend`` attribute:

- ``"tf"``: :meth:`Augmenter.apply_tf` runs inside the tf.data graph, on
  tensors, with a ``seed`` tensor of shape ``(2,)`` for stateless random ops
  (same seed → same output);
- ``"numpy"``: :meth:`Augmenter.apply_numpy` runs on numpy arrays (imgaug and
  friends) with an integer seed; the pipeline calls it outside the graph.

Calling an augmenter directly (``aug(images, seed=0)``) dispatches on the type
of ``images``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

Backend = Literal["tf", "numpy"]


class Augmenter:
    """Base class of augmenters; subclasses implement one ``apply_*`` method."""

    backend: Backend = "tf"

    def apply_tf(self, images: Any, seed: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no TensorFlow implementation")

    def apply_numpy(self, images: np.ndarray, seed: int) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} has no numpy implementation")

    def __call__(self, images: Any, seed: int = 0) -> Any:
        """Augment a batch (or one image) with ``seed``; numpy in → numpy out."""
        single = getattr(images, "ndim", len(getattr(images, "shape", ()))) == 3
        if self.backend == "numpy":
            batch = np.asarray(images)[None] if single else np.asarray(images)
            out = self.apply_numpy(batch, int(seed))
            return out[0] if single else out
        import tensorflow as tf

        was_numpy = isinstance(images, np.ndarray)
        batch = tf.convert_to_tensor(images)
        if single:
            batch = batch[None]
        out = self.apply_tf(batch, tf.constant([int(seed), 0], dtype=tf.int64))
        if single:
            out = out[0]
        return out.numpy() if was_numpy else out


class Compose(Augmenter):
    """Augmenters applied in order; all must share one backend.

    Example:
        >>> from lesionkit.augment.base import Compose
        >>> Compose([]).backend
        'tf'
    """

    def __init__(self, steps: list[Augmenter]) -> None:
        backends = {s.backend for s in steps}
        if len(backends) > 1:
            raise ValueError(
                "cannot mix augmenter backends in one pipeline: "
                + ", ".join(f"{type(s).__name__} ({s.backend})" for s in steps)
                + "; use all 'tf' or all 'numpy' augmenters"
            )
        self.steps = list(steps)
        self.backend = backends.pop() if backends else "tf"

    def apply_tf(self, images: Any, seed: Any) -> Any:
        import tensorflow as tf

        for i, step in enumerate(self.steps):
            images = step.apply_tf(images, tf.random.experimental.stateless_fold_in(seed, i))
        return images

    def apply_numpy(self, images: np.ndarray, seed: int) -> np.ndarray:
        for i, step in enumerate(self.steps):
            images = step.apply_numpy(images, (seed * 1_000_003 + i) % (2**31))
        return images

    def __repr__(self) -> str:
        return f"Compose({self.steps!r})"
