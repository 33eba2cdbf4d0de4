"""Presets: configured as the paper describes, and every family trains for an epoch."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from tiny_runs import RESNET18

from lesionkit import presets
from lesionkit.config import ComponentSpec
from lesionkit.presets.reproduce import METHOD_TITLES, METHODS, reproduce

# One training step per epoch at batch 8; the test split still holds a melanoma (for a ROC AUC).
TINY = {"name": "synthetic", "params": {"sizes": {"train": 8, "validation": 4, "test": 8}}}
PAPER = [f"{task}_{method}" for task in ("melanoma", "seborrheic_keratosis") for method in METHODS]


def test_all_presets_listed_with_descriptions() -> None:
    names = presets.names()
    assert set(PAPER) | {"melanoma_best", "seborrheic_keratosis_best"} <= set(names)
    for name in names:
        assert presets.summary(name)
    assert presets.summary("melanoma_conv5").startswith("Paper: ResNet-50 ImageNet fine-tuning, only conv5_x")


def test_presets_are_records() -> None:
    from lesionkit import Trainer
    from lesionkit.presets import Preset

    preset = presets.get("melanoma_conv5")
    assert isinstance(preset, Preset)
    assert preset.name == preset.config.name == "melanoma_conv5"
    assert preset.reference == presets.PAPER_RESULTS["melanoma_conv5"]
    assert presets.get("melanoma_best").reference is None  # beyond the paper: no published row
    trainer = Trainer.from_preset("melanoma_conv5", epochs=3)
    assert trainer.config == preset.config.evolve(epochs=3) == presets.melanoma_conv5(epochs=3).config
    assert trainer.reference == preset.reference
    text = presets.describe("melanoma_conv5")
    assert "origin: built-in" in text and "roc_auc 0.6303" in text and '"trainable": "conv5"' in text


def test_a_plugin_preset_function_still_works() -> None:
    """Plugins register ``factory(**overrides) -> Trainer`` functions; from_preset calls them."""
    from lesionkit import Trainer, registries

    def my_preset(**overrides: object) -> Trainer:
        """A plugin's preset."""
        return Trainer.from_preset("melanoma_conv5", name="mine", **overrides)

    registries.presets.register("my_test_preset", my_preset)
    try:
        assert Trainer.from_preset("my_test_preset", epochs=2).config.name == "mine"
        assert presets.my_test_preset(epochs=2).config.epochs == 2
        assert presets.summary("my_test_preset") == "A plugin's preset."
        assert "A plugin's preset." in presets.describe("my_test_preset")
    finally:
        registries.presets.unregister("my_test_preset")


@pytest.mark.parametrize("name", PAPER)
def test_paper_preset_matches_the_paper(name: str) -> None:
    cfg = presets.create(name).config
    task = "melanoma" if name.startswith("melanoma") else "seborrheic_keratosis"
    method = name[len(task) + 1 :]
    assert cfg.task == task and cfg.image_size == 224 and cfg.dataset.name == "isic2017"
    assert cfg.augmenters == (ComponentSpec("paper_table1", {"backend": "imgaug"}),)
    assert cfg.balance == "paper"
    assert cfg.head.name == "softmax"
    assert cfg.loss.name == "weighted_categorical_crossentropy"
    assert cfg.optimizer.name == "sgd"
    assert cfg.schedule == ComponentSpec("step_decay", {"first_drop": 20, "every": 10, "factor": 0.1})
    expected = {
        "resnet50_scratch": ("resnet50", None, "none"),
        "resnet101_scratch": ("resnet101", None, "none"),
        "conv5": ("resnet50", "imagenet", "conv5"),
        "conv4_conv5": ("resnet50", "imagenet", "conv4_conv5"),
    }[method]
    assert (cfg.backbone.name, cfg.weights, cfg.trainable) == expected
    if cfg.weights is None:
        assert cfg.backbone.params == {"preprocessing": "tf"}
    if cfg.weights == "imagenet":
        assert cfg.learning_rate == 1e-4  # the paper's fine-tuning rate
    assert presets.create(name).reference == presets.PAPER_RESULTS[name]


def test_overrides_apply_and_are_checked() -> None:
    trainer = presets.melanoma_conv5(dataset="synthetic", epochs=3, seed=7, weights=None)
    assert trainer.config.dataset.name == "synthetic" and trainer.config.epochs == 3 and trainer.config.seed == 7
    with pytest.raises(ValueError, match="Did you mean 'epochs'"):
        presets.melanoma_conv5(epoch=3)


