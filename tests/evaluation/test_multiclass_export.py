"""Exports, predict-from-file, explain and the error gallery of a multi-class (3-class) model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lesionkit import Trainer, load_model
from lesionkit.evaluation.prediction.explain import explain_files, save_error_gallery
from lesionkit.evaluation.prediction.exported import predict_exported
from lesionkit.evaluation.prediction.model_description import read_model_description

CLASSES = ("nevus", "melanoma", "seborrheic_keratosis")


@pytest.fixture(scope="module")
def trainer() -> Trainer:
    return Trainer(
        {
            "name": "three",
            "task": "isic2017_3class",
            "dataset": {"name": "synthetic", "params": {"sizes": {"train": 6, "validation": 6, "test": 12}}},
            "backbone": {"name": "resnet18", "params": {"preprocessing": "tf"}},
            "weights": None,
            "image_size": 32,
        }
    )


def test_export_and_predict_a_three_class_model(trainer: Trainer, tmp_path: Path) -> None:
    images = trainer.split("test").load_images(32)[:4]
    files = []
    for i, image in enumerate(images):
        files.append(tmp_path / f"m{i}.png")
        Image.fromarray(image).save(files[-1])
    model = load_model(trainer.export(tmp_path / "three.keras"))
    metadata = read_model_description(model)
    assert metadata is not None and metadata.classes == CLASSES and not metadata.binary
    result = predict_exported(model, metadata, files)
    expected = trainer.predict(images)
    assert expected.shape == (4, 3)
    np.testing.assert_allclose(result.probabilities, expected, atol=1e-5)
    assert result.decisions == tuple(CLASSES[i] for i in np.argmax(expected, axis=1))
    assert result.threshold is None


def test_explain_and_gallery_of_a_three_class_model(trainer: Trainer, tmp_path: Path) -> None:
    images = trainer.split("test").load_images(32)
    Image.fromarray(images[0]).save(tmp_path / "a.png")
    written, skipped = explain_files(
        trainer.model, [tmp_path / "a.png"], tmp_path / "out", image_size=32, class_names=CLASSES
    )
    assert [p.name for p in written] == ["a_gradcam.png"] and skipped == []
    report = trainer.evaluate("test", save=False)
    assert report.probabilities.shape == (12, 3)
    path = save_error_gallery(trainer.model, images, report, tmp_path / "gallery.png")
    with Image.open(path) as picture:
        assert picture.size[0] > 100
