"""Confidence intervals: the vectorised bootstrap against a slow loop, DeLong against its definition."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    roc_auc_score,
)

from lesionkit.errors import LesionkitError
from lesionkit.evaluation.stats.confidence import (
    BINARY_METRICS,
    Interval,
    bootstrap_ci,
    resample_counts,
)
from lesionkit.evaluation.stats.metrics import MetricInputError
from lesionkit.evaluation.stats.paired import (
    UnpairedPredictionsError,
    delong_auc,
    delong_test,
    paired_bootstrap,
    paired_cases,
)


def scored_cases(n: int, seed: int, separation: float = 1.0, prevalence: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores with ties (rounded to 2 decimals), positives higher by ``separation`` on average."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < prevalence).astype(int)
    y[:2], y[2:4] = 1, 0  # both classes, whatever the seed
    z = rng.normal(size=n) + separation * y
    return y, np.round(1 / (1 + np.exp(-z)), 2)


def reference_draws(y: np.ndarray, n_resamples: int, seed: int) -> list[np.ndarray]:
    """The resampled case indices, drawn one stratum at a time as resample_counts documents."""
    rng = np.random.default_rng(seed)
    per_stratum = []
    for value in np.unique(y):
        members = np.flatnonzero(y == value)
        per_stratum.append(members[rng.integers(0, len(members), size=(n_resamples, len(members)))])
    return [np.concatenate([draws[b] for draws in per_stratum]) for b in range(n_resamples)]


def percentile_interval(replicates: list[float], level: float = 0.95) -> tuple[float, float]:
    low, high = np.quantile(replicates, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def slow_sensitivity_at_specificity(y: np.ndarray, s: np.ndarray, specificity: float) -> float:
    """Brute force: the best sensitivity over every threshold (p > t) whose specificity reaches the level."""
    best = 0.0
    for t in np.r_[np.unique(s), -np.inf]:
        if np.mean(s[y == 0] <= t) >= specificity - 1e-12:
            best = max(best, float(np.mean(s[y == 1] > t)))
    return best


# ---------------------------------------------------------------------------- resampling


def test_resample_counts_keep_each_stratum_size_and_follow_the_documented_draws() -> None:
    y = np.array([1, 0, 0, 1, 0, 2, 2, 0])
    w = resample_counts(y, 50, np.random.default_rng(3))
    for value in (0, 1, 2):
        assert np.all(w[:, y == value].sum(axis=1) == np.sum(y == value))
    expected = np.zeros_like(w)
    for b, idx in enumerate(reference_draws(y, 50, 3)):
        np.add.at(expected[b], idx, 1)
    np.testing.assert_array_equal(w, expected)


# ---------------------------------------------------------------------------- bootstrap vs a slow loop


def test_binary_bootstrap_equals_a_slow_loop_over_resamples_scored_by_sklearn() -> None:
    """Same seed, same draws: the vectorised replicates, hence intervals, equal the loop's (float rounding only)."""
    y, s = scored_cases(150, seed=1)
    threshold = 0.6
    result = bootstrap_ci(y, s, threshold=threshold, n_resamples=60, seed=11)
    replicates: dict[str, list[float]] = {k: [] for k in result.intervals}
    for idx in reference_draws(y, 60, 11):
        yb, sb = y[idx], s[idx]
        pred = sb > threshold
        sens, spec = np.mean(pred[yb == 1]), np.mean(~pred[yb == 0])
        replicates["roc_auc"].append(roc_auc_score(yb, sb))
        replicates["average_precision"].append(average_precision_score(yb, sb))
        replicates["sensitivity"].append(sens)
        replicates["specificity"].append(spec)
        replicates["balanced_accuracy"].append(balanced_accuracy_score(yb, pred.astype(int)))
    for name, values in replicates.items():
        low, high = percentile_interval(values)
        assert result[name].low == pytest.approx(low, abs=1e-12), name
        assert result[name].high == pytest.approx(high, abs=1e-12), name
    assert result["roc_auc"].estimate == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert result["average_precision"].estimate == pytest.approx(average_precision_score(y, s), abs=1e-12)
    assert result["balanced_accuracy"].estimate == pytest.approx(
        balanced_accuracy_score(y, (s > threshold).astype(int)), abs=1e-12
    )
    assert result.threshold == threshold and result.n_resamples == 60


