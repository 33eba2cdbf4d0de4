"""The report-files owner: what ``ReportFiles.write`` puts in a report folder, ``read`` gives back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lesionkit.errors import DataError
from lesionkit.evaluation.reports.clinical_report import clinical_report
from lesionkit.evaluation.reports.report import Report
from lesionkit.evaluation.reports.report_files import ReportFiles, read_predictions
from lesionkit.evaluation.stats.metrics import binary_metrics, multiclass_metrics


def binary_report() -> Report:
    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 10)
    p = np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, 20), 0.001, 0.999).round(6)
    return Report(
        name="tiny",
        split="test",
        task="melanoma",
        metrics=binary_metrics(y, p),
        y_true=y,
        probabilities=p,
        ids=tuple(f"ISIC_{i:07d}" for i in range(20)),
        tta=8,
        clinical=clinical_report(y, p, split="test", bootstrap=50),
    )


def test_a_binary_report_round_trips_through_its_folder(tmp_path: Path) -> None:
    report = binary_report()
    files = ReportFiles(tmp_path / "test-tta8")
    assert files.write(report) == files.directory
    saved = files.read()
    assert saved is not None
    assert (saved.folder, saved.name, saved.split, saved.task, saved.tta) == (
        "test-tta8",
        "tiny",
        "test",
        "melanoma",
        8,
    )
    for key, value in report.metrics.items():
        assert saved.value(key) == pytest.approx(value)
    assert saved.n_cases == 20 and saved.n_positive == 10
    low, high = saved.interval("roc_auc")  # type: ignore[misc]
    assert low <= report.metrics["roc_auc"] <= high
    predictions = files.read_predictions()
    assert predictions.ids == report.ids
    np.testing.assert_array_equal(predictions.labels, report.y_true)
    np.testing.assert_allclose(predictions.probabilities, report.probabilities, atol=1e-6)
    assert {p.name for p in files.directory.iterdir()} >= {
        "metrics.json",
        "predictions.csv",
        "report.md",
        "roc.png",
        "precision_recall.png",
        "metrics.png",
    }


def test_a_multiclass_report_writes_one_column_per_class(tmp_path: Path) -> None:
    y = np.array([0, 1, 2, 0, 1, 2])
    p = np.eye(3)[[0, 1, 1, 0, 2, 2]] * 0.7 + 0.1
    classes = ("nevus", "melanoma", "seborrheic_keratosis")
    report = Report(
        name="three",
        split="validation",
        task="isic2017_3class",
        metrics=multiclass_metrics(y, p, classes),
        y_true=y,
        probabilities=p,
        ids=tuple("abcdef"),
        classes=classes,
    )
    files = ReportFiles(tmp_path / "validation")
    files.write(report)
    saved = files.read()
    assert saved is not None and saved.value("balanced_accuracy") == pytest.approx(report.metrics["balanced_accuracy"])
    lines = files.predictions_file.read_text().splitlines()
    assert lines[0] == "image_id,label,nevus,melanoma,seborrheic_keratosis"
    assert lines[1] == "a,0,0.800000,0.100000,0.100000"
    assert (files.directory / "confusion_matrix.png").is_file()
    with pytest.raises(DataError, match="no column"):
        files.read_predictions()  # a binary reader refuses a multi-class file, naming what it expected


def test_reading_what_is_not_there_or_broken(tmp_path: Path) -> None:
    assert ReportFiles(tmp_path / "nothing").read() is None  # listings go on past a missing report
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "metrics.json").write_text("{not json")
    assert ReportFiles(tmp_path / "bad").read() is None
    with pytest.raises(DataError, match="does not exist"):
        read_predictions(tmp_path / "missing.csv")
    broken = tmp_path / "broken.csv"
    broken.write_text("image_id,label,probability\na,1,0.5\nb,one,0.2\n")
    with pytest.raises(DataError, match=r"line 3: .* does not parse"):
        read_predictions(broken)
