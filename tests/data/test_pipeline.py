"""The tf.data pipeline: shapes, labels, balancing per epoch, augmentation slot, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from lesionkit.augment.base import Augmenter
from lesionkit.data.loading.pipeline import encode_labels, make_pipeline
from lesionkit.data.splitting.balancing import paper_repeats
from lesionkit.task import get_task

tf = pytest.importorskip("tensorflow")


class MarkNumpy(Augmenter):
    """Sets every pixel to 255 (numpy backend): shows which copies were augmented."""

    backend = "numpy"

    def apply_numpy(self, images: np.ndarray, seed: int) -> np.ndarray:
        return np.full_like(images, 255)


class MarkTF(Augmenter):
    backend = "tf"

    def apply_tf(self, images, seed):  # type: ignore[no-untyped-def]
        noise = tf.random.stateless_uniform(tf.shape(images), seed, maxval=255, dtype=tf.int32)
        return tf.cast(noise, tf.uint8)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    images = np.stack([np.full((8, 8, 3), i, np.uint8) for i in range(10)])  # image i has pixel value i
    diagnosis = np.array([0, 1, 2, 0, 1, 0, 0, 2, 0, 1])
    return images, diagnosis


def _collect(ds) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


def test_eval_pipeline_keeps_order(data) -> None:  # type: ignore[no-untyped-def]
    images, diagnosis = data
    x, y = _collect(make_pipeline(images, diagnosis == 1, batch_size=4))
    assert x.dtype == np.float32 and x.shape == (10, 8, 8, 3)
    assert x[:, 0, 0, 0].tolist() == list(range(10))
    np.testing.assert_array_equal(y, encode_labels((diagnosis == 1).astype(int), 2))


def test_eval_pipeline_keeps_order_when_early_batches_are_slow(data) -> None:  # type: ignore[no-untyped-def]
    """A slow first batch must not let later ones overtake it (predictions must line up with files)."""
    import time

    images, diagnosis = data

    def slow_first(x: np.ndarray) -> np.ndarray:
        if x[0, 0, 0, 0] == 0:
            time.sleep(0.3)
        return x

    def preprocess(x):  # type: ignore[no-untyped-def]
        return tf.ensure_shape(tf.numpy_function(slow_first, [x], tf.float32, stateful=False), x.shape)

    for _ in range(3):
        x, _y = _collect(make_pipeline(images, diagnosis == 1, batch_size=2, preprocess=preprocess))
        assert x[:, 0, 0, 0].tolist() == list(range(10))


def test_pipeline_reads_the_array_itself_not_a_copy(data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """No second copy of the dataset in memory: memory-mapped caches and very large splits work as they are."""
    images, diagnosis = data
    path = tmp_path / "images.npy"
    np.save(path, images)
    mapped = np.load(path, mmap_mode="r+")
    ds = make_pipeline(mapped, diagnosis == 1, batch_size=5)
    mapped[:, 0, 0, 0] += 100  # written after the pipeline was built: a copy would not see it
    x, _ = _collect(ds)
    assert x[:, 0, 0, 0].tolist() == [100.0 + i for i in range(10)]


def test_paper_balancing_per_epoch_and_first_copy_clean(data) -> None:  # type: ignore[no-untyped-def]
    images, diagnosis = data
    labels = (diagnosis == 1).astype(int)
    reps = paper_repeats(diagnosis, get_task("melanoma"))
    ds = make_pipeline(
        images, labels, training=True, repeats=reps, augmenter=MarkNumpy(), batch_size=4, seed=3, drop_remainder=False
    )
    x, y = _collect(ds)
    assert len(x) == int(reps.sum()) == 23
    clean = x[x[:, 0, 0, 0] != 255][:, 0, 0, 0].astype(int)
    assert sorted(clean.tolist()) == list(range(10))  # each image once unaugmented
    assert int(np.sum(x[:, 0, 0, 0] == 255)) == 13  # and the extra copies augmented
    assert int(y[:, 1].sum()) == 3 * 3  # positives three times


def test_training_drops_the_short_last_batch(data) -> None:  # type: ignore[no-untyped-def]
    images, diagnosis = data
    labels = (diagnosis == 1).astype(int)
    reps = paper_repeats(diagnosis, get_task("melanoma"))  # 23 copies
    x, _ = _collect(make_pipeline(images, labels, training=True, repeats=reps, batch_size=4, seed=3))
    assert len(x) == 20
    x, _ = _collect(make_pipeline(images, labels, training=False, batch_size=4))
    assert len(x) == len(images)  # evaluation keeps every image


def test_deterministic_mode_repeats_exactly(data) -> None:  # type: ignore[no-untyped-def]
    images, diagnosis = data
    labels = (diagnosis == 2).astype(int)
    make = lambda seed, epochs=range(1): make_pipeline(  # noqa: E731
        images, labels, training=True, augmenter=MarkTF(), batch_size=3, seed=seed, deterministic=True, epochs=epochs
    )
    a, b, c = _collect(make(1)), _collect(make(1)), _collect(make(2))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    both = _collect(make(1, range(2)))[0]  # epochs 0 and 1, 3 batches of 3 each
    first, second = both[:9], both[9:]
    np.testing.assert_array_equal(first, a[0])
    assert not np.array_equal(first, second)  # epochs differ
    # Epoch 1 depends on (seed, 1) alone: a pipeline resumed there gives it again.
    np.testing.assert_array_equal(_collect(make(1, range(1, 2)))[0], second)


def test_preprocess_and_bad_input(data) -> None:  # type: ignore[no-untyped-def]
    images, diagnosis = data
    x, _ = _collect(make_pipeline(images, diagnosis == 0, num_outputs=1, preprocess=lambda t: t - 1.0))
    assert x[0, 0, 0, 0] == -1.0
    with pytest.raises(ValueError, match="uint8"):
        make_pipeline(images.astype(np.float32), diagnosis)
    with pytest.raises(ValueError, match="10 images but 3 labels"):
        make_pipeline(images, diagnosis[:3])