def test_multiclass_bootstrap_equals_a_slow_loop_stratified_by_class() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, 120)
    logits = rng.normal(size=(120, 3)) + 1.5 * np.eye(3)[y]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    result = bootstrap_ci(y, p, n_resamples=50, seed=2)
    assert set(result.intervals) == {"balanced_accuracy", "accuracy", "macro_auc"}
    replicates: dict[str, list[float]] = {k: [] for k in result.intervals}
    for idx in reference_draws(y, 50, 2):
        yb, pb = y[idx], p[idx]
        replicates["balanced_accuracy"].append(balanced_accuracy_score(yb, pb.argmax(1)))
        replicates["accuracy"].append(accuracy_score(yb, pb.argmax(1)))
        replicates["macro_auc"].append(roc_auc_score(yb, pb, multi_class="ovr", average="macro"))
    for name, values in replicates.items():
        low, high = percentile_interval(values)
        assert (result[name].low, result[name].high) == pytest.approx((low, high), abs=1e-12), name
    assert result["macro_auc"].estimate == pytest.approx(roc_auc_score(y, p, multi_class="ovr"), abs=1e-12)
    assert result.threshold is None


def test_same_seed_same_interval_other_seed_other_interval() -> None:
    y, s = scored_cases(200, seed=2)
    a = bootstrap_ci(y, s, ["roc_auc"], n_resamples=200, seed=7)
    assert a == bootstrap_ci(y, s, ["roc_auc"], n_resamples=200, seed=7)
    assert a != bootstrap_ci(y, s, ["roc_auc"], n_resamples=200, seed=8)


def test_the_default_request_is_every_binary_metric_2000_resamples_at_95_percent() -> None:
    """The defaults, on 600 cases (its speed beside a scikit-learn loop: benchmarks/bootstrap_speed.py)."""
    y, s = scored_cases(600, seed=3)
    result = bootstrap_ci(y, s)
    assert result == bootstrap_ci(y, s, BINARY_METRICS, threshold=0.5, n_resamples=2000, level=0.95, seed=0)
    assert tuple(result.intervals) == BINARY_METRICS and result.n_resamples == 2000
    for name, interval in result.intervals.items():
        assert interval.level == 0.95
        assert 0.0 <= interval.low <= interval.estimate <= interval.high <= 1.0, name
    # 2,000 resamples: the interval moves by little with the seed (Monte Carlo error well under its width).
    other = bootstrap_ci(y, s, ["roc_auc"], seed=1)["roc_auc"]
    width = result["roc_auc"].high - result["roc_auc"].low
    assert (
        abs(other.low - result["roc_auc"].low) < 0.1 * width and abs(other.high - result["roc_auc"].high) < 0.1 * width
    )


def test_bootstrap_and_delong_standard_errors_agree() -> None:
    """Two independent estimates of the same sampling spread: the 95 % widths agree within 15 %."""
    y, s = scored_cases(600, seed=4)
    boot = bootstrap_ci(y, s, ["roc_auc"], seed=0)["roc_auc"]
    delong = delong_auc(y, s, transform="none").interval
    assert boot.high - boot.low == pytest.approx(delong.high - delong.low, rel=0.15)


