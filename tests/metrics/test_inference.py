"""evaluation/prediction/inference.py on its own: image batches, TTA averaging, non-finite probabilities."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lesionkit.augment.tta import image_view_seed
from lesionkit.evaluation.prediction.inference import as_image_batch, average_views, check_finite, predict


class Shift:
    """A numpy 'augmenter' whose output shows the seed it was called with."""

    def __init__(self) -> None:
        self.seeds: list[int] = []

    def __call__(self, images: np.ndarray, seed: int = 0) -> np.ndarray:
        self.seeds.append(seed)
        return np.full_like(images, seed % 200)


def mean_pixel(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1).mean(axis=1).astype(np.float64)


def test_as_image_batch() -> None:
    assert as_image_batch(np.zeros((8, 8, 3)), 8).shape == (1, 8, 8, 3)
    assert as_image_batch([np.zeros((8, 8, 3))] * 2, 8).shape == (2, 8, 8, 3)
    with pytest.raises(ValueError, match=r"\(N, 8, 8, 3\).*\(2, 9, 9, 3\)"):
        as_image_batch(np.zeros((2, 9, 9, 3)), 8)


def test_average_views_is_the_mean_over_seeded_views() -> None:
    images = np.full((2, 4, 4, 3), 10, np.uint8)
    aug = Shift()
    out = average_views(mean_pixel, images, views=3, augmenter=aug, seed=5)
    # View 0 is the images themselves; view i of each image is drawn alone, with that image's seed.
    seeds = [image_view_seed(5, i, image) for i in (1, 2) for image in images]
    assert aug.seeds == seeds
    expected = (10 + seeds[0] % 200 + seeds[2] % 200) / 3  # identical images: identical seeds
    np.testing.assert_allclose(out, [expected, expected])
    np.testing.assert_array_equal(average_views(mean_pixel, images, views=1, augmenter=None, seed=5), [10, 10])


def test_non_finite_probabilities_are_an_error() -> None:
    assert check_finite(np.array([0.1, 0.9])).tolist() == [0.1, 0.9]
    with pytest.raises(FloatingPointError, match="non-finite probabilities for 1 of 2 images.*learning_rate"):
        check_finite(np.array([0.5, np.nan]))


def test_predict_takes_the_positive_column() -> None:
    class Model:
        def predict(self, x: np.ndarray, batch_size: int, verbose: int) -> Any:
            assert x.dtype == np.float32 and batch_size == 4
            return np.stack([1 - x[:, 0, 0, 0] / 255, x[:, 0, 0, 0] / 255], axis=1)

    images = np.full((3, 4, 4, 3), 51, np.uint8)
    np.testing.assert_allclose(predict(Model(), images, image_size=4, batch_size=4), [0.2, 0.2, 0.2])
