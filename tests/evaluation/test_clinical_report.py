"""Intervals, calibration, frozen thresholds, subgroups, comparisons and the model card in reports (no TensorFlow)."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import numpy as np
import pytest

from lesionkit.config import ExperimentConfig
from lesionkit.data.splitting.split import Split
from lesionkit.errors import DataError
from lesionkit.evaluation.posthoc.chain import PostHoc
from lesionkit.evaluation.posthoc.run_calibration import (
    choose_run_operating_point,
    fit_run_temperature,
    run_operating_point,
    run_temperature,
)
from lesionkit.evaluation.reports.clinical_report import clinical_report
from lesionkit.evaluation.reports.compare import compare_runs
from lesionkit.evaluation.reports.evaluate import evaluate_split, save_report
from lesionkit.evaluation.reports.run_summary import runs_table, summarize_run
from lesionkit.evaluation.stats.calibration import expected_calibration_error
from lesionkit.evaluation.stats.metrics import binary_metrics
from lesionkit.evaluation.stats.paired import UnpairedPredictionsError
from lesionkit.runs import RunDir
from lesionkit.task import get_task

N = 120


def _logits(seed: int, n: int = N) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 3 == 0).astype(int)
    return y, rng.normal(size=n) + 1.5 * y - 0.7


def _calibrated_logits(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from sigmoid(z): z are the log-odds of a perfectly calibrated model."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, n) - 0.5
    return (rng.random(n) < _sigmoid(z)).astype(int), z


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _split(name: str, y: np.ndarray, metadata: dict | None = None, ids: tuple[str, ...] | None = None) -> Split:
    # Diagnosis codes: 1 = melanoma, 0 = nevus; images are never looked at by the fake model.
    return Split(
        name=name,
        ids=ids or tuple(f"img{i:03d}" for i in range(len(y))),
        diagnosis=np.where(y == 1, 1, 0),
        load_images=lambda size: np.zeros((len(y), size, size, 3), np.uint8),
        metadata=metadata or {},
    )


def _report(split: Split, probs: np.ndarray, **kwargs):
    return evaluate_split(
        lambda images, views: probs, split, name="m", task=get_task("melanoma"), image_size=8, bootstrap=200, **kwargs
    )


def _chain(run: RunDir) -> PostHoc:
    return PostHoc.from_run(run, run.read_config())


def _run(tmp_path: Path, name: str) -> RunDir:
    run = RunDir(tmp_path / name)
    run.create(ExperimentConfig(name=name, dataset="synthetic"), {})
    return run


def test_report_has_bootstrap_and_delong_intervals_everywhere(tmp_path):
    y, z = _logits(0)
    report = _report(_split("test", y), _sigmoid(z))
    flat = report.clinical.flat()
    for name in ("roc_auc", "average_precision", "sensitivity", "specificity", "balanced_accuracy"):
        low, high = flat[f"{name}_ci"]
        assert low <= report.clinical.intervals[name].estimate <= high and low < high
    assert flat["roc_auc_delong_ci"][0] < report.metrics["roc_auc"] < flat["roc_auc_delong_ci"][1]
    assert "stratified bootstrap (200 resamples, seed 0)" in report.table()
    out = report.save(tmp_path / "test")
    data = json.loads((out / "metrics.json").read_text())
    assert data["intervals"]["roc_auc_ci"] == flat["roc_auc_ci"] and data["n_cases"] == N
    assert {"reliability.png", "metrics.json", "report.md"} <= {p.name for p in out.iterdir()}
    assert "roc_auc_delong_ci" in data["intervals"] and data["calibration"]["ece"] > 0


def test_bootstrap_is_seeded_and_can_be_turned_off():
    y, z = _logits(1)
    a = clinical_report(y, _sigmoid(z), split="test", bootstrap=100, seed=3).flat()["roc_auc_ci"]
    b = clinical_report(y, _sigmoid(z), split="test", bootstrap=100, seed=3).flat()["roc_auc_ci"]
    c = clinical_report(y, _sigmoid(z), split="test", bootstrap=100, seed=4).flat()["roc_auc_ci"]
    assert a == b and a != c
    off = clinical_report(y, _sigmoid(z), split="test", bootstrap=0)
    assert off.intervals is None and "roc_auc_ci" not in off.flat() and "roc_auc_delong_ci" in off.flat()
    assert "bootstrap intervals off" in "\n".join(off.lines())


def test_temperature_fitted_on_validation_lowers_ece_and_keeps_auc(tmp_path):
    """An over-confident model (logits scaled up ×4): the run's temperature brings ECE down, AUC unchanged."""
    run = _run(tmp_path, "overconfident")
    y_val, z_val = _calibrated_logits(2, 600)
    y_test, z_test = _calibrated_logits(3, 600)
    raw_val, raw_test = _sigmoid(4 * z_val), _sigmoid(4 * z_test)
    scaling = fit_run_temperature(run, y_val, raw_val)
    assert scaling.chosen_on == "validation" and scaling.temperature > 2
    assert run_temperature(run) == scaling
    calibrated = run_temperature(run).apply(raw_test)
    before, after = expected_calibration_error(y_test, raw_test), expected_calibration_error(y_test, calibrated)
    assert after < before / 2
    assert binary_metrics(y_test, calibrated)["roc_auc"] == pytest.approx(binary_metrics(y_test, raw_test)["roc_auc"])
    report = _report(_split("test", y_test), calibrated, posthoc=_chain(run))
    assert "temperature" in report.table() and "fitted on validation applied" in report.table()
    assert report.clinical.calibration["ece"] == pytest.approx(after)


