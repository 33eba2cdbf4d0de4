"""RunDir on its own (no TensorFlow): creating, refusing, resuming checks, reference row, history, checkpoints."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lesionkit.config import ExperimentConfig
from lesionkit.errors import LesionkitError
from lesionkit.runs import CheckpointError, RunDir, RunDirError
from lesionkit.runs import checkpoint as checkpoint_module
from lesionkit.runs.checkpoint import load_arrays, save_arrays

CFG = ExperimentConfig(name="unit", dataset="synthetic", epochs=3)


class FakeModel:
    """The two things RunDir.load_weights asks of a model."""

    def __init__(self, shapes: list[tuple[int, ...]]) -> None:
        self.weights = [np.zeros(s) for s in shapes]

    def set_weights(self, values: list[Any]) -> None:
        for mine, theirs in zip(self.weights, values):
            if mine.shape != theirs.shape:
                raise ValueError(f"shape {theirs.shape} does not fit {mine.shape}")
        self.weights = [np.array(v) for v in values]


def checkpointed(tmp_path: Path, epochs: int = 2) -> RunDir:
    run = RunDir(tmp_path / "run")
    run.create(CFG.evolve(run_dir=str(run.path)), {"seed": 0})
    for epoch in range(1, epochs + 1):
        weights = [np.full(3, float(epoch)), np.full((2, 2), float(epoch))]
        run.save_checkpoint(weights, [np.zeros(1)], epoch, best=epoch == 1, state={"best_score": 0.5})
    return run


def test_every_path_of_a_run_is_under_it() -> None:
    run = RunDir("r")
    paths = [run.config_file, run.environment_file, run.reference_file, run.state_file, run.history_file]
    assert [p.name for p in paths] == ["config.json", "environment.json", "reference.json", "state.json", "history.csv"]
    assert (run.logs_dir.name, run.reports_dir.name, run.checkpoints_dir.name) == ("logs", "reports", "checkpoints")
    assert run.report_dir("test") == Path("r/reports/test")
    assert run.training_curves_file == Path("r/reports/training_curves.png")
    assert run.resume_command() == "lesionkit fit r/config.json --run-dir r --resume"
    assert repr(run) == "RunDir('r')"


def test_create_refuses_a_directory_with_files(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "new")
    run.create(CFG, {"seed": 1})
    assert run.is_run() and run.read_config() == CFG
    assert json.loads(run.environment_file.read_text()) == {"seed": 1}
    with pytest.raises(RunDirError, match="already holds files.*resume=True"):
        run.create(CFG, {})


def test_check_resume(tmp_path: Path) -> None:
    empty = RunDir(tmp_path / "empty")
    with pytest.raises(RunDirError, match="cannot resume.*no config.json"):
        empty.check_resume(CFG)
    with pytest.raises(RunDirError, match="not a lesionkit run directory"):
        empty.read_config()
    run = RunDir(tmp_path / "run")
    run.create(CFG.evolve(run_dir=str(run.path)), {})
    run.check_resume(CFG.evolve(run_dir=str(run.path)))
    run.check_resume(CFG.evolve(run_dir=None))  # the same run, named by another path
    with pytest.raises(RunDirError, match="differs"):
        run.check_resume(CFG.evolve(epochs=4))


def test_reference_row_round_trip_and_old_runs(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    assert run.read_reference() is None  # runs written before reference.json: no row, no error
    run.write_reference(None)
    assert not run.reference_file.exists()
    run.write_reference({"roc_auc": 0.6303, "f1": 0.4029})
    assert run.read_reference() == {"roc_auc": 0.6303, "f1": 0.4029}
    assert json.loads(run.reference_file.read_text())["label"] == "paper"
    run.reference_file.write_text("{broken")
    with pytest.warns(UserWarning, match="reference.json is unreadable"):
        assert run.read_reference() is None


def test_state_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    run.state_file.write_text('{"epoch": 2')
    with pytest.raises(RunDirError, match=r"state.json is unreadable"):
        run.read_state()


def test_history_read_and_truncate(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    assert run.read_history() == {}
    run.truncate_history(1)  # no file: nothing to do
    # Epoch 2's row was cut short by a kill: a single cell ("1" of "12"...) must not pass as epoch 1.
    run.history_file.write_text("epoch,auc,loss,val_auc\n0,0.5,1.0,NA\n1,0.6,0.9,0.55\n2,0.7,0.8,0.6\n1")
    run.truncate_history(2)
    assert run.history_file.read_text() == "epoch,auc,loss,val_auc\n0,0.5,1.0,NA\n1,0.6,0.9,0.55\n"
    assert run.read_history() == {"epoch": [0.0, 1.0], "auc": [0.5, 0.6], "loss": [1.0, 0.9], "val_auc": [0.55]}


def test_checkpoints_keep_the_last_two_and_the_best(tmp_path: Path) -> None:
    run = checkpointed(tmp_path, epochs=3)
    assert sorted(p.name for p in run.checkpoints_dir.iterdir()) == ["best", "epoch-0002", "epoch-0003"]
    assert run.read_state() == {"best_score": 0.5, "epoch": 3, "checkpoint": "epoch-0003"}
    model = FakeModel([(3,), (2, 2)])
    run.load_weights(model, "last")
    assert model.weights[0].tolist() == [3.0, 3.0, 3.0]
    run.load_weights(model, "best")  # epoch 1's, kept after its epoch folder went
    assert model.weights[0].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(RunDirError, match="2 arrays saved but the model has 1"):
        run.load_weights(FakeModel([(3,)]), "last")
    with pytest.raises(CheckpointError, match="does not fit the model"):
        run.load_weights(FakeModel([(3,), (4,)]), "last")


def test_weights_file_errors(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "run")
    run.create(CFG, {})
    for which in ("best", "last"):
        with pytest.raises(RunDirError, match=f"has no {which} checkpoint.*--resume"):
            run.weights_file(which)
    old = run.checkpoints_dir / "epoch-0001"
    old.mkdir(parents=True)
    (old / "model.weights.h5").write_bytes(b"")
    with pytest.raises(RunDirError, match="earlier development version"):
        run.weights_file("best")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_unreadable_checkpoint_file_is_named(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "model.npz"
    save_arrays(path, [np.arange(1000.0)])
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"not a checkpoint", "empty": b""}[damage])
    with pytest.raises(CheckpointError, match=r"model.npz cannot be read.*truncated or corrupted") as info:
        load_arrays(path)
    assert isinstance(info.value, LesionkitError) and str(path) in str(info.value)


def test_a_failed_write_leaves_the_previous_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = checkpointed(tmp_path, epochs=1)

    def disk_full(path: Path, arrays: Any) -> None:
        path.write_bytes(b"PK\x03\x04 half a zip")  # part of the file made it to disk...
        raise OSError(28, "No space left on device")  # ...then the disk filled up

    monkeypatch.setattr(checkpoint_module, "save_arrays", disk_full)
    with pytest.raises(CheckpointError, match="epoch 2.*No space left.*epoch 1 is intact.*--resume"):
        run.save_checkpoint([np.zeros(3), np.zeros((2, 2))], [], 2, best=True, state={})
    assert sorted(os.listdir(run.checkpoints_dir)) == ["best", "epoch-0001"]  # no partial folder left
    assert run.read_state()["epoch"] == 1
    model = FakeModel([(3,), (2, 2)])
    run.load_weights(model, "last")
    run.load_weights(model, "best")
    assert model.weights[0].tolist() == [1.0, 1.0, 1.0]


def test_calibration_and_operating_point_round_trip(tmp_path):
    run = RunDir(tmp_path)
    assert run.read_calibration() is None and run.read_operating_point() is None
    record = {"temperature": 1.7, "kind": "binary", "chosen_on": "validation", "n_cases": 40}
    run.write_calibration(record)
    assert run.read_calibration() == record
    assert run.calibration_file.name == "calibration.json"
    point = {"threshold": 0.31, "rule": "sensitivity", "chosen_on": "validation", "target": 0.89}
    run.write_operating_point(point)
    assert run.read_operating_point() == point
    assert run.operating_point_file.name == "operating_point.json"


@pytest.mark.parametrize(
    "bad", [{"temperature": 0.0, "chosen_on": "v"}, {"temperature": 2.0}, {"temperature": "x", "chosen_on": "v"}]
)
def test_write_calibration_refuses_bad_records(tmp_path, bad):
    with pytest.raises(RunDirError, match="calibration.json"):
        RunDir(tmp_path).write_calibration(bad)


def test_unreadable_operating_point_says_how_to_remake_it(tmp_path):
    run = RunDir(tmp_path)
    run.operating_point_file.write_text("{not json", encoding="utf-8")
    with pytest.raises(RunDirError, match="lesionkit threshold"):
        run.read_operating_point()
    run.operating_point_file.write_text('{"threshold": NaN, "chosen_on": "validation"}', encoding="utf-8")
    with pytest.raises(RunDirError, match="finite"):
        run.read_operating_point()