def test_bootstrap_refuses_bad_requests() -> None:
    y, s = scored_cases(40, seed=0)
    with pytest.raises(MetricInputError, match="no positive"):
        bootstrap_ci([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(MetricInputError, match="unknown metric"):
        bootstrap_ci(y, s, ["auc"])
    with pytest.raises(MetricInputError, match="use 0.95"):
        bootstrap_ci(y, s, level=95)
    with pytest.raises(MetricInputError, match="n_resamples"):
        bootstrap_ci(y, s, n_resamples=0)
    with pytest.raises(MetricInputError, match="class indices"):
        bootstrap_ci([0, 1, 3], np.full((3, 3), 1 / 3))


def test_multiclass_inputs_are_checked_and_undefined_values_are_nan() -> None:
    p = np.full((4, 3), 1 / 3)
    with pytest.raises(MetricInputError, match=r"\(N,\) and probabilities \(N, K\)"):
        bootstrap_ci([0, 1, 2], p)
    with pytest.raises(MetricInputError, match="row 1"):
        bootstrap_ci([0, 1, 2, 0], np.r_[p[:1], [[np.nan, 0.5, 0.5]], p[2:]])
    with pytest.raises(MetricInputError, match="empty"):
        bootstrap_ci(np.zeros(0, int), np.zeros((0, 3)))
    with pytest.raises(MetricInputError, match="class indices"):
        bootstrap_ci([0.5, 1, 2, 0], p)
    # One class only: one-vs-rest AUC is undefined, reported as nan (and null in JSON).
    r = bootstrap_ci([1, 1, 1, 1], np.eye(3)[[1, 1, 0, 1]], n_resamples=20)
    assert r["accuracy"].estimate == 0.75
    assert math.isnan(r["macro_auc"].estimate) and math.isnan(r["macro_auc"].low)
    assert r.to_dict()["macro_auc_ci"] == [None, None]


def test_interval_contains() -> None:
    interval = Interval(0.8, 0.7, 0.9)
    assert interval.contains(0.7) and interval.contains(0.85) and not interval.contains(0.95)


def test_results_are_json_ready() -> None:
    y, s = scored_cases(60, seed=0)
    data = bootstrap_ci(y, s, ["roc_auc", "sensitivity"], n_resamples=50).to_dict()
    assert set(data) >= {"roc_auc", "roc_auc_ci", "sensitivity_ci", "ci_level", "n_resamples", "seed"}
    assert data["ci_method"] == "stratified percentile bootstrap"
    json.dumps(data, allow_nan=False)
    assert Interval(math.nan, math.nan, math.nan).to_dict("x") == {"x": None, "x_ci": [None, None]}
    json.dumps(delong_auc(y, s).to_dict(), allow_nan=False)
    json.dumps(delong_test(y, s, s[::-1]).to_dict(), allow_nan=False)


# ---------------------------------------------------------------------------- DeLong


def direct_delong(y: np.ndarray, scores: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """O(n²) from the definition: Mann–Whitney kernel psi, structural components V10 / V01."""
    v10, v01 = [], []
    for s in scores:
        x, yn = s[y == 1], s[y == 0]
        psi = (x[:, None] > yn[None, :]) + 0.5 * (x[:, None] == yn[None, :])
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
    m, n = int(np.sum(y == 1)), int(np.sum(y == 0))
    cov = np.atleast_2d(np.cov(v10)) / m + np.atleast_2d(np.cov(v01)) / n
    return np.array([c.mean() for c in v10]), cov


def test_delong_matches_the_quadratic_definition_and_sklearn_with_ties() -> None:
    y, s = scored_cases(300, seed=6)
    assert len(np.unique(s)) < len(s)  # ties present
    aucs, cov = direct_delong(y, [s])
    r = delong_auc(y, s)
    assert r.auc == pytest.approx(aucs[0], abs=1e-12)
    assert r.auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert r.variance == pytest.approx(cov[0, 0], rel=1e-10)
    assert (r.n_positive, r.n_negative) == (int(y.sum()), int((1 - y).sum()))


def test_delong_by_hand_on_six_and_five_cases() -> None:
    """DeLong et al. (1988) worked by hand, as fractions, on two tiny cases (the second with a tie).

    The reference values are derived here from the paper's definitions (the structural
    components V10, V01 and their sample variances), not read off pROC: its documented aSAH
    example needs the aSAH data, which the tests do not ship.
    """
    # Positives 0.45, 0.8, 0.9; negatives 0.1, 0.4, 0.5. V10 = (2/3, 1, 1), V01 = (1, 1, 2/3):
    # AUC = 8/9; S10 = S01 = 1/27 (ddof 1); var = S10 / 3 + S01 / 3 = 2/81.
    y, a = [0, 0, 0, 1, 1, 1], [0.1, 0.4, 0.5, 0.45, 0.8, 0.9]
    r = delong_auc(y, a, transform="none")
    assert (r.auc, r.variance) == pytest.approx((8 / 9, 2 / 81), rel=1e-12)
    assert (r.n_positive, r.n_negative) == (3, 3)
    assert (r.interval.low, r.interval.high) == pytest.approx((8 / 9 - 1.959964 * math.sqrt(2) / 9, 1.0), rel=1e-6)
    # A tie: positives 0.5, 0.7; negatives 0.5, 0.2, 0.3. V10 = (5/6, 1), V01 = (3/4, 1, 1):
    # AUC = 11/12; S10 = 1/72, S01 = 1/48; var = (1/72) / 2 + (1/48) / 3 = 1/72.
    tied = delong_auc([1, 1, 0, 0, 0], [0.5, 0.7, 0.5, 0.2, 0.3])
    assert (tied.auc, tied.variance) == pytest.approx((11 / 12, 1 / 72), rel=1e-12)
    # Paired against a perfect model B (V10 = V01 = 1, no variance, no covariance):
    # ΔAUC = −1/9, se = √2 / 9, z = 1/√2, p = 2 Φ(−1/√2) = erfc(1/2).
    test = delong_test(y, a, [0.0, 0.1, 0.2, 0.7, 0.8, 0.9])
    assert test.difference.estimate == pytest.approx(-1 / 9, rel=1e-12)
    assert test.p_value == pytest.approx(math.erfc(0.5), rel=1e-9)
    assert test.difference.high - test.difference.low == pytest.approx(2 * 1.959964 * math.sqrt(2) / 9, rel=1e-6)


def test_delong_plain_interval_is_the_estimate_plus_minus_z_se_clipped_to_0_1() -> None:
    # A middling AUC: neither bound reaches 0 or 1, so the width is the textbook 2 z se.
    y, s = scored_cases(100, seed=7, separation=1.0)
    r = delong_auc(y, s, transform="none")
    se = math.sqrt(r.variance)
    assert r.interval.low > 0.0 and r.interval.high < 1.0
    assert r.interval.high - r.interval.low == pytest.approx(2 * 1.959964 * se, rel=1e-5)
    assert (r.interval.low + r.interval.high) / 2 == pytest.approx(r.auc, abs=1e-12)
    # Near 1 the upper bound is clipped, the lower one is not.
    y, s = scored_cases(100, seed=7, separation=3.0)
    near_one = delong_auc(y, s, transform="none")
    se = math.sqrt(near_one.variance)
    assert near_one.auc + 1.959964 * se > 1.0
    assert near_one.interval.high == 1.0
    assert near_one.interval.low == pytest.approx(near_one.auc - 1.959964 * se, rel=1e-6)


def test_delong_intervals_logit_and_plain() -> None:
    y, s = scored_cases(100, seed=7, separation=3.0)
    logit = delong_auc(y, s).interval
    se = math.sqrt(delong_auc(y, s).variance)
    # By hand: logit(AUC) ± z se / (AUC (1 − AUC)), mapped back through the logistic function.
    a = logit.estimate
    half = 1.959964 * se / (a * (1 - a))
    expected = [1 / (1 + math.exp(-(math.log(a / (1 - a)) + sign * half))) for sign in (-1, 1)]
    assert [logit.low, logit.high] == pytest.approx(expected, rel=1e-5)
    assert 0 < logit.low < logit.estimate < logit.high < 1
    # Near 1 the logit interval leans down: more room below the estimate than above.
    assert logit.estimate - logit.low > logit.high - logit.estimate
    perfect = delong_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert (perfect.auc, perfect.variance, perfect.interval.low, perfect.interval.high) == (1.0, 0.0, 1.0, 1.0)
    with pytest.raises(MetricInputError, match="transform"):
        delong_auc(y, s, transform="probit")  # type: ignore[arg-type]
    with pytest.raises(MetricInputError, match="at least 2 positives"):
        delong_auc([0, 0, 1], [0.1, 0.2, 0.3])


@settings(max_examples=25)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(0, 20)), min_size=6, max_size=60),
    st.sampled_from(["logit", "none"]),
)
def test_delong_interval_contains_the_estimate_and_lies_in_0_1(cases: list[tuple[bool, int]], transform: str) -> None:
    y = np.array([int(c) for c, _ in cases] + [0, 0, 1, 1])
    s = np.array([v / 20 for _, v in cases] + [0.3, 0.6, 0.4, 0.7])
    r = delong_auc(y, s, transform=transform)  # type: ignore[arg-type]
    assert 0.0 <= r.interval.low <= r.auc <= r.interval.high <= 1.0


