"""Multi-class metrics against scikit-learn; the ISIC 2017 3-class sets; the report's text and files."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from lesionkit.evaluation.reports.report import Report
from lesionkit.evaluation.stats.metrics import (
    MetricInputError,
    MetricUndefinedWarning,
    balanced_accuracy,
    confusion_matrix,
    isic_metrics,
    multiclass_metrics,
    one_vs_rest_auc,
    positive_class_metrics,
)

CLASSES3 = ("nevus", "melanoma", "seborrheic_keratosis")


@st.composite
def labelled_probabilities(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    k = draw(st.integers(3, 8))
    n = draw(st.integers(k, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])  # every class present
    rng.shuffle(labels)
    # Coarse scores make ties, which AUC must handle as scikit-learn does.
    scores = np.round(rng.random((n, k)) + draw(st.floats(0, 2)) * np.eye(k)[labels], 1) + 1e-3
    return labels, scores / scores.sum(axis=1, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(labelled_probabilities())
def test_against_scikit_learn(data: tuple[np.ndarray, np.ndarray]) -> None:
    labels, probabilities = data
    k = probabilities.shape[1]
    predicted = probabilities.argmax(axis=1)
    assert np.array_equal(
        confusion_matrix(labels, probabilities), sk_confusion_matrix(labels, predicted, labels=range(k))
    )
    assert balanced_accuracy(labels, probabilities) == pytest.approx(balanced_accuracy_score(labels, predicted))
    names = tuple(f"c{i}" for i in range(k))
    m = multiclass_metrics(labels, probabilities, names)
    assert m["macro_auc"] == pytest.approx(roc_auc_score(labels, probabilities, multi_class="ovr", average="macro"))
    per_class = roc_auc_score(np.eye(k)[labels], probabilities, average=None)
    assert one_vs_rest_auc(labels, probabilities) == pytest.approx(list(per_class))
    assert m["accuracy"] == pytest.approx(float(np.mean(predicted == labels)))
    assert "mean_auc" not in m


def test_isic2017_three_class_sets_and_mean_auc() -> None:
    rng = np.random.default_rng(1)
    labels = np.array([0] * 20 + [1] * 8 + [2] * 6)
    probabilities = rng.dirichlet(np.ones(3), size=len(labels)) + 0.8 * np.eye(3)[labels]
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    sets = positive_class_metrics(labels, probabilities, CLASSES3, ("melanoma", "seborrheic_keratosis"))
    assert sets["melanoma"] == isic_metrics(labels == 1, probabilities[:, 1])
    assert sets["seborrheic_keratosis"]["auc"] == pytest.approx(roc_auc_score(labels == 2, probabilities[:, 2]))
    assert {"spec_at_sens_82", "spec_at_sens_89", "spec_at_sens_95", "average_precision"} <= set(sets["melanoma"])
    m = multiclass_metrics(labels, probabilities, CLASSES3, positive=("melanoma", "seborrheic_keratosis"))
    assert m["mean_auc"] == pytest.approx((sets["melanoma"]["auc"] + sets["seborrheic_keratosis"]["auc"]) / 2)
    assert m["auc_melanoma"] == sets["melanoma"]["auc"]


def test_absent_class_is_nan_with_a_warning_and_bad_inputs_are_refused() -> None:
    labels = np.array([0, 0, 1, 1])
    probabilities = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    with pytest.warns(MetricUndefinedWarning, match="class 2"):
        m = multiclass_metrics(labels, probabilities, CLASSES3)
    assert math.isnan(m["auc_seborrheic_keratosis"]) and math.isnan(m["recall_seborrheic_keratosis"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricUndefinedWarning)
        assert m["macro_auc"] == pytest.approx(np.mean(one_vs_rest_auc(labels, probabilities)[:2]))
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(labels, probabilities.argmax(1)))
    with pytest.raises(MetricInputError, match="class indices 0..2; index 1 is 3"):
        confusion_matrix([0, 3], probabilities[:2])
    with pytest.raises(MetricInputError, match="2 columns but the task has 3"):
        confusion_matrix([0, 1], probabilities[:2, :2], 3)
    with pytest.raises(MetricInputError, match="row 0, column 1"):
        balanced_accuracy([0], [[0.5, np.nan, 0.5]])


def test_multiclass_report_tables_and_files(tmp_path: Path) -> None:
    labels = np.array([0, 0, 1, 2, 2, 1])
    probabilities = np.array(
        [[0.7, 0.2, 0.1], [0.3, 0.6, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.5, 0.1, 0.4], [0.2, 0.5, 0.3]]
    )
    positive = ("melanoma", "seborrheic_keratosis")
    report = Report(
        name="demo",
        split="test",
        task="isic2017_3class",
        metrics=multiclass_metrics(labels, probabilities, CLASSES3, positive),
        y_true=labels,
        probabilities=probabilities,
        ids=tuple(f"img{i}" for i in range(6)),
        classes=CLASSES3,
        positive=positive,
    )
    assert report.confusion_matrix.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert report.confusion_table().splitlines()[2].split() == ["nevus", "1", "1", "0"]
    per_class = report.per_class()
    assert per_class["melanoma"]["precision"] == pytest.approx(2 / 3) and per_class["nevus"]["images"] == 2
    text = report.table()
    assert text.splitlines()[0].split()[:3] == ["accuracy", "balanced", "accuracy"]
    assert "mean AUC" in text and "precision" in text
    out = report.save(tmp_path / "r")
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert saved["per_class"]["seborrheic_keratosis"]["recall"] == 0.5
    lines = (out / "predictions.csv").read_text().splitlines()
    assert lines[0] == "image_id,label,nevus,melanoma,seborrheic_keratosis"
    assert lines[1] == "img0,0,0.700000,0.200000,0.100000"
    assert {p.name for p in out.iterdir()} >= {"confusion_matrix.png", "metrics.png", "report.md"}
    assert not (out / "roc.png").exists()


def test_binary_report_is_unchanged(tmp_path: Path) -> None:
    from lesionkit.evaluation.stats.metrics import binary_metrics

    y, p = np.array([0, 1, 1, 0]), np.array([0.2, 0.7, 0.4, 0.6])
    report = Report("b", "test", "melanoma", binary_metrics(y, p), y, p, ids=("a", "b", "c", "d"))
    assert not report.is_multiclass and report.columns[-1] == "roc_auc"
    assert report.table().splitlines()[0].split()[-2:] == ["ROC", "AUC"]
    out = report.save(tmp_path / "b")
    assert (out / "predictions.csv").read_text().splitlines()[0] == "image_id,label,probability"
    assert "confusion_matrix" not in json.loads((out / "metrics.json").read_text())
    assert (out / "roc.png").exists() and not (out / "confusion_matrix.png").exists()
