"""Every example runs (small mode), and the training-side CLI commands work on synthetic data."""

from __future__ import annotations

import csv
import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import roc_auc_score
from tiny_runs import RESNET18

from lesionkit.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TINY = '{"name": "synthetic", "params": {"sizes": {"train": 16, "validation": 8, "test": 8}}}'


def saved_predictions(report_dir: Path) -> tuple[list[int], list[float]]:
    """Labels and positive-class probabilities of a binary report's predictions.csv."""
    with (report_dir / "predictions.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [int(r["label"]) for r in rows], [float(r["probability"]) for r in rows]


def run_example(name: str, argv: list[str], monkeypatch) -> dict:
    monkeypatch.setattr(sys, "argv", [name, *argv])
    return runpy.run_path(str(EXAMPLES / name), run_name="example")


def fit_args(run_dir: Path) -> list[str]:
    """`lesionkit fit` of a one-epoch, 32-px synthetic run into ``run_dir``."""
    flags = "seborrheic_keratosis_conv5 --dataset synthetic --weights none --image-size 32 --epochs 1 --batch-size 8"
    return [
        "fit",
        *flags.split(),
        "--run-dir",
        str(run_dir),
        "--set",
        f"dataset={TINY}",
        "--set",
        'augmenters=[{"name": "flip"}]',
        "--set",
        f"backbone={json.dumps(RESNET18)}",  # the command is the subject here, not the backbone
    ]


@pytest.fixture(scope="module")
def sk_run(tmp_path_factory) -> Path:
    """A one-epoch run trained through `lesionkit fit`."""
    run_dir = tmp_path_factory.mktemp("cli") / "sk"
    assert main(fit_args(run_dir)) == 0
    return run_dir


def test_fit_command_writes_a_run(sk_run: Path, capsys) -> None:
    config = json.loads((sk_run / "config.json").read_text())  # every flag and --set took effect
    assert config["dataset"]["params"]["sizes"] == {"train": 16, "validation": 8, "test": 8}
    assert [a["name"] for a in config["augmenters"]] == ["flip"]
    assert (config["image_size"], config["epochs"], config["batch_size"], config["weights"]) == (32, 1, 8, None)
    assert json.loads((sk_run / "state.json").read_text())["epoch"] == 1
    assert (sk_run / "reports" / "test" / "report.md").is_file()


def test_fit_resume_and_refusal(sk_run: Path, capsys) -> None:
    args = [*fit_args(sk_run), "--evaluate", ""]
    assert main(args) == 2  # exists: refused, one clear line
    assert "--resume" in capsys.readouterr().err
    history = (sk_run / "history.csv").read_text()
    assert main([*args, "--resume"]) == 0  # already complete: nothing to do...
    assert (sk_run / "history.csv").read_text() == history  # ...and nothing was trained again


def test_resume_with_the_printed_command_keeps_the_paper_row(sk_run: Path, capsys) -> None:
    """`lesionkit fit RUN/config.json --run-dir RUN --resume` (what an interrupted fit prints) reports the paper's row."""
    assert json.loads((sk_run / "reference.json").read_text())["metrics"]["roc_auc"] == 0.695
    assert main(["fit", str(sk_run / "config.json"), "--run-dir", str(sk_run), "--resume"]) == 0
    assert "paper" in capsys.readouterr().out
    report = json.loads((sk_run / "reports" / "test" / "metrics.json").read_text())
    assert report["reference"]["roc_auc"] == 0.695


def test_predict_command_writes_isic_submission(sk_run: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(folder / f"ISIC_{i:07d}.jpg")
    (folder / "ISIC_0000009.jpg").write_bytes(b"not a jpeg")  # skipped and reported
    out = tmp_path / "pred.csv"
    assert main(["predict", str(sk_run), str(folder), "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["image_id"] for r in rows] == ["ISIC_0000000", "ISIC_0000001", "ISIC_0000002"]
    assert all(r["melanoma"] == "" for r in rows)  # the run's task alone
    from lesionkit import Trainer
    from lesionkit.data.loading.images import load_image

    expected = Trainer.from_run(sk_run).predict(
        np.stack([load_image(folder / f"ISIC_{i:07d}.jpg", 32) for i in range(3)])
    )
    np.testing.assert_allclose([float(r["seborrheic_keratosis"]) for r in rows], expected, atol=2e-6)
    printed = capsys.readouterr().out
    assert "skipped" in printed and "ISIC_0000009" in printed and "1 images skipped" in printed
    assert main(["predict", str(sk_run), str(tmp_path / "missing"), "-o", str(out)]) == 2


def test_evaluate_command_with_tta_keeps_both_reports(sk_run: Path, capsys) -> None:
    assert main(["evaluate", str(sk_run), "--tta", "2"]) == 0
    out = capsys.readouterr().out
    assert "(test, TTA ×2)" in out and "ISIC 2017 (seborrheic_keratosis): AUC" in out
    metrics = json.loads((sk_run / "reports" / "test-tta2" / "metrics.json").read_text())
    labels, probabilities = saved_predictions(sk_run / "reports" / "test-tta2")
    assert metrics["tta"] == 2 and metrics["metrics"]["roc_auc"] == pytest.approx(roc_auc_score(labels, probabilities))
    assert f"{metrics['metrics']['roc_auc']:.4f}" in out  # the printed table shows the saved figure
    assert json.loads((sk_run / "reports" / "test" / "metrics.json").read_text())["tta"] == 1
    assert main(["evaluate", str(sk_run / "missing")]) == 2
    assert "not a lesionkit run directory" in capsys.readouterr().err
    assert main(["runs", str(sk_run.parent)]) == 0  # the real run, as `lesionkit runs` lists it
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith(sk_run.name))
    assert "seborrheic_keratosis_conv5" in row and " done " in row and "×2" in row


def test_evaluate_on_an_external_dataset_keeps_reports_apart(sk_run: Path, tmp_path: Path, capsys) -> None:
    external = tmp_path / "ext"
    for i, cls in enumerate(["nevus", "nevus", "sk", "sk"]):
        folder = external / "test" / cls
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((40, 40, 3), 60 * i, np.uint8)).save(folder / f"e{i}.jpg")
    own = (sk_run / "reports" / "test" / "metrics.json").read_text()
    args = ["evaluate", str(sk_run), "--dataset", "folder", "--data-dir", str(external), "--cache-dir", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "paper" not in out  # the paper's row belongs to ISIC 2017, not to this data
    report = json.loads((sk_run / "reports" / "folder-ext-test" / "metrics.json").read_text())
    rows = list(csv.DictReader((sk_run / "reports" / "folder-ext-test" / "predictions.csv").open()))
    assert [(r["image_id"], r["label"]) for r in rows] == [("e0", "0"), ("e1", "0"), ("e2", "1"), ("e3", "1")]
    assert report["task"] == "seborrheic_keratosis"
    assert report["metrics"]["roc_auc"] == pytest.approx(
        roc_auc_score([0, 0, 1, 1], [float(r["probability"]) for r in rows])
    )
    assert (sk_run / "reports" / "test" / "metrics.json").read_text() == own  # the run's own report untouched


def test_export_command_writes_a_loadable_model(sk_run: Path, tmp_path: Path, capsys) -> None:
    from lesionkit import load_model

    assert main(["export", str(sk_run), "-o", str(tmp_path / "sk.keras")]) == 0
    from lesionkit import Trainer

    model = load_model(tmp_path / "sk.keras")
    images = np.stack([np.full((32, 32, 3), v, np.float32) for v in (60.0, 120.0, 200.0)])
    probabilities = model.predict(images, verbose=0)
    assert probabilities.shape == (3, 2)  # the run's own (best) weights, not any model
    np.testing.assert_allclose(probabilities[:, -1], Trainer.from_run(sk_run).predict(images), atol=1e-6)
    assert main(["export", str(sk_run), "-o", str(tmp_path / "sk.h5")]) == 2
    assert "must end in .keras" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_command_trains_evaluates_and_keeps_the_run(tmp_path: Path, capsys, monkeypatch) -> None:
    """README command 1 (`lesionkit demo`), at 32 px, one epoch, on 16 synthetic training images."""
    from lesionkit.data.sources import synthetic

    monkeypatch.setitem(synthetic.DEFAULT_SIZES, "train", 16)
    monkeypatch.setitem(synthetic.DEFAULT_SIZES, "validation", 8)
    monkeypatch.setitem(synthetic.DEFAULT_SIZES, "test", 8)
    assert main(["demo", "--image-size", "32", "--epochs", "1", "--run-dir", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "Synthetic lesions, 32 px, 1 epoch." in out
    assert "melanoma_conv5 (test)" in out and "paper" in out  # ours beside the paper's row
    assert "TensorFlow import" in out and "1 epoch on 16 images, validating on 8" in out  # where the time went
    assert "test evaluation" in out and "(8 images)" in out
    auc = float(out.split("melanoma ROC AUC on the synthetic test split: ")[1].split()[0])
    saved = json.loads((tmp_path / "demo" / "reports" / "test" / "metrics.json").read_text())
    assert auc == pytest.approx(saved["metrics"]["roc_auc"], abs=5e-4)  # printed to 3 decimals
    labels, probabilities = saved_predictions(tmp_path / "demo" / "reports" / "test")
    assert saved["metrics"]["roc_auc"] == pytest.approx(roc_auc_score(labels, probabilities))
    assert json.loads((tmp_path / "demo" / "state.json").read_text())["epoch"] == 1
    assert (tmp_path / "demo" / "reports" / "test" / "report.md").is_file()


def test_predict_recursive_finds_images_in_subfolders(sk_run: Path, tmp_path: Path, capsys) -> None:
    tree = tmp_path / "tree"
    (tree / "melanoma").mkdir(parents=True)
    Image.fromarray(np.full((36, 36, 3), 90, np.uint8)).save(tree / "melanoma" / "ISIC_0000005.jpg")
    out = tmp_path / "pred.csv"
    assert main(["predict", str(sk_run), str(tree), "-o", str(out)]) == 2
    assert "add -r to look in subfolders" in capsys.readouterr().err
    assert main(["predict", str(sk_run), str(tree), "-r", "-o", str(out)]) == 0
    assert [r["image_id"] for r in csv.DictReader(out.open())] == ["ISIC_0000005"]


@pytest.mark.slow
def test_reproduce_command_one_method(tmp_path: Path, capsys) -> None:
    flags = "--dataset synthetic --weights none --image-size 32 --epochs 1 --batch-size 8"
    args = [
        "reproduce",
        "--task",
        "seborrheic_keratosis",
        "--methods",
        "conv5",
        "--root",
        str(tmp_path),
        *flags.split(),
    ]
    sets = [
        "--set",
        f"dataset={TINY}",
        "--set",
        'augmenters=[{"name": "flip"}]',
        "--set",
        f"backbone={json.dumps(RESNET18)}",
    ]
    assert main([*args, *sets]) == 0
    assert "| lesionkit |" in capsys.readouterr().out
    assert (tmp_path / "paper_table_seborrheic_keratosis.md").is_file()
    assert (tmp_path / "seborrheic_keratosis_conv5" / "state.json").is_file()
    assert main(["reproduce", "--task", "melanoma", "--methods", "conv6", "--root", str(tmp_path / "r2")]) == 2
    assert "unknown method(s) conv6" in capsys.readouterr().err
    assert main(["reproduce", "--task", "melanoma", "--set", f"run_dir={tmp_path / 'r3'}"]) == 2
    assert "set --root instead" in capsys.readouterr().err
    assert not (tmp_path / "r2").exists()  # refused before anything trained


def test_presets_command(capsys) -> None:
    assert main(["presets", "melanoma_*"]) == 0
    out = capsys.readouterr().out
    assert "melanoma_conv5" in out and "seborrheic" not in out and "Paper:" in out


def test_unknown_preset_is_one_clear_line(capsys) -> None:
    assert main(["fit", "melanoma_conv55", "--dataset", "synthetic"]) == 2
    err = capsys.readouterr().err
    assert "Did you mean 'melanoma_conv5'" in err and "Traceback" not in err


@pytest.mark.slow
def test_example_fit_preset(tmp_path: Path, monkeypatch) -> None:
    namespace = run_example("fit_preset.py", [], monkeypatch)
    auc = namespace["main"](["--small", "--run-dir", str(tmp_path / "run")])
    labels, probabilities = saved_predictions(tmp_path / "run" / "reports" / "test")
    assert auc == pytest.approx(roc_auc_score(labels, probabilities))  # the figure returned is the saved report's
    from lesionkit import Trainer, load_model

    # The exported model is the trained one: it predicts what the report saved.
    images = Trainer.from_run(tmp_path / "run", weights="none").split("test").load_images(32)
    exported = load_model(tmp_path / "run" / "model.keras").predict(images.astype(np.float32), verbose=0)[:, -1]
    np.testing.assert_allclose(exported, probabilities, atol=1e-5)


@pytest.mark.slow
def test_example_own_data_trains_on_class_folders_and_validates_externally(tmp_path: Path, monkeypatch) -> None:
    namespace = run_example("own_data.py", [], monkeypatch)
    results = namespace["main"](["--small", "--run-dir", str(tmp_path / "runs" / "own")])
    assert set(results) == {"test", "external"}
    reports = tmp_path / "runs" / "own" / "reports"
    for key, folder in (("test", "test"), ("external", "folder-other_clinic-test")):
        labels, probabilities = saved_predictions(reports / folder)
        assert results[key] == pytest.approx(roc_auc_score(labels, probabilities)), key
    external = tmp_path / "runs" / "example-own-data-images" / "other_clinic" / "test"
    assert sorted(p.name for p in external.iterdir()) == ["melanoma", "nevus", "seborrheic_keratosis"]
    labels, _ = saved_predictions(reports / "folder-other_clinic-test")
    per_class = len(list((external / "melanoma").iterdir()))
    assert len(labels) == 3 * per_class and sum(labels) == per_class  # every external image once; melanomas positive


@pytest.mark.slow
def test_example_custom_components(tmp_path: Path, monkeypatch) -> None:
    namespace = run_example("custom_components.py", [], monkeypatch)
    try:
        metrics = namespace["main"](str(tmp_path / "run"))
        saved = json.loads((tmp_path / "run" / "reports" / "test" / "metrics.json").read_text())
        assert metrics == pytest.approx(saved["metrics"], nan_ok=True)
        labels, probabilities = saved_predictions(tmp_path / "run" / "reports" / "test")
        assert metrics["roc_auc"] == pytest.approx(roc_auc_score(labels, probabilities))
        config = json.loads((tmp_path / "run" / "config.json").read_text())
        assert config["head"] == {"name": "two_layer", "params": {"units": 16}}
        assert config["schedule"] == {"name": "halve_every", "params": {"every": 1}}
        from lesionkit import Trainer

        model = Trainer.from_run(tmp_path / "run").model  # the registered head, two hidden layers of 16 units
        assert [layer.units for layer in model.layers if hasattr(layer, "units")] == [16, 16, 2]
    finally:
        import lesionkit

        lesionkit.heads.unregister("two_layer")
        lesionkit.schedules.unregister("halve_every")


def test_example_predict_folder(sk_run: Path, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.fromarray(np.full((32, 32, 3), 120, np.uint8)).save(folder / "ISIC_0000001.png")
    namespace = run_example("predict_folder.py", [], monkeypatch)
    out = namespace["main"]([str(sk_run), str(folder), "-o", str(tmp_path / "p.csv"), "--with", str(sk_run)])
    from lesionkit import Trainer
    from lesionkit.evaluation.prediction.predict import predict_files

    _, expected, _ = predict_files(Trainer.from_run(sk_run), [folder / "ISIC_0000001.png"])
    lines = out.read_text().splitlines()
    assert lines == ["image_id,melanoma,seborrheic_keratosis", f"ISIC_0000001,,{expected[0]:.6f}"]
