"""The tf.data input pipeline: balance → shuffle → batch → augment → prefetch.

Images enter as uint8 RGB arrays and leave as float32 0–255: the model applies
its backbone's preprocessing itself, so the pipeline never needs to know which
weights are in use. Labels are one-hot for 2-output heads, a single column for
1-output heads.

Augmentation runs on batches. With the paper's balancing the first copy of each
image is shown as it is and the extra copies augmented; otherwise every image
is augmented.

A training pipeline yields the batches of its ``epochs`` back to back (fit it with
``steps_per_epoch``). Epoch ``e``'s order and its batches' augmentation seeds are
drawn with stateless random ops from ``(seed, e)`` alone (:func:`epoch_draws`), so a
``deterministic=True`` pipeline gives the same batches every run, different ones each
epoch, and a run resumed at epoch ``e`` (``epochs=range(e, n)``) sees what an
uninterrupted one sees from epoch ``e`` on.
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
    epochs: range = range(1),
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
        epochs: training: the epochs one pass over the pipeline yields, back to back
            (``range(2, 10)``: a run resumed after its second epoch); each epoch's order
            and augmentation depend on ``(seed, epoch)`` only, so iterating the pipeline
            again repeats them. Evaluation pipelines are one pass over the images.

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

    if drop_remainder is None:
        drop_remainder = training and len(index) >= batch_size
    batches = len(index) // batch_size if drop_remainder else -(-len(index) // batch_size)

    def epoch(e: Any) -> Any:
        """Epoch ``e``'s batches of ((rows, flags), augmentation seed), in the epoch's own order."""
        order, seeds = epoch_draws(seed, e, len(index), batches)
        rows = tf.data.Dataset.from_tensor_slices((tf.gather(index, order), tf.gather(flags, order)))
        batched = rows.batch(batch_size, drop_remainder=drop_remainder)
        return tf.data.Dataset.zip((batched, tf.data.Dataset.from_tensor_slices(seeds)))

    if training:
        ds = tf.data.Dataset.from_tensor_slices(tf.constant(list(epochs), tf.int64)).flat_map(epoch)
    else:  # one pass, in order, never augmented: a placeholder seed keeps one element structure
        ds = tf.data.Dataset.from_tensor_slices((index, flags)).batch(batch_size, drop_remainder=drop_remainder)
        ds = ds.map(lambda i, f: ((i, f), tf.zeros(2, tf.int64)))
    ds = ds.map(
        lambda rows, s: (gather_images(rows[0]), tf.gather(target_table, rows[0]), rows[1], s),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=deterministic or None,
    )
    if training and augmenter is not None:
        ds = ds.map(
            lambda x, y, f, s: (_augment(augmenter, x, f, s), y),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=deterministic or None,
        )
    else:
        ds = ds.map(lambda x, y, f, s: (x, y))

    def finish(x: Any, y: Any) -> Any:
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


def epoch_draws(seed: int, epoch: Any, rows: int, batches: int) -> tuple[Any, Any]:
    """Epoch ``epoch``'s draws, from ``(seed, epoch)`` alone: the order of its ``rows`` and one
    augmentation seed (int64, shape ``(2,)``) per batch, ``(batches, 2)``.

    Example:
        >>> order, seeds = epoch_draws(3, 1, rows=5, batches=2)
        >>> sorted(order.numpy().tolist()), tuple(seeds.shape)
        ([0, 1, 2, 3, 4], (2, 2))
        >>> bool((epoch_draws(3, 1, 5, 2)[1] == seeds).numpy().all())
        True
    """
    import tensorflow as tf

    shuffle_key, augment_key = tf.unstack(
        tf.random.experimental.stateless_split(tf.stack([tf.constant(seed, tf.int64), tf.cast(epoch, tf.int64)]), 2)
    )
    order = tf.random.experimental.stateless_shuffle(tf.range(rows, dtype=tf.int64), seed=shuffle_key)
    seeds = tf.random.stateless_uniform((batches, 2), seed=augment_key, minval=None, maxval=None, dtype=tf.int64)
    return order, seeds


def _augment(augmenter: Augmenter, x: Any, flags: Any, seed: Any) -> Any:
    """The batch ``x`` with its flagged images augmented with ``seed``."""
    import tensorflow as tf

    seed = tf.cast(seed, tf.int64)
    if augmenter.backend == "numpy":
        out = tf.numpy_function(
            lambda imgs, s: augmenter.apply_numpy(imgs, int(s[0] % (2**31))), [x, seed], tf.uint8, stateful=False
        )
        out = tf.ensure_shape(out, x.shape)
    else:
        out = augmenter.apply_tf(x, seed)
    return tf.where(flags[:, None, None, None], out, x)
