"""The tf backend's fast kernels give the same pixels as the general ops they replace."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from lesionkit.augment import tf_ops


@pytest.fixture(scope="module")
def batch(lesion64: np.ndarray) -> tf.Tensor:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (1, 64, 64, 3), dtype=np.uint8)  # every hue and saturation
    grey = np.full((1, 64, 64, 3), 128, np.uint8)  # saturation 0, hue undefined
    return tf.constant(np.concatenate([lesion64, noise, grey]))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("what", ["hue", "saturation_mul"])
def test_fused_colour_kernels_match_the_hsv_round_trip(batch: tf.Tensor, seed: int, what: str) -> None:
    s = tf.constant([seed, 3], tf.int64)
    fused = tf_ops.hue_saturation(batch, s, **{what: (0.7, 1.3) if what == "saturation_mul" else (-0.1, 0.1)})
    # A zero additive saturation change forces the general RGB -> HSV -> RGB path with the same draws.
    general = tf_ops.hue_saturation(
        batch, s, saturation_add=(0.0, 0.0), **{what: (0.7, 1.3) if what == "saturation_mul" else (-0.1, 0.1)}
    )
    diff = np.abs(fused.numpy().astype(int) - general.numpy().astype(int))
    assert diff.max() <= 1 and np.mean(diff > 0) < 1e-3  # float rounding only
    assert not np.array_equal(fused.numpy(), batch.numpy())


@pytest.mark.parametrize("horizontal, vertical", [(0.5, 0.5), (1.0, 0.0), (0.0, 1.0)])
def test_gather_flip_matches_reverse(batch: tf.Tensor, horizontal: float, vertical: float) -> None:
    s = tf.constant([5, 0], tf.int64)
    b = int(batch.shape[0])
    h = tf.random.stateless_uniform([b], tf_ops._fold(s, 1)).numpy() < horizontal
    v = tf.random.stateless_uniform([b], tf_ops._fold(s, 2)).numpy() < vertical
    expected = batch.numpy().copy()
    expected[h] = expected[h][:, :, ::-1]
    expected[v] = expected[v][:, ::-1]
    np.testing.assert_array_equal(tf_ops.flip(batch, s, horizontal, vertical).numpy(), expected)
