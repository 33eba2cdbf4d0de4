"""The Trainer end to end on tiny synthetic data: fit, evaluate, predict, runs, resume, export."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from tiny_runs import BINARY_OVERRIDES

from lesionkit import Trainer, load_model, presets
from lesionkit.errors import DataNotFoundError
from lesionkit.models.weights import WeightsError
from lesionkit.runs import RunDirError

SMALL_RUN = dict(BINARY_OVERRIDES)
TINY = SMALL_RUN["dataset"]


@pytest.fixture(scope="module")
def fitted(binary_run) -> Trainer:  # type: ignore[no-untyped-def]
    """The session's binary run with its last epoch's weights, as ``fit`` leaves the Trainer."""
    trainer = binary_run.trainer(weights="last")
    trainer.epoch_weights = binary_run.epoch_weights  # type: ignore[attr-defined]
    trainer.history = trainer.run.read_history()
    return trainer


def test_fit_records_history_and_run_directory(fitted: Trainer) -> None:
    assert fitted.history["loss"] and len(fitted.history["loss"]) == 2
    assert all(math.isfinite(v) for v in fitted.history["loss"])
    run = fitted.run_dir
    made = presets.melanoma_conv5(**SMALL_RUN, run_dir=str(run)).config  # what fit was given
    assert json.loads((run / "config.json").read_text()) == made.to_dict()
    env = json.loads((run / "environment.json").read_text())
    assert {"lesionkit", "tensorflow", "keras", "numpy", "python", "seed"} <= set(env)
    assert (
        env["runtime"]["purpose"] == "train" and env["runtime"]["settings"]["onednn"]["env"] == "TF_ENABLE_ONEDNN_OPTS"
    )
    state = json.loads((run / "state.json").read_text())
    assert state["epoch"] == 2 and (run / "checkpoints" / state["checkpoint"] / "model.npz").is_file()
    assert (run / "checkpoints" / "best" / "model.npz").is_file()
    assert len((run / "history.csv").read_text().strip().splitlines()) == 3  # header + 2 epochs


def test_each_checkpoint_holds_the_weights_of_its_epoch(fitted: Trainer) -> None:
    """The background writer saves what the model held when the epoch ended, though training went on."""
    from lesionkit.runs.checkpoint import load_arrays as _load_arrays

    first, last = fitted.epoch_weights  # type: ignore[attr-defined]
    for epoch, expected in ((1, first), (2, last)):
        saved = _load_arrays(fitted.run_dir / "checkpoints" / f"epoch-{epoch:04d}" / "model.npz")
        assert len(saved) == len(expected)
        for a, b in zip(saved, expected):
            np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, last))  # epoch 2 did change the weights


def test_build_is_idempotent(fitted: Trainer) -> None:
    assert fitted.build() is fitted.model


def test_evaluate_report(fitted: Trainer) -> None:
    from sklearn.metrics import roc_auc_score

    report = fitted.evaluate("test", save=False)
    assert {"accuracy", "recall", "precision", "f1", "roc_auc"} <= set(report.metrics)
    labels = fitted.split("test").labels("melanoma")
    p = fitted.predict(fitted.split("test").load_images(32))
    np.testing.assert_allclose(report.probabilities, p, atol=1e-6)  # the model's own predictions...
    assert report.metrics["roc_auc"] == pytest.approx(roc_auc_score(labels, p))  # ...scored as scikit-learn does
    assert report.metrics["accuracy"] == pytest.approx(np.mean((p > 0.5) == labels))
    table = report.table()
    assert "ROC AUC" in table and "F-measure" in table and "paper" in table and "0.6303" in table
    assert f"{report.metrics['roc_auc']:.4f}" in table
    assert report.markdown().startswith("| model |")
    # The session fixture saved the same evaluation (same weights) into the run.
    saved = json.loads((fitted.run_dir / "reports" / "test" / "metrics.json").read_text())
    assert saved["metrics"]["roc_auc"] == pytest.approx(report.metrics["roc_auc"])
    assert (fitted.run_dir / "reports" / "test" / "metrics.png").is_file()
    assert "spec_at_sens_95" in report.isic


def test_evaluate_with_tta_averages_views(fitted: Trainer) -> None:
    """TTA = the mean of the model's probabilities over view 0 (the images) and views 1..n-1.

    View i of an image is the config's augmenter (here "flip") applied to it alone with seed
    ``image_view_seed(seed, i, image)`` (lesionkit/augment/tta.py); each view is predicted here
    on its own, then averaged.
    """
    import lesionkit
    from lesionkit.augment.tta import image_view_seed

    images = fitted.split("test").load_images(32)
    flip = lesionkit.augmenters.create("flip")
    seed = fitted.config.seed
    views = [images] + [np.stack([flip(im, seed=image_view_seed(seed, i, im)) for im in images]) for i in (1, 2)]
    assert any(not np.array_equal(v, images) for v in views[1:])  # the views do differ from the images
    per_view = [fitted.model.predict(v.astype(np.float32), verbose=0)[:, -1] for v in views]
    expected = np.mean(per_view, axis=0)
    averaged = fitted.evaluate("test", tta=3, save=False).probabilities
    np.testing.assert_allclose(averaged, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(averaged, per_view[0])  # not the plain predictions


def test_predict_probabilities(fitted: Trainer) -> None:
    images = fitted.split("test").load_images(32)
    p = fitted.predict(images)
    assert p.shape == (12,) and np.all((p >= 0) & (p <= 1))
    assert fitted.predict(images[0]).shape == (1,)
    with pytest.raises(ValueError, match=r"\(N, 32, 32, 3\)"):
        fitted.predict(np.zeros((2, 48, 48, 3), np.uint8))


def test_existing_run_dir_is_never_overwritten(binary_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = binary_run.copy_to(tmp_path)
    history = (run / "history.csv").read_text()
    again = presets.melanoma_conv5(**SMALL_RUN, run_dir=str(run))
    with pytest.raises(RunDirError, match="resume"):
        again.fit(verbose=0)
    changed = presets.melanoma_conv5(**{**SMALL_RUN, "epochs": 3}, run_dir=str(run))
    with pytest.raises(RunDirError, match="differs"):
        changed.fit(resume=True, verbose=0)
    assert (run / "history.csv").read_text() == history


def test_from_run_and_export_give_identical_predictions(fitted: Trainer, tmp_path: Path) -> None:
    images = fitted.split("test").load_images(32)
    expected = fitted.predict(images)
    restored = Trainer.from_run(fitted.run_dir, weights="last")
    assert restored.config == fitted.config
    np.testing.assert_allclose(restored.predict(images), expected, rtol=1e-5, atol=1e-6)
    path = fitted.export(tmp_path / "model.keras", saved_model=tmp_path / "served")
    model = load_model(path)
    np.testing.assert_allclose(
        model.predict(images.astype(np.float32), verbose=0)[:, -1], expected, rtol=1e-5, atol=1e-6
    )
    import tensorflow as tf

    served = tf.saved_model.load(str(tmp_path / "served"))  # what TF Serving would load
    outputs = np.asarray(served.serve(tf.constant(images, tf.float32)))
    np.testing.assert_allclose(outputs[:, -1], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_resume_after_kill(tmp_path: Path) -> None:
    """A training process killed after its first checkpoint resumes to the full epoch count."""
    run_dir = tmp_path / "killed"
    three_epochs = {**SMALL_RUN, "epochs": 3}
    script = textwrap.dedent(
        f"""
        import os, time
        from lesionkit.runs import RunDir
        from lesionkit import presets

        save = RunDir.save_checkpoint
        def save_then_hang(self, *args, **kwargs):
            save(self, *args, **kwargs)
            if args[2] == 1:
                print("checkpointed", flush=True)
                time.sleep(600)  # the test kills us here
        RunDir.save_checkpoint = save_then_hang
        presets.melanoma_conv5(**{three_epochs!r}, run_dir={str(run_dir)!r}).fit(verbose=0)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "checkpointed"
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert json.loads((run_dir / "state.json").read_text())["epoch"] == 1

    resumed = Trainer.from_run(run_dir, weights="none")
    history = resumed.fit(resume=True, verbose=0)
    assert history["epoch"] == [0.0, 1.0, 2.0]
    assert all(math.isfinite(v) for v in history["loss"])
    assert json.loads((run_dir / "state.json").read_text())["epoch"] == 3


