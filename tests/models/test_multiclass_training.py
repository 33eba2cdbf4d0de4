"""A 3-class task end to end on tiny synthetic data (fit one epoch, predict, evaluate), and the multi-class Keras metrics."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from lesionkit.evaluation.stats.metrics import multiclass_metrics


@pytest.fixture(scope="module")
def fitted(three_class_run):  # type: ignore[no-untyped-def]
    """The session's three-class run (one epoch: its best checkpoint is its last)."""
    trainer = three_class_run.trainer()
    trainer.history = trainer.run.read_history()
    return trainer


def test_fit_follows_the_task_primary_metric(fitted) -> None:  # type: ignore[no-untyped-def]
    assert fitted.model.output_shape == (None, 3)
    header = (fitted.run_dir / "history.csv").read_text().splitlines()[0].split(",")
    assert {"val_mean_auc", "val_macro_auc", "val_balanced_accuracy", "mean_auc"} <= set(header)
    state = json.loads((fitted.run_dir / "state.json").read_text())
    assert state["monitor"] == "val_mean_auc"
    assert state["best_score"] == pytest.approx(float(fitted.history["val_mean_auc"][0]))


def test_predict_and_evaluate_three_classes(fitted) -> None:  # type: ignore[no-untyped-def]
    split = fitted.split("test")
    probabilities = fitted.predict(split.load_images(32))
    assert probabilities.shape == (12, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    report = fitted.evaluate("test", save=False)
    labels = split.labels("isic2017_3class")
    expected = multiclass_metrics(
        labels, probabilities, ("nevus", "melanoma", "seborrheic_keratosis"), ("melanoma", "seborrheic_keratosis")
    )
    assert report.metrics == pytest.approx(expected, nan_ok=True)
    assert report.is_multiclass and report.confusion_matrix.sum() == 12
    assert "balanced accuracy" in report.table() and "true \\ predicted" in report.table()
    out = fitted.run_dir / "reports" / "test"
    saved = json.loads((out / "metrics.json").read_text())  # the session fixture's evaluate, same weights
    assert saved["metrics"] == pytest.approx(report.metrics, nan_ok=True)
    assert saved["classes"] == ["nevus", "melanoma", "seborrheic_keratosis"]
    assert np.array_equal(saved["confusion_matrix"], report.confusion_matrix)
    assert set(saved["isic2017"]) == {"melanoma", "seborrheic_keratosis"}
    assert saved["metrics"]["mean_auc"] == pytest.approx(
        (saved["isic2017"]["melanoma"]["auc"] + saved["isic2017"]["seborrheic_keratosis"]["auc"]) / 2
    )
    with (out / "predictions.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["image_id", "label", "nevus", "melanoma", "seborrheic_keratosis"] and len(rows) == 13
    assert (out / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"


def test_keras_multiclass_metrics_match_scikit_learn() -> None:
    from lesionkit.training.optimization.keras_metrics import BalancedAccuracy, OneVsRestAUC

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 200)
    logits = rng.normal(size=(200, 4)) + 1.5 * np.eye(4)[labels]
    probabilities = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype("float32")
    one_hot = np.eye(4, dtype="float32")[labels]
    balanced = BalancedAccuracy(4)
    for part in np.array_split(np.arange(200), 3):  # accumulated over batches
        balanced.update_state(one_hot[part], probabilities[part])
    assert float(balanced.result()) == pytest.approx(balanced_accuracy_score(labels, probabilities.argmax(1)), abs=1e-6)
    macro = OneVsRestAUC(range(4), num_thresholds=2000)
    macro.update_state(one_hot, probabilities)
    assert float(macro.result()) == pytest.approx(roc_auc_score(labels, probabilities, multi_class="ovr"), abs=2e-3)
    mean = OneVsRestAUC((1, 2), name="mean_auc", num_thresholds=2000)
    mean.update_state(one_hot, probabilities)
    two = [roc_auc_score(labels == c, probabilities[:, c]) for c in (1, 2)]
    assert float(mean.result()) == pytest.approx(np.mean(two), abs=2e-3)
    assert OneVsRestAUC.from_config(mean.get_config()).columns == (1, 2)


def test_predict_command_writes_one_column_per_class(fitted, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from lesionkit.cli import main

    folder = tmp_path / "imgs"
    folder.mkdir()
    images = fitted.split("test").load_images(32)[:2]
    for i, image in enumerate(images):
        Image.fromarray(image).save(folder / f"ISIC_{i:07d}.png")
    (folder / "broken.png").write_bytes(b"not an image")
    out = tmp_path / "p.csv"
    assert main(["predict", str(fitted.run_dir), str(folder), "-o", str(out)]) == 0
    assert "1 images skipped" in capsys.readouterr().out
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["image_id", "nevus", "melanoma", "seborrheic_keratosis"]
    assert [r[0] for r in rows[1:]] == ["ISIC_0000000", "ISIC_0000001"]
    expected = fitted.predict(images)
    np.testing.assert_allclose(np.array(rows[1:])[:, 1:].astype(float), expected, atol=2e-6)
    assert main(["predict", str(fitted.run_dir), str(folder), "-o", str(out), "--with", str(fitted.run_dir)]) == 2
    assert "--with is for pairing" in capsys.readouterr().err


def test_evaluate_command_prints_each_positive_class(three_class_run, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from lesionkit.cli import main

    run = three_class_run.copy_to(tmp_path)  # the command writes a report into the run
    assert main(["evaluate", str(run), "--split", "validation"]) == 0
    out = capsys.readouterr().out
    assert "balanced accuracy" in out and "true \\ predicted" in out
    assert "ISIC 2017 (melanoma): AUC" in out and "ISIC 2017 (seborrheic_keratosis): AUC" in out
    assert (run / "reports" / "validation" / "confusion_matrix.png").is_file()
