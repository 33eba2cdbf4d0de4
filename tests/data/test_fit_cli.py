"""``lesionkit fit`` on an ISIC 2017 folder: what it checks before training starts."""

from __future__ import annotations

from pathlib import Path

from conftest import make_isic_layout

from lesionkit.cli import main


def test_fit_refuses_an_evaluation_split_the_data_lacks_before_training(tmp_path: Path, capsys) -> None:
    root = make_isic_layout(tmp_path / "isic", {"train": [0, 1, 2], "validation": [0, 1, 2]})
    argv = ["fit", "isic2017_3class_scratch", "--data-dir", str(root), "--run-dir", str(tmp_path / "run")]
    assert main([*argv, "--evaluate", "test"]) == 2
    err = capsys.readouterr().err
    assert "--evaluate test: the dataset has no 'test' split (it has train, validation)" in err
    assert not (tmp_path / "run").exists()  # nothing trained


def test_fit_reports_the_best_checkpoint_as_evaluate_does(tmp_path: Path, capsys, monkeypatch) -> None:
    import json

    from lesionkit import Trainer

    loaded: list[str] = []
    original = Trainer.load_checkpoint

    def spy(self, which="best"):
        loaded.append(which)
        return original(self, which)

    monkeypatch.setattr(Trainer, "load_checkpoint", spy)
    run = tmp_path / "run"
    dataset = {"name": "synthetic", "params": {"sizes": {"train": 8, "validation": 8, "test": 8}}}
    argv = ["fit", "melanoma_conv5", "--weights", "none", "--image-size", "32", "--epochs", "2", "--batch-size", "4"]
    argv += ["--run-dir", str(run), "--set", f"dataset={json.dumps(dataset)}", "--set", "backbone=resnet18"]
    assert main([*argv, "--set", "trainable=none", "--set", "tta=1"]) == 0
    assert loaded == ["best"]
    saved = json.loads((run / "reports" / "test" / "metrics.json").read_text())["metrics"]
    again = Trainer.from_run(run).evaluate("test", save=False, bootstrap=0).metrics
    assert saved["roc_auc"] == again["roc_auc"]
