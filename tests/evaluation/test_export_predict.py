"""Self-describing exports, predicting from the model file alone, TFLite, and the explain command."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lesionkit import Trainer
from lesionkit.cli import main
from lesionkit.evaluation.posthoc.chain import PostHoc
from lesionkit.evaluation.prediction.model_description import (
    ModelDescription,
    ModelDescriptionError,
    read_model_description,
)
from lesionkit.evaluation.stats.calibration import apply_temperature
from lesionkit.runs import RunDir

TINY = {"name": "synthetic", "params": {"sizes": {"train": 16, "validation": 8, "test": 12}}}
RUN = dict(
    name="tiny",
    dataset=TINY,
    backbone={"name": "resnet18", "params": {"preprocessing": "tf"}},
    weights=None,
    image_size=32,
    batch_size=8,
    epochs=1,
    tta=2,
    augmenters=[{"name": "flip"}],
    seed=1,  # a seed whose tiny model scores the three images apart (the run fixture checks)
)
TEMPERATURE = 1.7
#: TFLite float32 runs the same graph with other kernels; dynamic-range quantisation rounds weights to int8.
TFLITE_FLOAT_TOLERANCE = 1e-4
TFLITE_DYNAMIC_TOLERANCE = 0.05


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(folder / f"img{i}.png")
    (folder / "broken.jpg").write_bytes(b"not an image")
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, images: Path) -> tuple[Path, float]:
    """A trained run with a temperature, a frozen threshold between two images' scores, and a model card."""
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    trainer = Trainer({**RUN, "run_dir": str(run_dir)})
    trainer.fit(verbose=0)
    trainer.evaluate("test")
    from lesionkit.data.loading.images import load_image

    batch = np.stack([load_image(images / f"img{i}.png", 32) for i in range(3)])
    calibrated = apply_temperature(trainer.predict(batch, tta=2), TEMPERATURE)
    # Two of the three images above it, half-way between two scores: predictions made along other
    # paths (an exported file, another process) agree to ~1e-6, so the margin must be wider.
    low, mid = np.sort(calibrated)[:2]
    assert mid - low > 1e-4, f"the tiny model scored two images alike ({low}, {mid}); change RUN's seed"
    threshold = float((low + mid) / 2)
    record = {"temperature": TEMPERATURE, "kind": "binary", "chosen_on": "validation", "n_cases": 8}
    RunDir(run_dir).write_calibration({**record, "nll_before": 0.7, "nll_after": 0.6})
    RunDir(run_dir).write_operating_point({"threshold": threshold, "rule": "youden", "chosen_on": "validation"})
    RunDir(run_dir).model_card_file.write_text("# Model card\n")
    return run_dir, threshold