def test_delong_paired_test_matches_the_definition() -> None:
    from scipy.stats import norm

    y, a = scored_cases(250, seed=8, separation=1.5)
    rng = np.random.default_rng(9)
    b = np.clip(a + rng.normal(0, 0.15, len(a)), 0, 1)  # a noisier copy: correlated with A
    aucs, cov = direct_delong(y, [a, b])
    se = math.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    r = delong_test(y, a, b)
    assert r.estimate_a == pytest.approx(aucs[0]) and r.estimate_b == pytest.approx(aucs[1])
    assert r.difference.estimate == pytest.approx(aucs[0] - aucs[1], abs=1e-12)
    assert r.p_value == pytest.approx(2 * norm.sf(abs(aucs[0] - aucs[1]) / se), rel=1e-8)
    assert r.difference.high - r.difference.low == pytest.approx(2 * 1.959964 * se, rel=1e-5)
    # The covariance matters: ignoring it (unpaired) would give a wider interval.
    assert se < math.sqrt(cov[0, 0] + cov[1, 1])


def test_delong_test_of_a_model_against_itself() -> None:
    y, a = scored_cases(80, seed=1)
    r = delong_test(y, a, a)
    assert (r.difference.estimate, r.p_value) == (0.0, 1.0)


def test_a_clearly_better_model_is_found_better() -> None:
    y, good = scored_cases(400, seed=10, separation=2.5)
    rng = np.random.default_rng(0)
    weak = np.clip(good + rng.normal(0, 0.4, len(good)), 0, 1)
    r = delong_test(y, good, weak)
    assert r.difference.low > 0 and r.p_value is not None and r.p_value < 0.001
    boot = paired_bootstrap(y, good, weak, n_resamples=500)
    assert boot.difference.low > 0
    assert boot.difference.estimate == pytest.approx(r.difference.estimate, abs=1e-12)


