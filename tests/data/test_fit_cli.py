"""``lesionkit fit`` on an ISIC 2017 folder: what it checks before training starts."""

from __future__ import annotations

from pathlib import Path

from conftest import make_isic_layout

from lesionkit.cli import main


def test_fit_refuses_an_evaluation_split_the_data_lacks_before_training(tmp_path: Path, capsys) -> None:
    root = make_isic_layout(tmp_path / "isic", {"train": [0, 1, 2], "validation": [0, 1, 2]})
    argv = ["fit", "isic2017_3class_best", "--data-dir", str(root), "--run-dir", str(tmp_path / "run")]
    assert main([*argv, "--evaluate", "test"]) == 2
    err = capsys.readouterr().err
    assert "--evaluate test: the dataset has no 'test' split (it has train, validation)" in err
    assert not (tmp_path / "run").exists()  # nothing trained
