"""Planning a run for a wall-clock budget: ``lesionkit.training.time_plan`` and ``lesionkit fit --minutes``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lesionkit import Trainer, presets
from lesionkit.cli import main
from lesionkit.config import ExperimentConfig
from lesionkit.errors import ConfigError
from lesionkit.training import time_plan
from lesionkit.training.time_plan import epoch_images, plan_epochs, plan_for_budget, with_epochs

TINY = {"name": "synthetic", "params": {"sizes": {"train": 12, "validation": 6, "test": 6}}}
FAST = dict(dataset=TINY, weights=None, image_size=32, batch_size=4, backbone="resnet18", trainable="none", tta=1)


def test_plan_epochs_fits_whole_epochs_between_one_and_the_configs() -> None:
    cfg = ExperimentConfig(epochs=12)
    # 1.25 × (1000 + 300 / 3) / 50 = 27.5 s per epoch; 100 s hold 3.6 epochs, one of them for set-up
    assert plan_epochs(cfg, seconds=100, rate=50, train_images=1000, eval_images=300) == 2
    assert plan_epochs(cfg, seconds=1, rate=50, train_images=1000, eval_images=300) == 1
    assert plan_epochs(cfg, seconds=10**6, rate=50, train_images=1000, eval_images=300) == 12
    with pytest.raises(ConfigError, match="rate = 0"):
        plan_epochs(cfg, seconds=100, rate=0, train_images=1000, eval_images=0)


def test_with_epochs_shrinks_only_a_warmup_of_half_the_run_or_more() -> None:
    cosine = ExperimentConfig(epochs=12, schedule={"name": "cosine", "params": {"warmup_epochs": 1.0, "alpha": 0.1}})
    assert with_epochs(cosine, 8).schedule == cosine.schedule and with_epochs(cosine, 8).epochs == 8
    short = with_epochs(cosine, 2)
    assert short.schedule.params == {"warmup_epochs": 0.5, "alpha": 0.1} and short.epochs == 2
    step = ExperimentConfig(epochs=40, schedule={"name": "step_decay", "params": {"first_drop": 20, "every": 10}})
    assert with_epochs(step, 3).schedule == step.schedule


def test_a_plan_from_an_earlier_runs_pace_skips_the_probe(monkeypatch) -> None:
    monkeypatch.setattr(time_plan, "probe_images_per_second", lambda *a, **k: pytest.fail("probed"))
    trainer = presets.melanoma_conv5(**FAST, epochs=10)
    plan = plan_for_budget(trainer, 100.0, seconds_per_epoch=30.0)
    assert plan.epochs == 3 and plan.config.epochs == 3 and plan.images_per_second is None
    assert (plan.train_images, plan.eval_images) == epoch_images(trainer)
    assert plan.eval_images == 6 and plan.train_images > 12  # the paper's balancing adds copies
    assert "3 epoch(s) planned" in plan.describe() and "an earlier run's pace" in plan.describe()
    planned = plan.trainer()
    assert planned.config == plan.config and planned.reference == trainer.reference and planned.reference
    assert planned.dataset is trainer.dataset  # read once: its warnings are not repeated
    assert plan.budget().seconds == pytest.approx(plan.seconds) and 99 < plan.seconds <= 100


def test_a_plan_probes_the_configs_model(monkeypatch) -> None:
    trainer = presets.melanoma_conv5(**FAST, epochs=4)
    plan = plan_for_budget(trainer, 3600.0)
    assert plan.images_per_second > 0 and plan.seconds_per_epoch > 0
    assert plan.epochs == 4  # an hour holds four epochs of 18 tiny images
    assert "training images/s" in plan.describe()
    with pytest.raises(ConfigError, match="budget = 0"):
        plan_for_budget(trainer, 0)
    workers = presets.melanoma_conv5(**FAST, distribute="multi_worker_mirrored")
    with pytest.raises(ConfigError, match="every worker must train the same epochs"):
        plan_for_budget(workers, 60)


def test_fit_minutes_plans_trains_and_resumes_within_the_budget(tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    argv = ["fit", "melanoma_conv5", "--weights", "none", "--image-size", "32", "--epochs", "2", "--batch-size", "4"]
    argv += ["--run-dir", str(run), "--set", f"dataset={json.dumps(TINY)}", "--set", "backbone=resnet18"]
    argv += ["--set", "trainable=none", "--set", "tta=1", "--evaluate", ""]
    assert main([*argv, "--minutes", "0"]) == 2
    assert "--minutes 0: give a positive number of minutes" in capsys.readouterr().err
    assert main([*argv, "--minutes", "30"]) == 0
    out = capsys.readouterr().out
    assert "--minutes 30: 2 epoch(s) planned in" in out
    assert len(Trainer.from_run(run).run.read_history()["loss"]) == 2
    assert main([*argv, "--minutes", "30", "--resume"]) == 0
    assert "the run keeps its epochs and stops when time is up" in capsys.readouterr().out
