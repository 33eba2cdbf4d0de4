"""A tiny trained run through ``lesionkit calibrate``, ``threshold``, ``evaluate --bootstrap``, ``compare`` and ``runs``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tiny_runs import TINY_SIZES

from lesionkit import Trainer
from lesionkit.cli import main
from lesionkit.runs import RunDir


@pytest.fixture(scope="module")
def run_dir(binary_run, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A private copy of the session's finished run: these commands write into it."""
    return binary_run.copy_to(tmp_path_factory.mktemp("runs"), "clinical")


@pytest.mark.filterwarnings("ignore:the fitted temperature:UserWarning")
def test_evaluate_calibrate_threshold_and_evaluate_again(run_dir: Path, capsys) -> None:
    assert main(["evaluate", str(run_dir), "--bootstrap", "50"]) == 0
    first = json.loads((run_dir / "reports" / "test" / "metrics.json").read_text())
    assert first["intervals"]["n_resamples"] == 50 and len(first["intervals"]["roc_auc_ci"]) == 2
    assert first["calibration"]["temperature"] is None
    assert first["operating_point"]["operating_point"]["chosen_on"].startswith("default")
    assert "intervals: stratified bootstrap (50 resamples" in capsys.readouterr().out

    assert main(["calibrate", str(run_dir), "--target-sensitivity", "0.8"]) == 0
    out = capsys.readouterr().out
    assert "fitted on validation" in out and "operating point p >" in out
    run = RunDir(run_dir)
    temperature, point = run.read_calibration(), run.read_operating_point()
    assert temperature["chosen_on"] == "validation" and point["chosen_on"] == "validation"

    # Every later prediction of the run goes through the temperature.
    trainer = Trainer.from_run(run_dir)
    images = trainer.split("test").load_images(32)
    calibrated = trainer.predict(images)
    trainer.temperature = None
    raw = trainer.predict(images)
    from lesionkit.evaluation.stats.calibration import apply_temperature

    np.testing.assert_allclose(calibrated, apply_temperature(raw, temperature["temperature"]), rtol=1e-9)

    assert main(["evaluate", str(run_dir), "--bootstrap", "0"]) == 0
    second = json.loads((run_dir / "reports" / "test" / "metrics.json").read_text())
    assert second["calibration"]["temperature"]["temperature"] == temperature["temperature"]
    assert second["operating_point"]["operating_point"]["threshold"] == point["threshold"]
    assert "roc_auc_ci" not in second["intervals"] and "roc_auc_delong_ci" in second["intervals"]
    assert second["metrics"]["roc_auc"] == pytest.approx(first["metrics"]["roc_auc"], abs=1e-6)
    card = json.loads((run_dir / "model_card.json").read_text())
    assert card["data"]["splits"] == TINY_SIZES
    assert card["calibration"]["temperature"] == temperature["temperature"]

    assert main(["threshold", str(run_dir), "--youden"]) == 0
    assert RunDir(run_dir).read_operating_point()["rule"] == "youden"
    capsys.readouterr()
    assert main(["runs", str(run_dir)]) == 0
    assert "test AUC (95% CI)" in capsys.readouterr().out


def test_compare_a_run_with_itself_and_a_missing_report(run_dir: Path, tmp_path: Path, capsys) -> None:
    main(["evaluate", str(run_dir), "--bootstrap", "0"])
    capsys.readouterr()
    assert main(["compare", str(run_dir), str(run_dir), "--bootstrap", "50", "--json", str(tmp_path / "c.json")]) == 0
    out = capsys.readouterr().out
    assert "ΔAUC (A − B)   +0.0000" in out and "p = 1.0000" in out
    assert json.loads((tmp_path / "c.json").read_text())["n_cases"] == TINY_SIZES["test"]
    assert main(["compare", str(run_dir), str(run_dir), "--split", "validation"]) == 2
    assert f"lesionkit evaluate {run_dir} --split validation" in capsys.readouterr().err