def test_from_run_refuses_a_run_without_checkpoints(fitted: Trainer, tmp_path: Path) -> None:
    """An interrupted-before-epoch-1 run must not come back as an untrained model posing as trained."""
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "config.json").write_text((fitted.run_dir / "config.json").read_text())
    for weights in ("best", "last"):
        with pytest.raises(RunDirError, match=f"has no {weights} checkpoint.*--resume"):
            Trainer.from_run(bare, weights=weights)
    assert Trainer.from_run(bare, weights="none").config.task == fitted.config.task
    with pytest.raises(ValueError, match="'best', 'last' or 'none'"):
        Trainer.from_run(bare, weights="latest")
    with pytest.raises(ValueError, match="only change dataset, data_dir and cache_dir.*image_size"):
        Trainer.from_run(bare, weights="none", data={"image_size": 64})
    (bare / "checkpoints" / "epoch-0001").mkdir(parents=True)
    (bare / "checkpoints" / "epoch-0001" / "model.weights.h5").write_bytes(b"")
    with pytest.raises(RunDirError, match="earlier development version.*model.weights.h5"):
        Trainer.from_run(bare)


def test_ctrl_c_keeps_finished_epochs_and_says_how_to_resume(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import keras

    class CtrlCAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

    run_dir = tmp_path / "interrupted"
    trainer = presets.melanoma_conv5(**{**SMALL_RUN, "epochs": 3}, run_dir=str(run_dir))
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(verbose=0, callbacks=[CtrlCAfterFirstEpoch()])
    # The first epoch's checkpoint was still being written in the background; fit waited for it.
    assert json.loads((run_dir / "state.json").read_text())["epoch"] == 1
    err = capsys.readouterr().err
    assert "interrupted: 1 of 3 epochs are checkpointed" in err and "--resume" in err


def test_imgaug_in_worker_processes(tmp_path: Path) -> None:
    from lesionkit.augment.parallel import ParallelNumpyAugmenter

    trainer = presets.melanoma_conv5(
        **{**SMALL_RUN, "augmenters": [{"name": "flip", "params": {"backend": "imgaug"}}], "epochs": 1},
        augment_workers=2,
        run_dir=str(tmp_path / "workers"),
    )
    from lesionkit.training.assembly import augmenter_from_config

    assert isinstance(augmenter_from_config(trainer.config), ParallelNumpyAugmenter)
    history = trainer.fit(verbose=0)
    assert math.isfinite(history["loss"][0])


def test_missing_data_error_says_where_and_what_to_do(tmp_path: Path) -> None:
    trainer = presets.melanoma_conv5(data_dir=str(tmp_path / "nowhere"), weights=None, image_size=32)
    with pytest.raises(DataNotFoundError) as info:
        trainer.fit(verbose=0)
    message = str(info.value)
    assert str(tmp_path / "nowhere") in message and "lesionkit download isic2017" in message and "synthetic" in message
    assert not (tmp_path / "runs").exists()


def test_missing_imagenet_weights_error(monkeypatch) -> None:
    import lesionkit.models.weights as weights

    monkeypatch.setattr(weights, "KERAS_WEIGHTS_URL", "http://127.0.0.1:9/")  # closed port: offline
    trainer = presets.melanoma_conv5(dataset=TINY, image_size=32)
    with pytest.raises(WeightsError) as info:
        trainer.build()
    message = str(info.value)
    assert "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert "weights=None" in message