def test_frozen_threshold_changes_the_test_report_only_when_chosen_on_validation(tmp_path):
    run = _run(tmp_path, "thresholds")
    y_val, z_val = _logits(4)
    y_test, z_test = _logits(5)
    p_val, p_test = _sigmoid(z_val), _sigmoid(z_test)
    test, validation = _split("test", y_test), _split("validation", y_val)

    choose_run_operating_point(run, y_val, p_val, "sensitivity", target=0.95)
    high_sens = _report(test, p_test, posthoc=_chain(run))
    choose_run_operating_point(run, y_val, p_val, "youden")
    youden = _report(test, p_test, posthoc=_chain(run))
    a, b = high_sens.clinical.threshold, youden.clinical.threshold
    assert a.point.threshold != b.point.threshold and a.point.chosen_on == "validation"
    assert a.sensitivity.estimate >= b.sensitivity.estimate and (a.tp, a.fp) != (b.tp, b.fp)
    assert a.sensitivity.method == "Wilson"
    # The threshold is used as frozen: the test split's counts are those of p > threshold.
    assert a.tp == int(np.sum((p_test > a.point.threshold) & (y_test == 1)))
    # On the split it was chosen on, no operating-point figures: the report says why.
    on_validation = _report(validation, p_val, posthoc=_chain(run))
    assert on_validation.clinical.threshold is None
    assert "chosen on validation" in on_validation.table()
    # ...and it is never chosen on the test split.
    with pytest.raises(DataError, match="not on 'test'"):
        choose_run_operating_point(run, y_test, p_test, "youden", split="test")
    # The ISIC 2017 figures do not depend on it.
    assert high_sens.isic == youden.isic


def test_a_new_temperature_keeps_the_frozen_decisions(tmp_path):
    run = _run(tmp_path, "carried")
    y, z = _logits(6)
    raw = _sigmoid(3 * z)
    point = choose_run_operating_point(run, y, raw, "sensitivity", target=0.8)
    before = raw > point.threshold
    scaling = fit_run_temperature(run, y, raw)
    moved = run_operating_point(run)
    assert moved.threshold != point.threshold and run.read_operating_point()["temperature"] == scaling.temperature
    assert np.array_equal(scaling.apply(raw) > moved.threshold, before)


