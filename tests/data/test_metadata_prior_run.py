"""A run with a metadata prior: fitted at the end of fit, kept in the run, applied and reported by evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import make_isic_layout

from lesionkit import Trainer
from lesionkit.cli import main
from lesionkit.config import ExperimentConfig
from lesionkit.evaluation.metadata_prior import MetadataPrior

CONFIG = {
    "name": "with_prior",
    "task": "isic2017_3class",
    "dataset": "isic2017",
    "backbone": "resnet18",
    "weights": None,
    "trainable": "none",
    "balance": "none",
    "image_size": 32,
    "batch_size": 3,
    "epochs": 1,
    "metadata_prior": ["age", "sex"],
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    root = make_isic_layout(tmp_path_factory.mktemp("data") / "isic2017")
    path = tmp_path_factory.mktemp("runs") / "with_prior"
    trainer = Trainer({**CONFIG, "data_dir": str(root), "run_dir": str(path)})
    trainer.fit(verbose=0)
    assert trainer.metadata_prior is not None and trainer.metadata_prior.n_cases == 6
    return path


def test_fit_keeps_the_prior_and_evaluate_applies_it(run_dir: Path) -> None:
    saved = json.loads((run_dir / "metadata_prior.json").read_text())
    assert saved["fields"] == ["age", "sex"] and saved["chosen_on"] == "train"
    assert saved["classes"] == ["nevus", "melanoma", "seborrheic_keratosis"]

    trainer = Trainer.from_run(run_dir)
    assert isinstance(trainer.metadata_prior, MetadataPrior)
    split = trainer.split("validation")
    images_only = trainer.predict(split.load_images(32))
    report = trainer.evaluate("validation", bootstrap=0)
    expected = trainer.metadata_prior.apply(images_only, split.metadata)
    np.testing.assert_allclose(report.probabilities, expected, rtol=1e-6)
    assert not np.allclose(report.probabilities, images_only)  # the ages and sexes moved them
    note = "metadata prior (age, sex) fitted on train (6 images) applied: 3 of 3 images had metadata"
    assert note in report.clinical.notes
    written = json.loads((run_dir / "reports" / "validation" / "metrics.json").read_text())
    assert note in written["notes"]


def test_cli_refits_the_prior_with_other_fields(run_dir: Path, capsys) -> None:
    assert main(["metadata-prior", str(run_dir), "--fields", "age"]) == 0
    out = capsys.readouterr().out
    # Ages of images 0 and 3 are "unknown": the age-only prior is fitted on the other 4.
    assert "metadata prior (age) fitted on train (4 images), classes nevus, melanoma" in out
    assert "metadata alone on validation (3 images), ROC AUC: nevus" in out
    assert json.loads((run_dir / "metadata_prior.json").read_text())["fields"] == ["age"]
    assert Trainer.from_run(run_dir, weights="none").metadata_prior.fields == ("age",)

    record = {"temperature": 1.5, "kind": "softmax", "chosen_on": "validation", "n_cases": 3}
    (run_dir / "calibration.json").write_text(json.dumps({**record, "nll_before": 1.0, "nll_after": 0.9}))
    assert main(["metadata-prior", str(run_dir), "--fields", "age"]) == 0
    assert "calibration.json predate this prior: run `lesionkit calibrate" in capsys.readouterr().out
    (run_dir / "calibration.json").unlink()

    assert main(["metadata-prior", str(run_dir), "--fields", "age,height"]) == 2
    assert "--fields 'age,height': give fields among age, sex, site" in capsys.readouterr().err


def test_cli_says_when_the_dataset_has_no_metadata(tmp_path: Path, capsys) -> None:
    run = tmp_path / "synthetic_run"
    run.mkdir()
    ExperimentConfig(name="s", dataset={"name": "synthetic", "params": {"sizes": {"train": 6, "validation": 3}}}).save(
        run / "config.json"
    )
    assert main(["metadata-prior", str(run)]) == 2
    err = capsys.readouterr().err
    assert "no train image has age or sex metadata" in err and "fit the prior on a dataset with metadata" in err
    assert not (run / "metadata_prior.json").exists()