# ---------------------------------------------------------------------------- paired comparisons


def test_paired_bootstrap_of_sensitivity_at_specificity_equals_a_slow_loop() -> None:
    """The threshold is re-chosen per model and per resample (the documented choice)."""
    y, a = scored_cases(120, seed=12, separation=1.5)
    b = np.round(np.clip(a + np.random.default_rng(1).normal(0, 0.2, len(a)), 0, 1), 2)
    r = paired_bootstrap(y, a, b, metric="sensitivity_at_specificity", specificity=0.8, n_resamples=150, seed=4)
    deltas = [
        slow_sensitivity_at_specificity(y[i], a[i], 0.8) - slow_sensitivity_at_specificity(y[i], b[i], 0.8)
        for i in reference_draws(y, 150, 4)
    ]
    assert (r.difference.low, r.difference.high) == pytest.approx(percentile_interval(deltas), abs=1e-12)
    assert r.estimate_a == pytest.approx(slow_sensitivity_at_specificity(y, a, 0.8))
    assert r.specificity == 0.8 and r.p_value is None
    assert r.to_dict()["specificity"] == 0.8


def test_paired_bootstrap_auc_equals_a_slow_loop() -> None:
    y, a = scored_cases(100, seed=13)
    b = a[::-1].copy()
    r = paired_bootstrap(y, a, b, n_resamples=50, seed=1)
    deltas = [roc_auc_score(y[i], a[i]) - roc_auc_score(y[i], b[i]) for i in reference_draws(y, 50, 1)]
    assert (r.difference.low, r.difference.high) == pytest.approx(percentile_interval(deltas), abs=1e-12)


