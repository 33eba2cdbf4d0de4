"""benchmarks/real_accuracy.py on a generated ISIC 2017 folder: a few seconds, real numbers in the JSON."""

from __future__ import annotations

import importlib.util
import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The benchmark's scores and the diagnosis codes (= class columns of isic2017_3class) they are of.
KEYS = (("melanoma_auc", 1), ("seborrheic_keratosis_auc", 2))


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("real_accuracy", ROOT / "benchmarks" / "real_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scratch_recipe_json(bench, isic_layout, tmp_path) -> None:
    codes = [0, 1, 2] * 4
    isic = isic_layout(
        tmp_path / "isic", {"train": codes, "validation": [0, 1, 2, 0, 1, 2], "test": [0, 1, 2, 2, 1, 0]}
    )
    out = tmp_path / "out.json"
    assert (
        bench.main(
            [
                "--isic2017",
                str(isic),
                "--recipes",
                "scratch",
                "--size",
                "32",
                "--minutes",
                "0.5",
                "--max-epochs",
                "1",
                "--runs",
                str(tmp_path / "runs"),
                "--json",
                str(out),
            ]
        )
        == 0
    )
    result = json.loads(out.read_text())
    (recipe,) = result["recipes"]
    assert recipe["name"] == "scratch" and recipe["minutes"] > 0 and math.isfinite(recipe["minutes"])
    assert set(recipe["metrics"]) == {"validation", "test"}
    run = tmp_path / "runs" / "scratch" / "isic2017_3class_scratch"
    assert (run / "checkpoints" / "best").is_dir()
    # Each figure is scikit-learn's ROC AUC of the best checkpoint's class probabilities (one-vs-rest).
    from sklearn.metrics import roc_auc_score

    from lesionkit import Trainer

    trainer = Trainer.from_run(run)
    for split, row in recipe["metrics"].items():
        assert set(row) == {"melanoma_auc", "seborrheic_keratosis_auc", "mean_auc"}
        data = trainer.split(split)
        probabilities = trainer.predict(data.load_images(32), tta=trainer.config.tta, metadata=data.metadata)
        expected = {key: roc_auc_score(data.diagnosis == code, probabilities[:, code]) for key, code in KEYS}
        assert row["melanoma_auc"] == pytest.approx(expected["melanoma_auc"], abs=1e-6), split
        assert row["seborrheic_keratosis_auc"] == pytest.approx(expected["seborrheic_keratosis_auc"], abs=1e-6), split
        assert row["mean_auc"] == pytest.approx((row["melanoma_auc"] + row["seborrheic_keratosis_auc"]) / 2)
    # An ensemble of a run with itself scores as the run does.
    twice = bench.ensemble_scores([run, run], bench.TASK_KEYS)
    assert set(twice) == {"validation", "test"}
    for split, row in twice.items():
        for key, value in row.items():
            assert value == pytest.approx(recipe["metrics"][split][key], abs=1e-9)
    assert {r["name"] for r in result["paper"]} >= {"paper conv5", "paper resnet50_scratch"}


def test_time_budget_stops_training_and_keeps_a_checkpoint(bench, tmp_path) -> None:
    """A recipe stage whose budget runs out mid-run: it says so, its checkpoint loads, and it resumes."""
    import numpy as np

    from lesionkit import Trainer

    overrides = dict(
        dataset={"name": "synthetic", "params": {"sizes": {"train": 12, "validation": 6, "test": 6}}},
        backbone={"name": "resnet18", "params": {"preprocessing": "tf"}},
        weights=None,
        image_size=32,
        batch_size=4,
        trainable="all",  # the backbone frozen: the budget, not the model, is under test
        epochs=2,
    )
    run_dir = tmp_path / "scratch"
    lines: list[str] = []
    # An earlier pace of 0.5 s per epoch plans both epochs into 2.5 s; the first epoch alone (building
    # the train and validation steps) takes longer than half of that, so the budget stops the run.
    trainer, minutes = bench.train_stage(
        bench.Stage("isic2017_3class_scratch", "isic2017", 1.0),
        overrides,
        2.5,
        run_dir,
        lines.append,
        seconds_per_epoch=0.5,
    )
    assert "isic2017_3class_scratch: 2 epoch(s) planned" in lines[0]
    said = re.fullmatch(r"  isic2017_3class_scratch: stopped by the time budget after (\d) epoch\(s\)", lines[-1])
    assert said is not None, lines
    epochs = int(said.group(1))
    assert epochs == 1
    assert minutes > 0 and float((run_dir / bench.MINUTES_FILE).read_text()) == pytest.approx(minutes, abs=1e-3)
    # The epoch the budget cut short was still validated and checkpointed: the run loads and predicts.
    assert len(trainer.run.read_history()["loss"]) == epochs
    assert json.loads((run_dir / "state.json").read_text())["epoch"] == epochs
    images = trainer.split("test").load_images(32)
    probabilities = trainer.predict(images)
    assert probabilities.shape == (6, 3) and np.allclose(probabilities.sum(axis=1), 1.0)
    # ...and resumes where it stopped, to the planned epochs.
    resumed = Trainer.from_run(run_dir, weights="none")
    history = resumed.fit(resume=True, verbose=0)
    assert len(history["loss"]) == 2 and json.loads((run_dir / "state.json").read_text())["epoch"] == 2


def test_joint_recipe_continues_each_fold_from_its_own_run(bench, monkeypatch, tmp_path) -> None:
    """With --folds the joint recipe trains both stages per fold: fold 1's fine-tuning never sees fold 0's run."""
    calls: list[tuple[str, dict]] = []

    class _Scored:
        dataset = type("D", (), {"split_names": staticmethod(lambda: ("train", "validation"))})()

    def fake_train_stage(stage, overrides, seconds, run_dir, log, *, reuse=False, seconds_per_epoch=None):
        calls.append((run_dir.name, overrides))
        return _Scored(), 1.0

    monkeypatch.setattr(bench, "train_stage", fake_train_stage)
    monkeypatch.setattr(bench, "split_scores", lambda trainer, split, scores: dict.fromkeys(scores, 0.75))
    result = bench.run_recipe(
        "joint", isic2017="/isic", ham10000="/ham", minutes=1.0, size=None, out_dir=tmp_path, folds=2
    )
    names = [name for name, _ in calls]
    assert names == [
        "isic2017_3class_joint-fold0",
        "isic2017_3class_joint-fold1",
        "isic2017_3class_joint_finetune-fold0",
        "isic2017_3class_joint_finetune-fold1",
    ]
    for fold in (0, 1):
        overrides = calls[2 + fold][1]
        assert overrides["weights"].endswith(f"isic2017_3class_joint-fold{fold}")
        params = overrides["dataset"]["params"]
        assert params["dataset"]["params"]["fold"] == fold  # ISIC 2017 is folded, HAM10000 only added to train
        assert params["extra"] == [{"name": "ham10000", "params": {"data_dir": "/ham"}}]
        assert overrides["data_dir"] == "/isic"
    assert result["metrics"]["cv2"]["mean_auc"] == pytest.approx(0.75) and result["minutes"] == 4.0
    with pytest.raises(SystemExit, match="pass --ham10000"):
        bench.run_recipe("joint", isic2017="/isic", ham10000=None, minutes=1.0, size=None, out_dir=tmp_path)


def test_ensemble_recipe_averages_three_seeds_per_fold(bench, monkeypatch, tmp_path) -> None:
    """The ensemble recipe trains the joint preset once per seed (per fold) and scores the fold's three runs together."""
    calls: list[tuple[str, dict]] = []
    scored: list[list[str]] = []

    def fake_train_stage(stage, overrides, seconds, run_dir, log, *, reuse=False, seconds_per_epoch=None):
        calls.append((run_dir.name, overrides))
        return object(), 2.0

    def fake_ensemble_scores(run_dirs, scores):
        scored.append([p.name for p in run_dirs])
        return {"validation": dict.fromkeys(scores, 0.8)}

    monkeypatch.setattr(bench, "train_stage", fake_train_stage)
    monkeypatch.setattr(bench, "ensemble_scores", fake_ensemble_scores)
    result = bench.run_recipe(
        "ensemble", isic2017="/isic", ham10000="/ham", minutes=3.0, size=None, out_dir=tmp_path, folds=2
    )
    assert [name for name, _ in calls] == [f"isic2017_3class_joint-seed{s}-fold{f}" for s in range(3) for f in range(2)]
    assert [o["seed"] for _, o in calls] == [0, 0, 1, 1, 2, 2]
    assert scored == [[f"isic2017_3class_joint-seed{s}-fold{f}" for s in range(3)] for f in range(2)]
    assert result["metrics"]["cv2"]["mean_auc"] == pytest.approx(0.8) and result["minutes"] == 12.0


def test_unused_minutes_carry_over_to_the_next_stage(bench, monkeypatch, tmp_path) -> None:
    """A member that finishes early leaves its minutes to the next; one that overruns takes them back."""
    given: list[float] = []
    spent = iter([2.0, 5.0, 1.0])  # minutes each member uses of a 9-minute budget (3 each)

    def fake_train_stage(stage, overrides, seconds, run_dir, log, *, reuse=False, seconds_per_epoch=None):
        given.append(seconds / 60)
        return object(), next(spent)

    monkeypatch.setattr(bench, "train_stage", fake_train_stage)
    monkeypatch.setattr(bench, "ensemble_scores", lambda run_dirs, scores: {"validation": dict.fromkeys(scores, 0.8)})
    result = bench.run_recipe("ensemble", isic2017="/isic", ham10000="/ham", minutes=9.0, size=None, out_dir=tmp_path)
    assert given == pytest.approx([3.0, 4.0, 2.0])  # 3; 3 + 1 left by the first; 9 - (2 + 5) left for the last
    assert result["minutes"] == 8.0


def test_later_runs_of_a_preset_plan_from_the_first_runs_pace(bench, monkeypatch, tmp_path) -> None:
    """Seeds 1 and 2 plan their epochs from the seconds per epoch that seed 0 took, not from a new probe."""
    paces: list[float | None] = []

    def fake_train_stage(stage, overrides, seconds, run_dir, log, *, reuse=False, seconds_per_epoch=None):
        paces.append(seconds_per_epoch)
        run_dir.mkdir(parents=True)
        (run_dir / "history.csv").write_text("epoch,loss\n0,1.0\n1,0.9\n2,0.8\n3,0.7\n")  # 4 epochs
        return object(), 2.0  # minutes: 30 s per epoch

    monkeypatch.setattr(bench, "train_stage", fake_train_stage)
    monkeypatch.setattr(bench, "ensemble_scores", lambda run_dirs, scores: {"validation": dict.fromkeys(scores, 0.8)})
    bench.run_recipe("ensemble", isic2017="/isic", ham10000="/ham", minutes=6.0, size=None, out_dir=tmp_path)
    assert paces == [None, 30.0, 30.0]
    assert bench.epochs_run(tmp_path / "nowhere") == 0


def test_best_recipe_is_the_long_joint_preset_with_the_whole_budget(bench, monkeypatch, tmp_path) -> None:
    """``best`` trains isic2017_3class_joint_long once, on ISIC 2017 + HAM10000, with every minute of the budget."""
    calls: list[tuple[str, dict, float]] = []

    class _Scored:
        dataset = type("D", (), {"split_names": staticmethod(lambda: ("train", "validation"))})()

    def fake_train_stage(stage, overrides, seconds, run_dir, log, *, reuse=False, seconds_per_epoch=None):
        calls.append((run_dir.name, overrides, seconds))
        return _Scored(), 50.0

    monkeypatch.setattr(bench, "train_stage", fake_train_stage)
    monkeypatch.setattr(bench, "split_scores", lambda trainer, split, scores: dict.fromkeys(scores, 0.9))
    result = bench.run_recipe("best", isic2017="/isic", ham10000="/ham", minutes=60.0, size=None, out_dir=tmp_path)
    ((name, overrides, seconds),) = calls
    assert name == "isic2017_3class_joint_long" and seconds == pytest.approx(3600.0)
    assert overrides["dataset"]["params"]["extra"] == [{"name": "ham10000", "params": {"data_dir": "/ham"}}]
    assert result["metrics"]["validation"]["mean_auc"] == pytest.approx(0.9)
    with pytest.raises(SystemExit, match="pass --ham10000"):
        bench.run_recipe("best", isic2017="/isic", ham10000=None, minutes=1.0, size=None, out_dir=tmp_path)
