"""lesionkit.evaluation.reports.plots: each function writes a readable PNG atomically; bad input is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

from lesionkit.errors import DataError, DataNotFoundError
from lesionkit.evaluation.reports import plots
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


@pytest.fixture
def figures(monkeypatch):
    """The figures the plot functions save, in order (each still written as a PNG)."""
    saved = []
    original = plots._save

    def keep(fig, path):
        saved.append(fig)
        return original(fig, path)

    monkeypatch.setattr(plots, "_save", keep)
    return saved


def first_point_reaching(y, p, sensitivity):
    """(1 − specificity, sensitivity) of the first ROC point whose sensitivity reaches the level (ISIC 2017)."""
    fpr, tpr, _ = roc_curve(y, p, drop_intermediate=False)
    return fpr[np.argmax(tpr >= sensitivity)]


def test_roc_single_and_several_curves(tmp_path, figures):
    out = plot_roc(Y, P, tmp_path / "a" / "roc.png", label="melanoma")
    assert out == tmp_path / "a" / "roc.png"
    assert_png(out)
    (ax,) = figures[0].axes
    curve, *markers = ax.lines
    fpr, tpr, _ = roc_curve(Y, P)
    np.testing.assert_allclose(curve.get_xdata(), fpr)
    np.testing.assert_allclose(curve.get_ydata(), tpr)
    assert curve.get_label() == f"melanoma AUC {roc_auc_score(Y, P):.3f}"
    # One dot per ISIC 2017 sensitivity level, at the first ROC point reaching it; then the legend's dot and chance.
    dots = [m for m in markers if m.get_marker() == "o" and len(m.get_xdata()) == 1]
    assert [float(d.get_ydata()[0]) for d in dots] == [0.82, 0.89, 0.95]
    for dot in dots:
        level = float(dot.get_ydata()[0])
        assert float(dot.get_xdata()[0]) == pytest.approx(first_point_reaching(Y, P, level), abs=1e-12)
        assert dot.get_color() == curve.get_color()
    chance = ax.lines[-1]
    assert chance.get_label() == "chance" and list(chance.get_xdata()) == [0, 1] == list(chance.get_ydata())

    noise = RNG.random(60)
    assert_png(plot_roc(Y, {"ours": P, "noise": noise}, tmp_path / "b" / "roc.png", mark_sensitivities=()))
    (ax,) = figures[1].axes
    curves = [line for line in ax.lines if line.get_label() != "chance"]
    assert [c.get_label() for c in curves] == [
        f"ours AUC {roc_auc_score(Y, P):.3f}",
        f"noise AUC {roc_auc_score(Y, noise):.3f}",
    ]
    for line, scores in zip(curves, (P, noise)):
        fpr, tpr, _ = roc_curve(Y, scores)
        np.testing.assert_allclose(line.get_xdata(), fpr)
        np.testing.assert_allclose(line.get_ydata(), tpr)


def test_precision_recall(tmp_path, figures):
    assert_png(plot_precision_recall(Y, P, tmp_path / "pr.png", label="SK"))
    (ax,) = figures[0].axes
    curve, prevalence = ax.lines
    precision, recall, _ = precision_recall_curve(Y, P)
    np.testing.assert_allclose(curve.get_xdata(), recall)
    np.testing.assert_allclose(curve.get_ydata(), precision)
    assert curve.get_drawstyle() == "steps-post"  # the steps average precision sums
    assert curve.get_label() == f"SK AP {average_precision_score(Y, P):.3f}"
    assert list(prevalence.get_ydata()) == [Y.mean(), Y.mean()]


HISTORY = {
    "loss": [0.9, 0.7, 0.6],
    "val_loss": [1.0, 0.9, 0.85],
    "accuracy": [0.5, 0.6, 0.7],
    "val_accuracy": [0.5, 0.55, 0.6],
    "learning_rate": [1e-4, 1e-4, 1e-5],
}


def check_training_panels(fig):
    panels = {ax.get_title(): ax for ax in fig.axes}
    assert set(panels) == {"loss", "accuracy", "learning_rate"}
    for name in ("loss", "accuracy"):
        train, validation = panels[name].lines
        assert (train.get_label(), validation.get_label()) == ("train", "validation")
        assert list(train.get_xdata()) == [1, 2, 3]  # epochs counted from 1
        np.testing.assert_allclose(train.get_ydata(), HISTORY[name])
        np.testing.assert_allclose(validation.get_ydata(), HISTORY[f"val_{name}"])
    (rate,) = panels["learning_rate"].lines
    np.testing.assert_allclose(rate.get_ydata(), HISTORY["learning_rate"])
    assert panels["learning_rate"].get_yscale() == "log" and panels["loss"].get_yscale() == "linear"


def test_training_curves_from_dict_and_csv(tmp_path, figures):
    assert_png(plot_training_curves(HISTORY, tmp_path / "d" / "curves.png"))
    check_training_panels(figures[0])
    csv_path = tmp_path / "log.csv"
    rows = ["epoch,accuracy,learning_rate,loss,val_accuracy,val_loss"]
    rows += [
        f"{e},{a},{lr},{lo},{va},{vl}"
        for e, (a, lr, lo, va, vl) in enumerate(
            zip(
                HISTORY["accuracy"],
                HISTORY["learning_rate"],
                HISTORY["loss"],
                HISTORY["val_accuracy"],
                HISTORY["val_loss"],
            )
        )
    ]
    csv_path.write_text("\n".join(rows) + "\n")
    assert_png(plot_training_curves(csv_path, tmp_path / "c" / "curves.png"))
    check_training_panels(figures[1])


def test_metrics_bar_with_gaps(tmp_path, figures):
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
    (ax,) = figures[0].axes
    order = ["accuracy", "recall", "precision", "f1", "roc_auc"]
    assert [t.get_text() for t in ax.get_xticklabels()] == order
    groups = ax.containers
    assert [g.get_label() for g in groups] == list(bars)
    for group, model in zip(groups, bars.values()):
        for bar, metric in zip(group, order):
            value = model.get(metric, math.nan)
            if math.isfinite(value):
                assert bar.get_visible() and bar.get_height() == pytest.approx(value)
            else:  # missing or nan: a gap, not a bar of height 0
                assert not bar.get_visible()
    # Each visible bar is annotated with its value, two decimals.
    finite = [v for m in bars.values() for v in m.values() if math.isfinite(v)]
    assert sorted(a.get_text() for a in ax.texts) == sorted(f"{v:.2f}" for v in finite)


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