def test_subgroups_in_the_report_with_counts_flags_and_plot(tmp_path):
    y, z = _logits(7)
    rng = np.random.default_rng(0)
    metadata = {
        "age": tuple(rng.choice([20.0, 50.0, 70.0, None], N)),
        "sex": tuple(rng.choice(["male", "female"], N)),
        "site": tuple(["palms/soles"] * 5 + ["torso"] * (N - 5)),
        "lesion_id": tuple(f"L{i}" for i in range(N)),  # not a subgroup
    }
    report = _report(_split("test", y, metadata), _sigmoid(z))
    table = report.clinical.subgroups
    assert {r.column for r in table.rows} == {"all", "age", "sex", "site"}
    small = next(r for r in table.rows if r.group == "palms/soles")
    assert small.n == 5 and small.flag
    assert sum(r.n for r in table.rows if r.column == "sex") == N
    out = report.save(tmp_path / "test")
    assert (out / "subgroups.png").stat().st_size > 0
    assert json.loads((out / "metrics.json").read_text())["subgroups"]["rows"][0]["n"] == N
    assert "## Subgroups" in (out / "report.md").read_text()


def test_no_subgroups_without_metadata():
    y, z = _logits(8)
    assert clinical_report(y, _sigmoid(z), split="test", bootstrap=50).subgroups is None


def test_model_card_after_evaluation(tmp_path):
    run = _run(tmp_path, "carded")
    y, z = _logits(9)
    choose_run_operating_point(run, *_logits(10)[:1], _sigmoid(_logits(10)[1]), "youden")
    report = _report(_split("test", y), _sigmoid(z), posthoc=_chain(run))
    save_report(report, run, "test", split_counts={"train": 300, "validation": 120, "test": N})
    card = json.loads(run.model_card_json_file.read_text())
    assert card["data"]["splits"] == {"train": 300, "validation": 120, "test": N}
    assert card["metrics"]["roc_auc_ci"] == report.clinical.flat()["roc_auc_ci"]
    assert card["operating_point"]["rule"] == "youden" and card["metrics"]["sensitivity_ci"]
    text = run.model_card_file.read_text()
    for section in (
        "Intended use",
        "Data and splits",
        "Metrics",
        "Operating point",
        "Calibration",
        "Known limitations",
    ):
        assert f"## {section}" in text
    assert "not calibrated" in text  # no temperature fitted: a limitation
    from lesionkit.evaluation.reports.model_card import write_model_card

    md, js = write_model_card(run, tmp_path / "export")
    assert md.read_text() == text and json.loads(js.read_text())["data"]["splits"]["train"] == 300


def _saved_run(tmp_path: Path, name: str, y: np.ndarray, probs: np.ndarray, ids=None) -> RunDir:
    run = _run(tmp_path, name)
    save_report(_report(_split("test", y, ids=ids), probs), run, "test")
    return run


def test_compare_two_runs_on_the_same_images(tmp_path):
    y, z = _logits(11, 300)
    noise = np.random.default_rng(1).normal(0, 1.5, 300)
    good = _saved_run(tmp_path, "good", y, _sigmoid(z))
    worse = _saved_run(tmp_path, "worse", y, _sigmoid(z + noise))
    result = compare_runs(good.path, worse.path, n_resamples=300)
    d = result.auc.difference
    assert d.estimate > 0 and d.low < d.estimate < d.high and 0 <= result.auc.p_value <= 1
    assert result.n_cases == 300 and result.sensitivity.specificity == 0.9
    assert "ΔAUC (A − B)" in result.table() and "Δsensitivity" in result.table()
    json.dumps(result.to_dict())


