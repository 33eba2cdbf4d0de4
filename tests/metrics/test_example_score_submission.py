"""examples/score_submission.py runs end to end in its --demo mode."""

from __future__ import annotations

import runpy
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "score_submission.py"


def test_example_demo(tmp_path, capsys):
    module = runpy.run_path(str(EXAMPLE), run_name="example")
    assert module["main"](["--demo", "--out", str(tmp_path), "--sensitivity", "0.9"]) == 0
    out = capsys.readouterr().out
    assert "mean AUC (ISIC 2017 ranking metric)" in out
    assert "melanoma: threshold" in out and "(target 0.90)" in out
    for name in ("roc_melanoma", "pr_seborrheic_keratosis", "metrics"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"


def test_example_scores_given_files(tmp_path, capsys):
    module = runpy.run_path(str(EXAMPLE), run_name="example")
    truth, pred = module["write_demo_files"](tmp_path, n=30, seed=1)
    assert module["main"]([str(truth), str(pred), "--out", str(tmp_path / "plots")]) == 0
    assert "seborrheic_keratosis" in capsys.readouterr().out
