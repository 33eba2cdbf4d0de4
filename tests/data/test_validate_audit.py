"""``lesionkit validate`` runs the leakage audit across splits; ``--strict`` makes its findings problems."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from lesionkit.cli import main
from lesionkit.data.sources.synthetic import draw_lesion


def _folder(root: Path, *, leak: bool) -> Path:
    (root / "images").mkdir(parents=True)
    rows = ["image_id,diagnosis,split"]
    for i in range(8):
        split = ("train", "validation", "test")[i % 3] if i < 6 else "train"
        Image.fromarray(draw_lesion(i % 2, 32, np.random.default_rng(i))).save(root / "images" / f"im{i}.png")
        rows.append(f"im{i},{'melanoma' if i % 2 else 'nevus'},{split}")
    if leak:  # a copy of a training image in the test split
        Image.open(root / "images" / "im0.png").save(root / "images" / "copy0.png")
        rows.append("copy0,nevus,test")
    (root / "labels.csv").write_text("\n".join(rows) + "\n")
    return root


def test_leak_is_a_warning_and_strict_makes_it_a_problem(tmp_path, capsys):
    root = _folder(tmp_path / "leaky", leak=True)
    assert main(["validate", str(root), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "1 exact duplicate(s)" in out and "(warnings)" in out
    assert "train/im0" in out and "test/copy0" in out and str(root / "images" / "copy0.png") in out
    assert main(["validate", str(root), "--no-progress", "--strict"]) == 1
    assert "(problems)" in capsys.readouterr().out


def test_clean_folder_passes_strict(tmp_path, capsys):
    root = _folder(tmp_path / "clean", leak=False)
    assert main(["validate", str(root), "--no-progress", "--strict"]) == 0
    assert "0 exact duplicate(s), 0 near-duplicate(s), 0 shared lesion(s)" in capsys.readouterr().out
    assert main(["validate", str(root), "--no-progress", "--no-audit"]) == 0
    assert "leakage audit" not in capsys.readouterr().out