def test_compare_refuses_other_images_or_labels_and_names_the_missing_report(tmp_path):
    y, z = _logits(12)
    a = _saved_run(tmp_path, "a", y, _sigmoid(z))
    other_ids = tuple(f"other{i}" for i in range(N))
    b = _saved_run(tmp_path, "b", y, _sigmoid(z), ids=other_ids)
    with pytest.raises(UnpairedPredictionsError, match="not scored on the same images"):
        compare_runs(a.path, b.path, n_resamples=0)
    flipped = y.copy()
    flipped[:2] = 1 - flipped[:2]
    c = _saved_run(tmp_path, "c", flipped, _sigmoid(z))
    with pytest.raises(UnpairedPredictionsError, match="labels differ on 2"):
        compare_runs(a.path, c.path, n_resamples=0)
    with pytest.raises(DataError, match=r"lesionkit evaluate .* --split test --tta 8"):
        compare_runs(a.path, c.path, folder="test-tta8")


def test_runs_table_shows_the_test_auc_interval(tmp_path):
    y, z = _logits(13)
    run = _saved_run(tmp_path, "listed", y, _sigmoid(z))
    summary = summarize_run(run.path)
    low, high = summary.test_ci
    assert low < summary.test < high
    assert f"{summary.test:.4f} ({low:.4f}-{high:.4f})" in runs_table([summary])


def test_one_class_split_is_reported_without_intervals():
    report = clinical_report(np.ones(10, int), np.linspace(0.1, 0.9, 10), split="external", bootstrap=50)
    assert report.intervals is None and report.delong is None
    assert any("one class" in n for n in report.notes)


def test_a_single_positive_gets_a_report_without_delong_interval():
    # A tiny split (one positive of eight) must still be reported: DeLong needs two of each class.
    y = np.array([0, 0, 0, 0, 0, 0, 0, 1])
    report = clinical_report(y, np.linspace(0.1, 0.9, 8), split="validation", bootstrap=50)
    assert report.delong is None
    assert any("DeLong" in n and "1 positive" in n for n in report.notes)


def test_split_without_matching_metadata_lengths_is_refused():
    y, z = _logits(14)
    with pytest.raises(DataError, match="sex"):
        clinical_report(y, _sigmoid(z), split="test", metadata={"sex": ("male",)}, bootstrap=10)


def test_report_of_a_split_unchanged_in_shape():
    y, z = _logits(15)
    split = attrs.evolve(_split("test", y), metadata={})
    report = _report(split, _sigmoid(z))
    assert set(report.metrics) >= {"accuracy", "recall", "precision", "f1", "roc_auc"}


def test_multiclass_report_gets_intervals_and_calibration(tmp_path):
    rng = np.random.default_rng(16)
    y = np.arange(90) % 3
    logits = rng.normal(size=(90, 3)) + 2.0 * np.eye(3)[y]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    r = clinical_report(y, probs, split="test", bootstrap=100)
    flat = r.flat()
    for name in ("balanced_accuracy", "accuracy", "macro_auc"):
        low, high = flat[f"{name}_ci"]
        assert low <= r.intervals[name].estimate <= high
    assert r.delong is None and r.threshold is None and r.n_positive is None
    assert 0 <= flat["ece"] <= 1 and 0 <= flat["brier"] <= 2
    assert "macro_auc" in "\n".join(r.lines())


def test_multiclass_subgroups_are_one_class_vs_rest():
    rng = np.random.default_rng(17)
    y = np.arange(90) % 3
    probs = np.full((90, 3), 0.2) + 0.4 * np.eye(3)[y] * rng.random((90, 1))
    probs /= probs.sum(axis=1, keepdims=True)
    metadata = {"sex": tuple(rng.choice(["male", "female"], 90))}
    r = clinical_report(y, probs, split="test", metadata=metadata, bootstrap=50, subgroup_class=(1, "melanoma"))
    overall = r.subgroups.rows[0]
    assert (overall.n, overall.positives) == (90, 30)
    assert "melanoma vs rest" in "\n".join(r.lines())
    assert clinical_report(y, probs, split="test", metadata=metadata, bootstrap=50).subgroups is None
