"""lesionkit.evaluation.reports.plots: each function writes a readable PNG atomically; bad input is refused."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lesionkit.errors import DataError, DataNotFoundError
from lesionkit.evaluation.reports.plots import plot_metrics_bar, plot_precision_recall, plot_roc, plot_training_curves
from lesionkit.evaluation.stats.metrics import MetricInputError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RNG = np.random.default_rng(3)
Y = (RNG.random(60) < 0.3).astype(int)
Y[:2] = [0, 1]
P = np.clip(Y * 0.3 + RNG.random(60) * 0.7, 0, 1)


def assert_png(path, min_bytes=8_000):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > min_bytes  # an empty canvas is ~2 KB; real axes, lines and text are far more
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        assert im.width >= 300 and im.height >= 300
        pixels = np.asarray(im.convert("L"))
    assert pixels.std() > 5  # something was drawn
    # Nothing left behind but the PNG (the atomic write's temporary file is gone).
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_roc_single_and_several_curves(tmp_path):
    out = plot_roc(Y, P, tmp_path / "a" / "roc.png", label="melanoma")
    assert out == tmp_path / "a" / "roc.png"
    assert_png(out)
    assert_png(plot_roc(Y, {"ours": P, "noise": RNG.random(60)}, tmp_path / "b" / "roc.png", mark_sensitivities=()))


def test_precision_recall(tmp_path):
    assert_png(plot_precision_recall(Y, P, tmp_path / "pr.png", label="SK"))


def test_training_curves_from_dict_and_csv(tmp_path):
    history = {
        "loss": [0.9, 0.7, 0.6],
        "val_loss": [1.0, 0.9, 0.85],
        "accuracy": [0.5, 0.6, 0.7],
        "val_accuracy": [0.5, 0.55, 0.6],
        "learning_rate": [1e-4, 1e-4, 1e-5],
    }
    assert_png(plot_training_curves(history, tmp_path / "d" / "curves.png"))
    csv_path = tmp_path / "log.csv"
    rows = ["epoch,accuracy,learning_rate,loss,val_accuracy,val_loss"]
    rows += [
        f"{e},{a},{lr},{lo},{va},{vl}"
        for e, (a, lr, lo, va, vl) in enumerate(
            zip(
                history["accuracy"],
                history["learning_rate"],
                history["loss"],
                history["val_accuracy"],
                history["val_loss"],
            )
        )
    ]
    csv_path.write_text("\n".join(rows) + "\n")
    assert_png(plot_training_curves(csv_path, tmp_path / "c" / "curves.png"))


def test_metrics_bar_with_gaps(tmp_path):
    bars = {
        "ours": {"accuracy": 0.81, "recall": 0.52, "precision": 0.41, "f1": 0.46, "roc_auc": 0.74},
        "paper ResNet-50 conv5": {
            "accuracy": 0.7333,
            "recall": 0.4615,
            "precision": 0.3576,
            "f1": 0.4029,
            "roc_auc": 0.6303,
        },
        "partial": {"roc_auc": float("nan"), "accuracy": 0.6},
    }
    assert_png(plot_metrics_bar(bars, tmp_path / "bars.png"))


def test_bad_inputs(tmp_path):
    with pytest.raises(MetricInputError, match="no positive"):
        plot_roc([0, 0, 0], [0.1, 0.2, 0.3], tmp_path / "x.png")
    with pytest.raises(MetricInputError, match="no negative"):
        plot_precision_recall([1, 1], [0.1, 0.2], tmp_path / "x.png")
    with pytest.raises(MetricInputError, match="empty"):
        plot_metrics_bar({}, tmp_path / "x.png")
    with pytest.raises(MetricInputError, match="'high' is not a number"):
        plot_metrics_bar({"ours": {"auc": "high"}}, tmp_path / "x.png")
    with pytest.raises(DataNotFoundError):
        plot_training_curves(tmp_path / "missing.csv", tmp_path / "x.png")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("epoch,loss\n0,0.5\n1\n")
    with pytest.raises(DataError, match="line 3"):
        plot_training_curves(ragged, tmp_path / "x.png")
    with pytest.raises(DataError, match="different lengths"):
        plot_training_curves({"loss": [1.0, 0.5], "val_loss": [1.0]}, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
