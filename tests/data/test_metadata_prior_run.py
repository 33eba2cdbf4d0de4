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
from lesionkit.evaluation.posthoc.metadata_prior import MetadataPrior

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


def _validation_folder(run_dir: Path) -> Path:
    return Path(Trainer.from_run(run_dir, weights="none").config.data_dir) / "ISIC-2017_Validation_Data"


def _read_rows(path: Path) -> dict[str, list[float]]:
    lines = path.read_text().splitlines()[1:]
    return {line.split(",")[0]: [float(v) for v in line.split(",")[1:4]] for line in lines}


def test_predict_with_a_metadata_csv_applies_the_prior(run_dir: Path, tmp_path: Path, capsys) -> None:
    folder = _validation_folder(run_dir)
    csv = folder / "ISIC-2017_Validation_Data_metadata.csv"
    trainer = Trainer.from_run(run_dir)
    split = trainer.split("validation")
    expected = trainer.predict(split.load_images(32), tta=trainer.config.tta, metadata=split.metadata)
    images_only = trainer.predict(split.load_images(32), tta=trainer.config.tta)
    assert not np.allclose(expected, images_only)  # the prior moves them

    out = tmp_path / "with_meta.csv"
    assert main(["predict", str(run_dir), str(folder), "-o", str(out), "--metadata", str(csv)]) == 0
    printed = capsys.readouterr().out
    assert "metadata for 3 of 3 images" in printed and trainer.metadata_prior.describe() in printed
    rows = _read_rows(out)
    np.testing.assert_allclose([rows[i] for i in split.ids], expected, atol=2e-6)

    plain = tmp_path / "plain.csv"
    assert main(["predict", str(run_dir), str(folder), "-o", str(plain)]) == 0
    plain_rows = _read_rows(plain)
    np.testing.assert_allclose([plain_rows[i] for i in split.ids], images_only, atol=2e-6)


def test_predict_metadata_rows_missing_or_extra_are_counted(run_dir: Path, tmp_path: Path, capsys) -> None:
    folder = _validation_folder(run_dir)
    ids = sorted(p.stem for p in folder.glob("ISIC_???????.jpg"))
    csv = tmp_path / "partial.csv"  # ISIC 2019's column names: image, age_approx
    csv.write_text(f"image,age_approx,sex\n{ids[1]},70,male\nISIC_9999999,40,female\n")
    out = tmp_path / "partial_out.csv"
    assert main(["predict", str(run_dir), str(folder), "-o", str(out), "--metadata", str(csv)]) == 0
    assert "metadata for 1 of 3 images (2 without a row); 1 CSV row(s) name no image given" in capsys.readouterr().out

    unrelated = tmp_path / "unrelated.csv"
    unrelated.write_text("image_id,age_approximate,sex\nISIC_9999999,40,female\n")
    assert main(["predict", str(run_dir), str(folder), "-o", str(out), "--metadata", str(unrelated)]) == 2
    assert f"--metadata {unrelated}: none of the 3 images has a row (looked for ids like 'ISIC_" in (
        capsys.readouterr().err
    )

    bad = tmp_path / "no_id.csv"
    bad.write_text("name,age\nx,3\n")
    assert main(["predict", str(run_dir), str(folder), "-o", str(out), "--metadata", str(bad)]) == 2
    assert f"{bad}: no image id column (looked for image_id, image, isic_id" in capsys.readouterr().err


def test_predict_metadata_needs_a_prior(run_dir: Path, tmp_path: Path, capsys) -> None:
    import shutil

    copy = tmp_path / "no_prior"
    shutil.copytree(run_dir, copy)
    (copy / "metadata_prior.json").unlink()
    folder = _validation_folder(run_dir)
    csv = folder / "ISIC-2017_Validation_Data_metadata.csv"
    assert main(["predict", str(copy), str(folder), "-o", str(tmp_path / "o.csv"), "--metadata", str(csv)]) == 2
    assert "no metadata prior to use --metadata with; fit one with `lesionkit metadata-prior RUN`" in (
        capsys.readouterr().err
    )


def test_exported_model_carries_the_prior(run_dir: Path, tmp_path: Path, capsys) -> None:
    from lesionkit.evaluation.prediction.model_description import read_model_description
    from lesionkit.training.export import load_model

    model_file = tmp_path / "with_prior.keras"
    assert main(["export", str(run_dir), "-o", str(model_file)]) == 0
    baked = read_model_description(load_model(model_file))
    assert baked is not None and baked.metadata_prior == json.loads((run_dir / "metadata_prior.json").read_text())

    folder = _validation_folder(run_dir)
    csv = folder / "ISIC-2017_Validation_Data_metadata.csv"
    trainer = Trainer.from_run(run_dir)
    split = trainer.split("validation")
    expected = trainer.predict(split.load_images(32), tta=trainer.config.tta, metadata=split.metadata)
    out = tmp_path / "exported.csv"
    capsys.readouterr()
    assert main(["predict", str(model_file), str(folder), "-o", str(out), "--metadata", str(csv)]) == 0
    rows = _read_rows(out)
    np.testing.assert_allclose([rows[i] for i in split.ids], expected, atol=1e-5)


def test_an_ensemble_report_names_each_members_prior(run_dir: Path) -> None:
    from lesionkit import Ensemble

    ensemble = Ensemble.from_runs([run_dir])
    report = ensemble.evaluate("validation", bootstrap=0, tta=1)
    prior = ensemble.members[0].metadata_prior
    # The age-only prior of the test above leaves out image 6 (age unknown); age and sex: all three.
    known = 2 if prior.fields == ("age",) else 3
    assert f"member with_prior ({run_dir}): {prior.describe()}: {known} of 3 images had metadata" in (
        report.clinical.notes
    )
