"""Calibration: ECE by hand, Brier, the reliability PNG, temperature scaling of an over-confident model."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from sklearn.metrics import brier_score_loss, roc_auc_score

from lesionkit.errors import DataError
from lesionkit.evaluation.reports.plots import plot_reliability
from lesionkit.evaluation.stats.calibration import (
    CalibrationWarning,
    TemperatureScaling,
    apply_temperature,
    brier_score,
    calibration_bins,
    expected_calibration_error,
    fit_temperature,
)
from lesionkit.evaluation.stats.metrics import MetricInputError


def over_confident(n: int, seed: int, sharpness: float = 3.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels drawn from true probabilities sigmoid(z), and reported scores sigmoid(sharpness * z): too sharp."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return y, 1 / (1 + np.exp(-sharpness * z)), 1 / (1 + np.exp(-z))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_ece_equal_width_by_hand() -> None:
    y = [0, 1, 0, 1, 1, 1]
    p = [0.05, 0.15, 0.45, 0.55, 0.85, 0.95]
    # 4 bins of width 0.25: [0.05, 0.15] -> mean 0.10, observed 1/2; [0.45] -> 0.45 vs 0;
    # [0.55] -> 0.55 vs 1; [0.85, 0.95] -> 0.90 vs 1.
    expected = (2 * 0.40 + 1 * 0.45 + 1 * 0.45 + 2 * 0.10) / 6
    assert expected_calibration_error(y, p, n_bins=4) == pytest.approx(expected)
    bins = calibration_bins(y, p, n_bins=4)
    assert bins.count.tolist() == [2, 1, 1, 2]
    assert bins.observed.tolist() == [0.5, 0.0, 1.0, 1.0]
    assert bins.kind == "binary" and bins.strategy == "equal_width"


def test_ece_equal_width_puts_edges_in_the_upper_bin_and_1_in_the_last() -> None:
    bins = calibration_bins([0, 1, 1], [0.0, 0.5, 1.0], n_bins=2)
    assert bins.count.tolist() == [1, 2]


def test_ece_equal_mass_by_hand() -> None:
    y = [0, 0, 1, 0, 1, 1]
    p = [0.9, 0.1, 0.2, 0.3, 0.8, 0.7]
    # Sorted: 0.1(0) 0.2(1) | 0.3(0) 0.7(1) | 0.8(1) 0.9(0)
    expected = (2 * abs(0.5 - 0.15) + 2 * abs(0.5 - 0.5) + 2 * abs(0.5 - 0.85)) / 6
    assert expected_calibration_error(y, p, n_bins=3, strategy="equal_mass") == pytest.approx(expected)
    bins = calibration_bins(y, p, n_bins=3, strategy="equal_mass")
    assert bins.lower.tolist() == [0.1, 0.3, 0.8] and bins.upper.tolist() == [0.2, 0.7, 0.9]
    # More bins than cases: one case a bin.
    assert calibration_bins(y, p, n_bins=50, strategy="equal_mass").count.tolist() == [1] * 6


def test_multiclass_ece_is_top_label_calibration_by_hand() -> None:
    y = [0, 1, 2, 2]
    p = [[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6], [0.1, 0.0, 0.9]]
    # confidences 0.8 (right), 0.6 (wrong), 0.6 (right), 0.9 (right); 2 bins: all in [0.5, 1]
    # mean confidence 0.725, accuracy 0.75.
    assert expected_calibration_error(y, p, n_bins=2) == pytest.approx(0.025)
    assert calibration_bins(y, p, n_bins=2).kind == "multiclass"


@settings(max_examples=40)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=1, max_size=40),
    st.integers(1, 20),
    st.sampled_from(["equal_width", "equal_mass"]),
)
def test_ece_lies_in_0_1(cases: list[tuple[int, float]], n_bins: int, strategy: str) -> None:
    y, p = zip(*cases)
    assert 0.0 <= expected_calibration_error(list(y), list(p), n_bins, strategy) <= 1.0  # type: ignore[arg-type]


def test_brier_binary_matches_sklearn_and_multiclass_by_hand() -> None:
    y, p, _ = over_confident(200, seed=0)
    assert brier_score(y, p) == pytest.approx(brier_score_loss(y, p))
    assert brier_score(y, np.c_[1 - p, p]) == pytest.approx(brier_score_loss(y, p))
    # (0.2² + 0.1² + 0.1²) + (0.6² + 0.7² + 0.1²) over 2 cases
    assert brier_score([0, 1], [[0.8, 0.1, 0.1], [0.6, 0.3, 0.1]]) == pytest.approx((0.06 + 0.86) / 2)


def test_bad_inputs_are_refused_with_a_reason() -> None:
    with pytest.raises(MetricInputError, match="must lie in"):
        expected_calibration_error([0, 1], [0.2, 1.4])
    with pytest.raises(MetricInputError, match="must lie in"):
        brier_score([0, 1, 2], [[0.2, 0.9, 0.1], [0.1, 0.1, -0.8], [0.1, 0.1, 0.8]])
    with pytest.raises(MetricInputError, match="strategy"):
        calibration_bins([0, 1], [0.2, 0.4], strategy="quantile")  # type: ignore[arg-type]
    with pytest.raises(MetricInputError, match="n_bins"):
        calibration_bins([0, 1], [0.2, 0.4], n_bins=0)


def test_reliability_diagram_is_a_png(tmp_path: Path) -> None:
    y, p, _ = over_confident(300, seed=1)
    out = plot_reliability(y, p, tmp_path / "plots" / "reliability.png", title="melanoma")
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (550, 600)
    rng = np.random.default_rng(0)
    multi = plot_reliability(rng.integers(0, 3, 50), softmax(rng.normal(size=(50, 3))), tmp_path / "m.png")
    assert multi.read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["m.png", "plots", "reliability.png"]  # no temp files


def test_temperature_scaling_repairs_an_over_confident_model_without_changing_auc() -> None:
    y_val, p_val, _ = over_confident(2000, seed=2)
    y_test, p_test, _ = over_confident(2000, seed=3)
    t = fit_temperature(y_val, p_val)
    assert t.temperature == pytest.approx(3.0, rel=0.15)  # the sharpening that was applied
    assert t.nll_after < t.nll_before and t.chosen_on == "validation" and t.n_cases == 2000
    calibrated = t.apply(p_test)
    before = expected_calibration_error(y_test, p_test)
    after = expected_calibration_error(y_test, calibrated)
    assert before > 0.08 and after < before / 2, (before, after)
    assert expected_calibration_error(y_test, calibrated, strategy="equal_mass") < expected_calibration_error(
        y_test, p_test, strategy="equal_mass"
    )
    assert roc_auc_score(y_test, calibrated) == pytest.approx(roc_auc_score(y_test, p_test), abs=1e-12)


def test_temperature_scaling_of_softmax_probabilities_and_logits_agree() -> None:
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 1500)
    true_logits = rng.normal(size=(1500, 3)) + 1.0 * np.eye(3)[y]
    # Labels consistent with softmax(true_logits)... then report logits 2.5x too sharp.
    y = np.array([rng.choice(3, p=row) for row in softmax(true_logits)])
    sharp = 2.5 * true_logits
    from_probs = fit_temperature(y, softmax(sharp))
    from_logits = fit_temperature(y, logits=sharp)
    assert from_probs.kind == from_logits.kind == "multiclass"
    assert from_probs.temperature == pytest.approx(from_logits.temperature, rel=1e-4)
    assert from_probs.temperature == pytest.approx(2.5, rel=0.15)
    calibrated = from_probs.apply(softmax(sharp))
    assert expected_calibration_error(y, calibrated) < expected_calibration_error(y, softmax(sharp))
    np.testing.assert_array_equal(calibrated.argmax(axis=1), sharp.argmax(axis=1))  # top label unchanged

    # Two-column logits are read as the log-odds of column 1.
    yb, pb, _ = over_confident(500, seed=7)
    log_odds = np.log(pb) - np.log1p(-pb)
    two_column = fit_temperature(yb, logits=np.c_[np.full(500, 0.5), log_odds + 0.5])
    assert two_column.kind == "binary"
    assert two_column.temperature == pytest.approx(fit_temperature(yb, logits=log_odds).temperature, rel=1e-6)


@settings(max_examples=50)
@given(st.lists(st.floats(1e-6, 1 - 1e-6), min_size=1, max_size=20), st.booleans())
def test_temperature_1_is_the_identity(values: list[float], multiclass: bool) -> None:
    p = np.array(values)
    if multiclass:
        p = np.c_[p, 1 - p, np.ones_like(p)] / 2.0
    np.testing.assert_allclose(apply_temperature(p, 1.0), p, rtol=1e-9, atol=1e-12)


def test_temperature_record_round_trips_through_json_and_checks_its_use() -> None:
    y, p, _ = over_confident(300, seed=5)
    t = fit_temperature(y, p, chosen_on="val-fold-1")
    again = TemperatureScaling.from_dict(json.loads(json.dumps(t.to_dict())))
    assert again == t
    np.testing.assert_array_equal(again.apply(p), t.apply(p))
    with pytest.raises(MetricInputError, match="fitted on binary"):
        t.apply(np.full((2, 3), 1 / 3))
    with pytest.raises(DataError, match="lacks"):
        TemperatureScaling.from_dict({"temperature": 2.0})
    with pytest.raises(DataError, match="positive number"):
        TemperatureScaling.from_dict({**t.to_dict(), "temperature": -1})


def test_fit_temperature_refuses_bad_requests_and_warns_at_the_bounds() -> None:
    with pytest.raises(MetricInputError, match="either probs or logits"):
        fit_temperature([0, 1])
    with pytest.raises(MetricInputError, match="bounds"):
        fit_temperature([0, 1], [0.2, 0.8], bounds=(2.0, 5.0))
    with pytest.raises(MetricInputError, match="> 0"):
        apply_temperature([0.5], 0.0)
    # Labels opposite to confident scores: no positive T fits well; T runs to the upper bound.
    with pytest.warns(CalibrationWarning, match="edge of its search range"):
        fit_temperature([1, 0, 1, 0], [0.01, 0.99, 0.02, 0.98], bounds=(0.5, 2.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalibrationWarning)
        fit_temperature(*over_confident(200, seed=6)[:2])
