"""The tf.data input pipeline: balance → shuffle → batch → augment → prefetch.

Images enter as uint8 RGB arrays and leave as float32 0–255: the model applies
its backbone's preprocessing itself, so the pipeline never needs to know which
weights are in use. Labels are one-hot for 2-output heads, a single column for
1-output heads.

Augmentation runs on batches. With the paper's balancing the first copy of each
image is shown as it is and the extra copies augmented; otherwise every image
is augmented. Per-batch seeds come from ``tf.data.Dataset.random`` keyed on the
run seed, so a ``deterministic=True`` pipeline gives the same batches every run
(and different ones each epoch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lesionkit.augment.base import Augmenter


def encode_labels(labels: np.ndarray, num_outputs: int) -> np.ndarray:
    """One-hot (``num_outputs == 2``) or a float column (``== 1``).

    Example:
        >>> encode_labels(np.array([0, 1]), 2).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    labels = np.asarray(labels).astype(np.int64)
    if num_outputs == 1:
        return labels.astype(np.float32)[:, None]
    return np.eye(num_outputs, dtype=np.float32)[labels]


def make_pipeline(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    num_outputs: int = 2,
    batch_size: int = 32,
    training: bool = False,
    repeats: np.ndarray | None = None,
    augmenter: Augmenter | None = None,
    augment_first_copy: bool | None = None,
    seed: int = 0,
    deterministic: bool = False,
    preprocess: Callable[[Any], Any] | None = None,
    drop_remainder: bool | None = None,
) -> Any:
    """A ``tf.data.Dataset`` of ``(images float32, labels)`` batches.

    Args:
        images: uint8 ``(N, H, W, 3)``.
        labels: binary labels ``(N,)``.
        training: shuffle each epoch, balance and augment.
        repeats: copies of each image per epoch (balancing); ``None`` = 1 each.
        augmenter: applied to training batches (``"tf"`` in the graph, ``"numpy"``
            through ``tf.numpy_function``).
        augment_first_copy: augment the first copy of each image too; default:
            only when every image appears once.
        deterministic: fixed order and augmentation for a given ``seed``; the
            default lets tf.data hand out whichever training batch is ready first
            (faster). Evaluation pipelines (``training=False``) always keep the
            input order, so predictions line up with the images they came from.
        preprocess: applied to each float32 batch in the graph (e.g. a backbone's
            preprocessing when the model does not include it; lesionkit's models do).
        drop_remainder: drop a short last batch; default: when training (BatchNorm
            on a batch of one or two images gives huge gradients and can diverge).

    Raises:
        ValueError: images not uint8 ``(N, H, W, 3)`` or a length mismatch.
    """
    import tensorflow as tf

    # Out-of-order batches only pay off when training; elsewhere order is the contract.
    deterministic = deterministic or not training
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be uint8 (N, H, W, 3), got {images.dtype} {images.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    targets = encode_labels(labels, num_outputs)
    n = len(images)
    reps = np.ones(n, dtype=np.int64) if repeats is None or not training else np.asarray(repeats)
    index = np.repeat(np.arange(n), reps)
    copy_no = np.concatenate([np.arange(r) for r in reps]) if n else np.zeros(0, np.int64)
    if augment_first_copy is None:
        augment_first_copy = bool(np.all(reps == 1))
    flags = (copy_no > 0) | augment_first_copy

    target_table = tf.constant(targets)
    image_shape = (None, *images.shape[1:])

    def gather_images(i: Any) -> Any:
        # A numpy gather per batch instead of a tf.constant of the whole array: no second
        # copy of the dataset in memory, no start-up copy, and memory-mapped caches work as
        # they are. As fast as an in-graph gather (measured; docs/data.md).
        batch = tf.numpy_function(lambda rows: images[rows], [i], tf.uint8, stateful=False)
        return tf.ensure_shape(batch, image_shape)

    ds = tf.data.Dataset.from_tensor_slices((index, flags))
    if training:
        ds = ds.shuffle(len(index), seed=seed, reshuffle_each_iteration=True)
    if drop_remainder is None:
        drop_remainder = training and len(index) >= batch_size
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    ds = ds.map(
        lambda i, f: (gather_images(i), tf.gather(target_table, i), f),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=deterministic or None,
    )
    if training and augmenter is not None:
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        ds = tf.data.Dataset.zip((ds, seeds)).map(
            lambda batch, s: _augment(augmenter, batch, s),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=deterministic or None,
        )

    def finish(x: Any, y: Any, f: Any) -> Any:
        x = tf.cast(x, tf.float32)
        return (preprocess(x) if preprocess is not None else x), y

    ds = ds.map(finish, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic or None)
    options = tf.data.Options()
    options.deterministic = deterministic
    # Under MultiWorkerMirroredStrategy each worker runs this whole pipeline and keeps its share of
    # every global batch (``batch_size`` is global): the images are in memory, so there are no
    # files to shard by (AUTO would try files first and warn). Every worker gets the same number
    # of steps, and each example is seen once per epoch across workers.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def _augment(augmenter: Augmenter, batch: Any, seed: Any) -> Any:
    import tensorflow as tf

    x, y, flags = batch
    seed = tf.cast(seed, tf.int64)
    if augmenter.backend == "numpy":
        out = tf.numpy_function(
            lambda imgs, s: augmenter.apply_numpy(imgs, int(s[0] % (2**31))), [x, seed], tf.uint8, stateful=False
        )
        out = tf.ensure_shape(out, x.shape)
    else:
        out = augmenter.apply_tf(x, seed)
    x = tf.where(flags[:, None, None, None], out, x)
    return x, y, flags