@pytest.fixture(scope="module")
def exported(run: tuple[Path, float], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "model.keras"
    assert main(["export", str(run[0]), "-o", str(path)]) == 0
    return path


def test_test_report_has_an_error_gallery(run: tuple[Path, float]) -> None:
    gallery = RunDir(run[0]).report_dir("test-tta2") / "gradcam_errors.png"  # the config averages 2 views
    with Image.open(gallery) as picture:
        assert picture.size[0] > 200 and picture.size[1] > 200


def test_export_bakes_the_metadata_and_copies_the_model_card(run: tuple[Path, float], exported: Path) -> None:
    assert (exported.parent / "model.model_card.md").read_text() == "# Model card\n"
    elsewhere = exported.parent / "moved" / "copy.keras"  # no run directory beside it
    elsewhere.parent.mkdir()
    shutil.copy(exported, elsewhere)
    script = textwrap.dedent(
        f"""
        import json, keras
        import lesionkit.models.metadata, lesionkit.models.preprocessing  # lesionkit's layers, registered
        model = keras.saving.load_model({str(elsewhere)!r}, compile=False)
        layer = model.get_layer("lesionkit_metadata")
        print(json.dumps(layer.metadata))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=elsewhere.parent
    )
    meta = ModelDescription.from_dict(json.loads(out.stdout.strip().splitlines()[-1]))
    assert (meta.task, meta.classes, meta.image_size, meta.preprocessing) == (
        "melanoma",
        ("other", "melanoma"),
        32,
        "tf",
    )
    assert (meta.temperature, meta.threshold, meta.tta) == (TEMPERATURE, run[1], 2)
    assert meta.tta_augmenters == ({"name": "flip", "params": {}},)
    assert meta.gradcam_layer == "resnet18/conv5_block2_out"


def test_predict_from_the_model_file_alone(
    run: tuple[Path, float], exported: Path, images: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "predictions.csv"
    assert main(["predict", str(exported), str(images), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "skipped" in printed and "broken.jpg" in printed and "1 images skipped" in printed
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["image_id", "other", "melanoma", "decision"]
    assert [r["image_id"] for r in rows] == ["img0", "img1", "img2"]
    # The same as the run predicts (TTA views averaged, then calibrated), thresholded as the run says.
    from lesionkit.data.loading.images import load_image

    batch = np.stack([load_image(images / f"img{i}.png", 32) for i in range(3)])
    restored = Trainer.from_run(run[0])  # reads the run's temperature and applies it after the TTA average
    assert restored.temperature is not None and restored.temperature.temperature == TEMPERATURE
    expected = restored.predict(batch, tta=2)
    got = np.array([float(r["melanoma"]) for r in rows])
    np.testing.assert_allclose(got, expected, atol=2e-6)
    np.testing.assert_allclose(got + np.array([float(r["other"]) for r in rows]), 1.0, atol=2e-6)
    assert [r["decision"] for r in rows] == ["melanoma" if p > run[1] else "other" for p in expected]
    assert sorted(r["decision"] for r in rows) == ["melanoma", "melanoma", "other"]
    # --tta 1 overrides the exported setting: the plain model's output.
    assert main(["predict", str(exported), str(images / "img0.png"), "-o", str(out), "--tta", "1"]) == 0
    plain = restored.predict(batch[:1])
    np.testing.assert_allclose(float(next(csv.DictReader(out.open()))["melanoma"]), plain[0], atol=2e-6)


def test_run_directories_still_predict(run: tuple[Path, float], images: Path, tmp_path: Path) -> None:
    out = tmp_path / "submission.csv"
    assert main(["predict", str(run[0]), str(images / "img0.png"), "-o", str(out)]) == 0
    assert out.read_text().splitlines()[0] == "image_id,melanoma,seborrheic_keratosis"


def test_explain_writes_overlays_and_names_bad_images(
    run: tuple[Path, float], exported: Path, images: Path, tmp_path: Path, capsys
) -> None:
    for source in (run[0], exported):
        out = tmp_path / Path(source).stem
        assert main(["explain", str(source), str(images), "-o", str(out)]) == 0
        assert sorted(p.name for p in out.iterdir()) == [f"img{i}_gradcam.png" for i in range(3)]
        printed = capsys.readouterr().out
        assert "broken.jpg" in printed and "wrote 3 overlays" in printed and "1 images skipped" in printed


def test_tflite_matches_keras_within_tolerance(run: tuple[Path, float], tmp_path: Path, capsys) -> None:
    import tensorflow as tf

    model = Trainer.from_run(run[0]).model
    batch = np.random.default_rng(1).uniform(0, 255, (4, 32, 32, 3)).astype(np.float32)
    expected = model.predict(batch, verbose=0)
    sizes = {}
    for quantize, tolerance in (("none", TFLITE_FLOAT_TOLERANCE), ("dynamic", TFLITE_DYNAMIC_TOLERANCE)):
        path = tmp_path / f"model-{quantize}.tflite"
        assert main(["export", str(run[0]), "--tflite", str(path), "--quantize", quantize]) == 0
        assert json.loads(Path(f"{path}.json").read_text())["quantize"] == quantize
        assert (tmp_path / f"model-{quantize}.model_card.md").is_file()
        interpreter = tf.lite.Interpreter(model_path=str(path))
        interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"], batch.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], batch)
        interpreter.invoke()
        got = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        np.testing.assert_allclose(got, expected, atol=tolerance)
        sizes[quantize] = path.stat().st_size
    assert sizes["dynamic"] < sizes["none"] / 3  # int8 weights
    assert main(["export", str(run[0]), "--quantize", "dynamic", "-o", str(tmp_path / "m.keras")]) == 2
    assert "--quantize applies to --tflite" in capsys.readouterr().err


def test_metadata_checks() -> None:
    meta = ModelDescription(name="m", task="melanoma", classes=("other", "melanoma"), image_size=32)
    assert PostHoc.from_description(meta).threshold == 0.5 and read_model_description(object()) is None
    with pytest.raises(ModelDescriptionError, match="newer than this lesionkit"):
        ModelDescription.from_dict({**meta.to_dict(), "format": 99})
    with pytest.raises(ModelDescriptionError, match="temperature must be > 0"):
        ModelDescription.from_dict({**meta.to_dict(), "temperature": -1.0})
    with pytest.raises(ModelDescriptionError, match=r"lacks \['classes'\]"):
        ModelDescription.from_dict({k: v for k, v in meta.to_dict().items() if k != "classes"})