def sensitivity_at_specificity(y: Any, s: Any, specificity: float) -> float:
    """The full-data sensitivity at ``specificity`` that the paired bootstrap compares."""
    r = paired_bootstrap(y, s, s, metric="sensitivity_at_specificity", specificity=specificity, n_resamples=1)
    return r.estimate_a


def test_sensitivity_at_specificity_is_the_best_sensitivity_meeting_the_specificity() -> None:
    y, s = scored_cases(200, seed=14)
    for spec in (0.5, 0.8, 0.9, 0.95, 1.0):
        assert sensitivity_at_specificity(y, s, spec) == pytest.approx(slow_sensitivity_at_specificity(y, s, spec))
    # By hand: negatives 0.1 0.2 0.3 0.8; 3 of 4 are <= 0.3, so t = 0.3 and positives 0.25, 0.9 give 1/2.
    assert sensitivity_at_specificity([0, 0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.8, 0.25, 0.9], 0.75) == 0.5
    with pytest.raises(MetricInputError, match="not 90"):
        sensitivity_at_specificity(y, s, 90)


def test_paired_bootstrap_refuses_inconsistent_requests() -> None:
    y, a = scored_cases(50, seed=0)
    with pytest.raises(MetricInputError, match="needs specificity"):
        paired_bootstrap(y, a, a, metric="sensitivity_at_specificity")
    with pytest.raises(MetricInputError, match="applies to"):
        paired_bootstrap(y, a, a, specificity=0.9)
    with pytest.raises(MetricInputError, match="metric must be"):
        paired_bootstrap(y, a, a, metric="f1")  # type: ignore[arg-type]


def test_models_scored_on_different_cases_are_refused() -> None:
    y, a = scored_cases(30, seed=0)
    for compare in (delong_test, paired_bootstrap):
        with pytest.raises(UnpairedPredictionsError, match="same cases") as info:
            compare(y, a, a[:-1])
        assert isinstance(info.value, LesionkitError)
        with pytest.raises(UnpairedPredictionsError, match="same cases"):
            compare(y, a, np.c_[1 - a, a][:-1])  # a two-column softmax is read as column 1
    assert delong_test(y, a, np.c_[1 - a, a]).difference.estimate == 0.0
    with pytest.raises(UnpairedPredictionsError, match="labels differ on 1 case"):
        paired_cases(y, a, np.r_[1 - y[:1], y[1:]], a)
    with pytest.raises(UnpairedPredictionsError, match="same cases"):
        paired_cases(y, a, y[:-1], a[:-1])
    ids = [f"ISIC_{i:07d}" for i in range(30)]
    with pytest.raises(UnpairedPredictionsError, match=r"1 id\(s\) only in A"):
        paired_cases(y, a, y, a, ids_a=ids, ids_b=[*ids[:-1], "other"])
    with pytest.raises(UnpairedPredictionsError, match="labels differ.*ISIC_0000000"):
        paired_cases(y, a, np.r_[1 - y[:1], y[1:]], a, ids_a=ids, ids_b=ids)
    with pytest.raises(UnpairedPredictionsError, match="neither"):
        paired_cases(y, a, y, a, ids_a=ids)
    with pytest.raises(UnpairedPredictionsError, match="one id per prediction"):
        paired_cases(y, a, y, a, ids_a=ids[:-1], ids_b=ids)
    with pytest.raises(UnpairedPredictionsError, match="twice"):
        paired_cases(y, a, y, a, ids_a=[ids[0], *ids[:-1]], ids_b=ids)


def test_paired_cases_aligns_b_to_a_by_id() -> None:
    y, a = scored_cases(20, seed=1)
    ids = [f"id{i}" for i in range(20)]
    perm = np.random.default_rng(0).permutation(20)
    b = a * 0.5
    yy, aa, bb = paired_cases(y, a, y[perm], b[perm], ids_a=ids, ids_b=[ids[i] for i in perm])
    np.testing.assert_array_equal(yy, y)
    np.testing.assert_array_equal(bb, b)
    np.testing.assert_array_equal(aa, a)
