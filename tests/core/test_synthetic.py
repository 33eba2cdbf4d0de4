"""Synthetic lesions: deterministic, right class mix, and learnable from their visual traits."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from lesionkit.data.sources.synthetic import SyntheticLesions
from lesionkit.data.splitting.split import MELANOMA, SEBORRHEIC_KERATOSIS


def test_same_seed_same_images_and_labels() -> None:
    a = SyntheticLesions(seed=3, sizes={"train": 6}).split("train")
    b = SyntheticLesions(seed=3, sizes={"train": 6}).split("train")
    c = SyntheticLesions(seed=4, sizes={"train": 6}).split("train")
    np.testing.assert_array_equal(a.load_images(40), b.load_images(40))
    assert a.ids == b.ids and np.array_equal(a.diagnosis, b.diagnosis)
    assert not np.array_equal(a.load_images(40), c.load_images(40))


@pytest.mark.parametrize("size", [32, 57, 96])
def test_any_size_uint8_rgb(size: int) -> None:
    images = SyntheticLesions(sizes={"test": 3}).split("test").load_images(size)
    assert images.shape == (3, size, size, 3) and images.dtype == np.uint8


def test_class_mix_follows_fractions() -> None:
    data = SyntheticLesions(sizes={"train": 200})
    counts = data.split("train").counts()
    assert sum(counts.values()) == 200
    for share, count in zip(data.class_fractions, counts.values()):
        assert abs(count - share * 200) < 1  # exact counts, largest remainder


def test_bad_parameters_are_clear() -> None:
    with pytest.raises(ValueError, match="sizes"):
        SyntheticLesions(sizes={"train": 0})
    with pytest.raises(ValueError, match="class_fractions"):
        SyntheticLesions(class_fractions=(1.0, -1.0, 0.0))
    with pytest.raises(KeyError, match="validation"):
        SyntheticLesions(sizes={"train": 2}).split("validation")


def _features(images: np.ndarray) -> np.ndarray:
    """Crude hand-made features: colour statistics and edge energy of the centre."""
    x = images.astype(np.float32) / 255.0
    centre = x[:, 8:-8, 8:-8]
    grad = np.abs(np.diff(centre, axis=1)).mean(axis=(1, 2, 3))
    return np.concatenate(
        [centre.mean(axis=(1, 2)), centre.std(axis=(1, 2)), centre.min(axis=(1, 2)), grad[:, None]], axis=1
    )


@pytest.mark.parametrize("positive", [MELANOMA, SEBORRHEIC_KERATOSIS])
def test_classes_are_learnable_from_visual_traits(positive: int) -> None:
    data = SyntheticLesions(sizes={"train": 300, "test": 150})
    train, test = data.split("train"), data.split("test")
    model = LogisticRegression(max_iter=2000).fit(_features(train.load_images(32)), train.diagnosis == positive)
    auc = roc_auc_score(test.diagnosis == positive, model.predict_proba(_features(test.load_images(32)))[:, 1])
    assert auc >= 0.75  # learnable...
    assert auc < 0.999  # ...but not trivially separable: "mild" lesions overlap
