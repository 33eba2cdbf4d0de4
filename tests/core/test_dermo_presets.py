"""Presets without ImageNet: valid configs, fine-tuning presets that insist on weights=."""

from __future__ import annotations

import pytest

from lesionkit import Trainer, presets
from lesionkit.config import ConfigError
from lesionkit.presets.dermoscopy import NEEDS_WEIGHTS, dermo_configs


def test_every_dermo_preset_is_registered_and_valid() -> None:
    for name, config in dermo_configs().items():
        assert presets.get(name).config == config
        config.validate_components()
        assert config.backbone.name == "resnet18" and config.weights is None
    assert dermo_configs()["ham10000_dx7"].task == "dx7"
    assert dermo_configs()["isic2017_3class_scratch"].task == "isic2017_3class"
    joint, finetune = dermo_configs()["isic2017_3class_joint"], dermo_configs()["isic2017_3class_joint_finetune"]
    assert joint.dataset == finetune.dataset and joint.dataset.name == "joint"
    assert (joint.image_size, finetune.image_size) == (64, 128)  # progressive resizing
    assert joint.metadata_prior == finetune.metadata_prior == ("age", "sex")
    # The long preset is the joint one with more epochs, nothing else.
    long = dermo_configs()["isic2017_3class_joint_long"]
    assert long.epochs == 40 > joint.epochs
    assert long.evolve(name=joint.name, description=joint.description, epochs=joint.epochs) == joint


@pytest.mark.parametrize("name", NEEDS_WEIGHTS)
def test_fine_tuning_presets_require_weights(name: str) -> None:
    with pytest.raises(ConfigError, match=f"preset '{name}' fine-tunes a pretrained backbone: pass weights="):
        Trainer.from_preset(name)
    with pytest.raises(ConfigError, match=NEEDS_WEIGHTS[name].split(" (")[0]):
        presets.get(name)(epochs=1)
    # Given weights, the preset builds a Trainer; the backbone's preprocessing is left to them.
    trainer = Trainer.from_preset(name, weights="runs/ham")
    assert trainer.config.weights == "runs/ham" and "preprocessing" not in trainer.config.backbone.params


def test_scratch_presets_need_no_weights() -> None:
    assert Trainer.from_preset("isic2017_3class_scratch").config.weights is None
    assert "Requires weights=" in presets.describe("melanoma_dermo")
    assert "Requires weights=" not in presets.describe("ham10000_dx7")


def test_extra_data_dir_reaches_the_joint_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    from lesionkit.cli import main
    from lesionkit.cli._options import extra_data_dirs_override

    spec = extra_data_dirs_override(dermo_configs()["isic2017_3class_joint"].dataset, ["/data/ham"])
    assert spec["params"]["extra"] == [{"name": "ham10000", "params": {"data_dir": "/data/ham"}}]
    assert spec["params"]["relabel"] == {"bkl": "seborrheic_keratosis"}
    assert main(["fit", "melanoma_dermo", "--weights", "runs/ham", "--extra-data-dir", "/data/ham"]) == 2
    assert "--extra-data-dir is for the joint dataset" in capsys.readouterr().err
    two = ["--extra-data-dir", "/a", "--extra-data-dir", "/b"]
    assert main(["fit", "isic2017_3class_joint", *two]) == 2
    assert "2 --extra-data-dir given, but the joint dataset has 1" in capsys.readouterr().err