def _saved_predictions(run: Path) -> tuple[list[int], list[float]]:
    with (run / "reports" / "test" / "predictions.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [int(r["label"]) for r in rows], [float(r["probability"]) for r in rows]


@pytest.mark.slow
def test_reproduce_trains_every_paper_family(tmp_path) -> None:
    """One epoch of each of the paper's four methods (ResNet-50 and -101: the subject) at 32 px, and the paper table."""
    result = reproduce(
        "melanoma",
        root=tmp_path,
        dataset=TINY,
        weights=None,
        image_size=32,  # the smallest input Keras's ResNets accept
        epochs=1,
        batch_size=8,
        augmenters=[{"name": "flip"}],
        verbose=0,
    )
    assert list(result.reports) == list(METHODS)
    table = (tmp_path / "paper_table_melanoma.md").read_text()
    for method, report in result.reports.items():
        run = tmp_path / f"melanoma_{method}"
        config = json.loads((run / "config.json").read_text())
        assert (config["backbone"]["name"], config["trainable"]) == {
            "resnet50_scratch": ("resnet50", "none"),
            "resnet101_scratch": ("resnet101", "none"),
            "conv5": ("resnet50", "conv5"),
            "conv4_conv5": ("resnet50", "conv4_conv5"),
        }[method]
        assert json.loads((run / "state.json").read_text())["epoch"] == 1
        # The report scores the predictions it saved, as scikit-learn does; the table shows that figure.
        labels, probabilities = _saved_predictions(run)
        assert report.metrics["roc_auc"] == pytest.approx(roc_auc_score(labels, probabilities))
        assert report.metrics["accuracy"] == pytest.approx(np.mean((np.array(probabilities) > 0.5) == labels))
        row = next(line for line in table.splitlines() if line.startswith(f"| {METHOD_TITLES[method]} | lesionkit"))
        assert f"{report.metrics['roc_auc']:.4f}" in row and f"{report.metrics['accuracy']:.4f}" in row
    assert "ResNet-101 scratch" in table and "0.5449" in table  # the paper's row is there
    assert table.count("| lesionkit |") == 4
    assert (tmp_path / "paper_auc_melanoma.png").is_file()


def test_reproduce_restarts_a_method_killed_before_its_first_checkpoint(tmp_path) -> None:
    tiny = dict(dataset=TINY, weights=None, image_size=32, epochs=1, batch_size=8, augmenters=[{"name": "flip"}])
    tiny["backbone"] = RESNET18  # the restart is the subject here, not the paper's backbone
    killed = tmp_path / "melanoma_conv5"
    killed.mkdir()
    presets.melanoma_conv5(**tiny, run_dir=str(killed)).config.save(killed / "config.json")  # no state.json
    result = reproduce("melanoma", root=tmp_path, methods=("conv5",), verbose=0, **tiny)
    assert list(result.reports) == ["conv5"] and (killed / "state.json").is_file()
    assert json.loads((killed / "state.json").read_text())["epoch"] == 1


def test_reproduce_refuses_unknown_methods_before_training(tmp_path) -> None:
    with pytest.raises(ValueError, match="unknown method.*conv6.*resnet50_scratch"):
        reproduce("melanoma", root=tmp_path, methods=("conv5", "conv6"), dataset="synthetic")
    assert not any(tmp_path.iterdir())


def test_best_preset_trains(tmp_path) -> None:
    trainer = presets.seborrheic_keratosis_perez2018(
        dataset=TINY,
        weights=None,
        image_size=32,
        epochs=2,
        batch_size=8,
        run_dir=str(tmp_path / "best"),
        tta=2,
        # From scratch (no download in tests), so scale inputs as scratch presets do; ResNet-18,
        # since the recipe (augmentation, optimiser, schedule, TTA) is the subject, not the backbone.
        backbone=RESNET18,
    )
    assert trainer.config.trainable == "none" and trainer.config.augmenters[0].name == "perez_j"
    history = trainer.fit(verbose=0)
    assert len(history["loss"]) == 2 and all(math.isfinite(v) for v in history["loss"])
    report = trainer.evaluate("test")
    images = trainer.split("test").load_images(32)
    # The report averages the recipe's two views (config.tta) of the trained model's predictions...
    np.testing.assert_allclose(report.probabilities, trainer.predict(images, tta=2), atol=1e-6)
    assert not np.allclose(report.probabilities, trainer.predict(images))
    labels = trainer.split("test").labels("seborrheic_keratosis")
    assert report.metrics["roc_auc"] == pytest.approx(roc_auc_score(labels, report.probabilities))
    # ...and saves them under the TTA report's folder.
    saved = json.loads((tmp_path / "best" / "reports" / "test-tta2" / "metrics.json").read_text())
    assert saved["tta"] == 2 and saved["metrics"]["roc_auc"] == pytest.approx(report.metrics["roc_auc"])
