"""Ensembles: the mean of the members' own predictions, refused across tasks or images, and on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lesionkit import Ensemble, Trainer
from lesionkit.cli import main
from lesionkit.training.ensemble import EnsembleError

TINY = {"name": "synthetic", "params": {"sizes": {"train": 8, "validation": 8, "test": 12}}}
CONFIG = {
    "name": "member",
    "dataset": TINY,
    "backbone": "resnet18",
    "weights": None,
    "trainable": "none",
    "image_size": 32,
    "batch_size": 4,
    "epochs": 1,
}


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("ensemble")
    paths = []
    for seed, size in ((0, 32), (1, 40)):  # members may differ in seed and image size
        path = root / f"seed{seed}"
        Trainer({**CONFIG, "seed": seed, "image_size": size, "tta": 2, "run_dir": str(path)}).fit(verbose=0)
        paths.append(path)
    return paths


def test_the_ensemble_averages_what_each_member_predicts(run_dirs: list[Path], tmp_path: Path) -> None:
    ensemble = Ensemble.from_runs(run_dirs)
    assert len(ensemble) == 2 and ensemble.task == "melanoma"
    each = []
    for member in ensemble.members:
        split = member.split("test")
        each.append(member.predict(split.load_images(member.config.image_size), tta=2))
    mean = ensemble.predict_split("test")
    np.testing.assert_allclose(mean, (each[0] + each[1]) / 2, rtol=1e-6)

    report = ensemble.evaluate("test", bootstrap=0, out=tmp_path / "report")
    np.testing.assert_allclose(report.probabilities, mean)
    assert report.name == "ensemble of 2 (member, member)"
    # Each member says what went into its probabilities (synthetic lesions: no metadata, no prior).
    notes = [note for note in report.clinical.notes if note.startswith("member ")]
    assert notes == [f"member member ({path}): images alone" for path in run_dirs]
    assert json.loads((tmp_path / "report" / "metrics.json").read_text())["metrics"]["roc_auc"] == pytest.approx(
        report.metrics["roc_auc"]
    )


def test_members_must_share_task_and_images() -> None:
    with pytest.raises(EnsembleError, match="at least one run"):
        Ensemble([])
    melanoma, keratosis = Trainer(CONFIG), Trainer({**CONFIG, "task": "seborrheic_keratosis"})
    with pytest.raises(EnsembleError, match="share one task"):
        Ensemble([melanoma, keratosis])
    other_images = Trainer({**CONFIG, "dataset": {**TINY, "params": {"sizes": {"train": 8, "test": 5}}}})
    with pytest.raises(EnsembleError, match="other images than the first member's"):
        Ensemble([melanoma, other_images]).predict_split("test", tta=1)


def test_ensemble_command(run_dirs: list[Path], tmp_path: Path, capsys) -> None:
    out = tmp_path / "ens"
    argv = ["ensemble", *map(str, run_dirs), "--split", "validation", "--bootstrap", "0", "--tta", "1"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ensemble of 2" in printed and f"written to {out}" in printed
    assert (out / "metrics.json").is_file() and (out / "predictions.csv").is_file()
    assert main([*argv[:-2], "--tta", "0"]) == 2
    assert "--tta 0" in capsys.readouterr().err
    assert main(["ensemble", str(run_dirs[0]), "--split", "holdout"]) == 2
    assert "no 'holdout' split" in capsys.readouterr().err
