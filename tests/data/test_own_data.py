"""One's own data in one's own taxonomy: class folders -> ``own_data`` -> export -> predict."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_jpeg

from lesionkit.cli import main

#: Class folders as a clinic might name them: a British spelling, an abbreviation, an own class.
FOLDERS = ("naevus", "melanoma", "bcc", "other_benign")
CLASSES = ["nevus", "melanoma", "basal_cell_carcinoma", "other_benign"]


def test_own_data_fits_exports_and_predicts_the_folders_classes(tmp_path: Path, capsys) -> None:
    data = tmp_path / "clinic"
    for c, folder in enumerate(FOLDERS):
        for i in range(7):  # 7 per class: the drawn 15 % validation / 15 % test keep one of each
            write_jpeg(data / folder / f"{folder}_{i}.jpg", 10 * c + i, size=(24, 24))
    run, model, out = tmp_path / "run", tmp_path / "model.keras", tmp_path / "p.csv"
    argv = ["fit", "own_data", "--data-dir", str(data), "--image-size", "32", "--epochs", "1", "--weights", "none"]
    assert main([*argv, "--batch-size", "8", "--run-dir", str(run), "--set", "tta=1"]) == 0

    config = json.loads((run / "config.json").read_text())
    assert config["task"] == "classes:" + ",".join(CLASSES)  # spelled out: the run knows its classes
    assert config["backbone"]["name"] == "resnet18"
    report = json.loads((run / "reports" / "test" / "metrics.json").read_text())
    assert report["classes"] == CLASSES

    assert main(["export", str(run), "-o", str(model)]) == 0
    assert main(["predict", str(model), str(data / "bcc"), "-o", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0].split(",")[: 1 + len(CLASSES)] == ["image_id", *CLASSES]
    assert len(lines) == 1 + 7
    row = [float(v) for v in lines[1].split(",")[1 : 1 + len(CLASSES)]]
    assert abs(sum(row) - 1.0) < 1e-4
