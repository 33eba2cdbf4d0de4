"""Test-time augmentation by every way in: Trainer.predict, Trainer.evaluate, predict_files and Ensemble.

Each must give the mean of the model's probabilities over the documented views
(lesionkit/augment/tta.py, evaluation/prediction/inference.py): view 0 is the images
themselves, view ``i`` of an image the config's training augmenter applied to that image alone
with seed ``image_view_seed(config.seed, i, image)`` (flips and 90° rotations, ``tta_default``,
when the config has none). The expected values are computed here from the views, one image and
one eager augmenter call at a time, then one plain ``model.predict`` per view. An image's views
depend on nothing else, so every batch size and chunking gives the same probabilities.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lesionkit
from lesionkit import Ensemble, Trainer
from lesionkit.augment.tta import image_view_seed
from lesionkit.evaluation.prediction.predict import predict_files

VIEWS = 3


def views_of(trainer: Trainer, images: np.ndarray, augmenter: str) -> list[np.ndarray]:
    aug = lesionkit.augmenters.create(augmenter)
    seed = trainer.config.seed
    return [images] + [
        np.stack([aug(image, seed=image_view_seed(seed, i, image)) for image in images]) for i in range(1, VIEWS)
    ]


def mean_over_views(trainer: Trainer, views: list[np.ndarray]) -> np.ndarray:
    """The mean of the model's class probabilities over the views (float64, as lesionkit averages)."""
    outputs = [np.asarray(trainer.model.predict(v.astype(np.float32), verbose=0), np.float64) for v in views]
    return np.mean(outputs, axis=0)


@pytest.fixture(scope="module")
def binary(binary_run):  # type: ignore[no-untyped-def]
    """The shared binary run (augmenter "flip"), its test images, their views and the expected TTA probabilities."""
    trainer = binary_run.trainer()
    assert [a.name for a in trainer.config.augmenters] == ["flip"]
    images = trainer.split("test").load_images(trainer.config.image_size)
    views = views_of(trainer, images, "flip")
    assert all(not np.array_equal(v, images) for v in views[1:])  # the views differ from the images
    return trainer, images, mean_over_views(trainer, views)[:, -1]


def test_trainer_predict_averages_the_documented_views(binary) -> None:  # type: ignore[no-untyped-def]
    trainer, images, expected = binary
    np.testing.assert_allclose(trainer.predict(images, tta=VIEWS), expected, rtol=1e-5, atol=1e-6)
    plain = trainer.predict(images)
    assert not np.allclose(plain, expected)  # the views changed something
    # The same seed, the same views: TTA is repeatable.
    np.testing.assert_array_equal(trainer.predict(images, tta=VIEWS), trainer.predict(images, tta=VIEWS))


def test_an_images_tta_probability_does_not_depend_on_its_batch(binary) -> None:  # type: ignore[no-untyped-def]
    trainer, images, expected = binary
    for batch_size in (1, 3, 64):
        np.testing.assert_allclose(trainer.predict(images, tta=VIEWS, batch_size=batch_size), expected, atol=1e-6)
    # Nor on the other images it comes with, or their order.
    reordered = np.concatenate([images[7:], images[:7]])
    np.testing.assert_allclose(trainer.predict(reordered, tta=VIEWS)[-7:], expected[:7], atol=1e-6)
    np.testing.assert_allclose(trainer.predict(images[3:4], tta=VIEWS), expected[3:4], atol=1e-6)


def test_trainer_evaluate_reports_the_averaged_probabilities(binary) -> None:  # type: ignore[no-untyped-def]
    trainer, _, expected = binary
    report = trainer.evaluate("test", tta=VIEWS, save=False, bootstrap=0)
    np.testing.assert_allclose(report.probabilities, expected, rtol=1e-5, atol=1e-6)


def test_predict_files_averages_the_same_views(binary, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from lesionkit.data.loading.images import load_image

    trainer, images, expected = binary
    files = []
    for i, image in enumerate(images):
        files.append(tmp_path / f"ISIC_{i:07d}.png")  # lossless, at the run's size: decoded as it was
        Image.fromarray(image).save(files[-1])
    assert all(np.array_equal(load_image(f, trainer.config.image_size), im) for f, im in zip(files, images))
    # One chunk: the views of the whole split, as evaluate draws them.
    task, probabilities, skipped = predict_files(trainer, files, tta=VIEWS)
    assert task == "melanoma" and skipped == []
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)
    # Chunks smaller than the input (5, 5 and 2 files; one file at a time): the same probabilities.
    for batch in (5, 1):
        _, chunked, _ = predict_files(trainer, files, tta=VIEWS, batch=batch)
        np.testing.assert_allclose(chunked, expected, rtol=1e-5, atol=1e-6)


def test_an_ensemble_of_one_run_averages_its_views(binary_run, binary) -> None:  # type: ignore[no-untyped-def]
    _, _, expected = binary
    ensemble = Ensemble.from_runs([binary_run.path, binary_run.path])
    np.testing.assert_allclose(ensemble.predict_split("test", tta=VIEWS), expected, rtol=1e-5, atol=1e-6)


def test_without_training_augmenters_the_views_are_flips_and_rotations(three_class_run) -> None:  # type: ignore[no-untyped-def]
    trainer = three_class_run.trainer()
    assert trainer.config.augmenters == ()
    images = trainer.split("test").load_images(trainer.config.image_size)
    views = views_of(trainer, images, "tta_default")
    expected = mean_over_views(trainer, views)
    # Each view is a flip or 90° rotation of every image: the same pixels, rearranged.
    for view in views[1:]:
        dihedral = [np.rot90(im, k) for im in (images[0], images[0][:, ::-1]) for k in range(4)]
        assert any(np.array_equal(view[0], d) for d in dihedral)
    probabilities = trainer.predict(images, tta=VIEWS)
    assert probabilities.shape == (len(images), 3)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
