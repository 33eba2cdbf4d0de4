"""Runs survive what happens to real runs: a SIGKILL mid-epoch, a truncated checkpoint, a full disk."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lesionkit.cli import main
from lesionkit.config import ComponentSpec, ExperimentConfig
from lesionkit.runs import CheckpointError, RunDir
from lesionkit.runs import checkpoint as checkpoint_module
from lesionkit.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent


def _config(run_dir: Path, **changes: Any) -> ExperimentConfig:
    return ExperimentConfig(
        name="robust",
        dataset=ComponentSpec("synthetic", {"sizes": {"train": 32, "validation": 8, "test": 8}}),
        image_size=32,
        backbone=ComponentSpec("tiny_test_backbone"),
        weights=None,
        trainable="none",
        schedule=ComponentSpec("constant"),
        epochs=2,
        batch_size=4,
        run_dir=str(run_dir),
    ).evolve(**changes)


def history_epochs(run: RunDir) -> list[int]:
    with run.history_file.open(newline="") as handle:
        return [int(row["epoch"]) for row in csv.DictReader(handle)]


# The child trains slowly (a pause after every batch) so that the kill lands inside an epoch.
KILLED_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[1])
    import keras
    import lesionkit
    from conftest import tiny_backbone
    lesionkit.backbones.register("tiny_test_backbone", tiny_backbone)
    from lesionkit.config import ExperimentConfig
    from lesionkit.training.trainer import Trainer

    class Slow(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            time.sleep(0.25)

    Trainer(ExperimentConfig.from_json(sys.argv[2])).fit(verbose=0, callbacks=[Slow()])
    """
)


def test_sigkill_mid_epoch_resumes_with_contiguous_history(tmp_path: Path, tiny_registered: str) -> None:
    run = RunDir(tmp_path / "killed")
    cfg = _config(run.path, epochs=4)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_SCRIPT, str(TESTS), cfg.to_json()],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            state = run.read_state() if run.state_file.is_file() else None
            if state and state["epoch"] >= 1:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the training process ended before it could be killed"
        time.sleep(0.6)  # a few batches into the next epoch (8 batches of 0.25 s each)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    killed_at = run.read_state()
    assert killed_at is not None and 1 <= killed_at["epoch"] < 4

    resumed = Trainer.from_run(run.path, weights="none")
    history = resumed.fit(resume=True, verbose=0)
    assert history_epochs(run) == [0, 1, 2, 3]  # epochs 1..4, each once, in order
    assert history["epoch"] == [0.0, 1.0, 2.0, 3.0]
    assert run.read_state()["epoch"] == 4


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory, tiny_registered: str) -> RunDir:
    run = RunDir(tmp_path_factory.mktemp("robust") / "done")
    Trainer(_config(run.path), reference={"roc_auc": 0.6303}).fit(verbose=0)
    return run


def test_reference_row_is_kept_with_the_run(finished: RunDir) -> None:
    assert finished.read_reference() == {"roc_auc": 0.6303}
    restored = Trainer.from_run(finished.path)
    assert restored.reference == {"roc_auc": 0.6303}
    assert "paper" in restored.evaluate("test", save=False).table()


def test_truncated_weights_are_named_in_one_line(finished: RunDir, tmp_path: Path, capsys: Any) -> None:
    import shutil

    damaged = RunDir(tmp_path / "damaged")
    shutil.copytree(finished.path, damaged.path)
    best = damaged.weights_file("best")
    data = best.read_bytes()
    best.write_bytes(data[: len(data) // 3])
    with pytest.raises(CheckpointError, match=r"best/model.npz cannot be read"):
        Trainer.from_run(damaged.path)
    assert main(["evaluate", str(damaged.path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lesionkit evaluate: error: checkpoint file" in err and str(best) in err
    assert "Traceback" not in err and "BadZipFile" in err  # the cause, named, not a traceback
    restored = Trainer.from_run(damaged.path, weights="last")  # the last checkpoint is another file, intact
    assert np.all(np.isfinite(restored.predict(np.zeros((2, 32, 32, 3), np.uint8))))


def test_truncated_last_checkpoint_stops_resume_with_its_name(finished: RunDir, tmp_path: Path) -> None:
    import shutil

    damaged = RunDir(tmp_path / "damaged")
    shutil.copytree(finished.path, damaged.path)
    optimizer = damaged.checkpoints_dir / damaged.read_state()["checkpoint"] / "optimizer.npz"
    optimizer.write_bytes(optimizer.read_bytes()[:100])
    trainer = Trainer.from_run(damaged.path, weights="none")
    with pytest.raises(CheckpointError, match="optimizer.npz cannot be read"):
        trainer.fit(resume=True, verbose=0)


def test_disk_full_during_a_checkpoint_keeps_the_previous_one(
    tmp_path: Path, tiny_registered: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = RunDir(tmp_path / "full")
    real = checkpoint_module.save_arrays

    def fills_up_in_epoch_two(path: Path, arrays: Any) -> None:
        if "epoch-0002" not in str(path):
            return real(path, arrays)
        path.write_bytes(b"PK\x03\x04 part of a zip")  # half written, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint_module, "save_arrays", fills_up_in_epoch_two)
    with pytest.raises(CheckpointError, match="epoch 2.*No space left on device.*epoch 1 is intact"):
        Trainer(_config(run.path)).fit(verbose=0)
    assert run.read_state()["epoch"] == 1
    assert sorted(p.name for p in run.checkpoints_dir.iterdir()) == ["best", "epoch-0001"]
    monkeypatch.setattr(checkpoint_module, "save_arrays", real)
    restored = Trainer.from_run(run.path, weights="last")  # loadable, and it is epoch 1's
    assert np.all(np.isfinite(restored.predict(np.zeros((2, 32, 32, 3), np.uint8))))
    history = Trainer.from_run(run.path, weights="none").fit(resume=True, verbose=0)
    assert history["epoch"] == [0.0, 1.0] and json.loads(run.state_file.read_text())["epoch"] == 2
