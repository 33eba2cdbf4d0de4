"""Ensemble members that carry their own temperature or metadata prior: each is applied to its member only.

Two copies of the shared binary run, evaluated on an ISIC 2017 folder whose images have an age
and a sex: one calibrated (temperature 2.5), one with an age/sex prior fitted on the folder's
training split. The ensemble's probabilities must be the mean of the first member's tempered
and the second member's prior-weighted probabilities, computed here from the network's output.
"""

from __future__ import annotations

import numpy as np
import pytest

from lesionkit import Ensemble, Trainer
from lesionkit.evaluation.stats.calibration import TemperatureScaling
from lesionkit.runs import RunDir

TEMPERATURE = 2.5
DIAGNOSES = {
    "train": [0, 1, 2, 0, 1, 0, 1, 2, 0, 1, 0, 0],
    "validation": [0, 1, 2, 0],
    "test": [0, 1, 2, 0, 1, 2, 1, 0, 0],
}


def tempered(p: np.ndarray, temperature: float) -> np.ndarray:
    """sigmoid(logit(p) / T), by hand."""
    z = np.log(p) - np.log1p(-p)
    return 1 / (1 + np.exp(-z / temperature))


def test_each_member_applies_its_own_temperature_and_prior(binary_run, isic_layout, tmp_path) -> None:  # type: ignore[no-untyped-def]
    layout = isic_layout(tmp_path / "isic2017", DIAGNOSES)
    external = {"dataset": "isic2017", "data_dir": str(layout)}
    hot, informed = binary_run.copy_to(tmp_path, "hot"), binary_run.copy_to(tmp_path, "informed")
    RunDir(hot).write_calibration(
        {**TemperatureScaling(TEMPERATURE, "binary", "validation", 12, 0.70, 0.65).to_dict(), "tta": 1}
    )
    Trainer.from_run(informed, data=external).fit_metadata_prior(("age", "sex"))  # saved into the run

    members = [Trainer.from_run(path, data=external) for path in (hot, informed)]
    assert members[0].temperature is not None and members[0].metadata_prior is None
    assert members[1].temperature is None and members[1].metadata_prior is not None
    ensemble = Ensemble(members)
    averaged = ensemble.predict_split("test", tta=1)

    split = members[0].split("test")
    images = split.load_images(members[0].config.image_size)
    raw = np.asarray(members[0].model.predict(images.astype(np.float32), verbose=0), np.float64)[:, -1]
    first = tempered(raw, TEMPERATURE)
    second = members[1].metadata_prior.apply(raw, split.metadata)
    # Both changed something (else the test could not tell them apart), and differently.
    assert np.abs(first - raw).max() > 1e-4 and np.abs(second - raw).max() > 1e-4
    np.testing.assert_allclose(averaged, (first + second) / 2, rtol=1e-5, atol=1e-6)

    report = ensemble.evaluate("test", tta=1, bootstrap=0)
    np.testing.assert_allclose(report.probabilities, averaged)
    notes = [note for note in report.clinical.notes if note.startswith("member ")]
    assert notes[0].endswith(f"images alone; temperature {TEMPERATURE:.3g}")
    assert "images had metadata" in notes[1] and "temperature" not in notes[1]


@pytest.mark.parametrize("temperature", [0.5, 4.0])
def test_tempered_by_hand(temperature: float) -> None:
    """The hand formula above against the library's, so the ensemble test rests on a checked reference."""
    from lesionkit.evaluation.stats.calibration import apply_temperature

    p = np.array([0.05, 0.3, 0.5, 0.9])
    np.testing.assert_allclose(tempered(p, temperature), apply_temperature(p, temperature), rtol=1e-9)
    assert tempered(np.array([0.5]), temperature)[0] == pytest.approx(0.5)
