"""Operating points: the threshold rules exactly, the frozen threshold, the CIs at it."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lesionkit.errors import DataError
from lesionkit.evaluation.stats.metrics import MetricInputError
from lesionkit.evaluation.stats.operating_point import (
    OperatingPoint,
    ThresholdLeakError,
    choose_threshold,
    metrics_at_threshold,
    wilson_interval,
)


def cases(n: int, seed: int, shift: float = 1.2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(int)
    y[:3], y[3:6] = 1, 0
    return y, np.round(1 / (1 + np.exp(-(rng.normal(size=n) + shift * y))), 3)


def test_target_sensitivity_rule_by_hand() -> None:
    # 5 positives; target 0.89 -> k = ceil(4.45) = 5: all must be caught; the 5th highest is 0.35,
    # the next lower score is 0.3 (a negative): threshold 0.325.
    y = [0, 0, 0, 0, 1, 1, 1, 1, 1, 0]
    p = [0.1, 0.2, 0.3, 0.6, 0.35, 0.5, 0.7, 0.8, 0.9, 0.4]
    point = choose_threshold(y, p, "sensitivity", target=0.89)
    assert point.threshold == pytest.approx(0.325)
    assert (point.rule, point.chosen_on, point.target) == ("sensitivity", "validation", 0.89)
    # target 0.8 -> k = 4: the 4th highest positive is 0.5, the next lower score 0.4.
    assert choose_threshold(y, p, "sensitivity", target=0.8).threshold == pytest.approx(0.45)


@settings(max_examples=60)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30)), min_size=2, max_size=50), st.floats(0.05, 1.0))
def test_target_sensitivity_is_reached_and_no_stricter_threshold_reaches_it(
    raw: list[tuple[bool, int]], target: float
) -> None:
    y = np.array([int(c) for c, _ in raw] + [1, 0])
    s = np.array([v / 30 for _, v in raw] + [0.5, 0.5])
    t = choose_threshold(y, s, "sensitivity", target=target).threshold
    k = math.ceil(target * y.sum() - 1e-9)
    assert np.sum(s[y == 1] > t) >= k
    # Any threshold at or above the next higher score loses a required positive.
    higher = s[s > t]
    if higher.size:
        assert np.sum(s[y == 1] > higher.min()) < k


def test_youden_rule_maximises_j_and_breaks_ties_toward_the_strictest_threshold() -> None:
    y, s = cases(300, seed=1)
    point = choose_threshold(y, s, "youden")
    assert point.rule == "youden" and point.target is None

    def j(t: float) -> float:
        return float(np.mean(s[y == 1] > t) + np.mean(s[y == 0] <= t) - 1)

    best = max(j(t) for t in np.r_[np.unique(s), -1.0])
    assert j(point.threshold) == pytest.approx(best)
    # Two equally good points (J = 0.5 at 0.9 and at 0.4): the stricter one wins.
    assert choose_threshold([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], "youden").threshold == 0.75
    # An inverted model: the best point predicts everything positive; the threshold sits just below the minimum.
    t = choose_threshold([1, 0], [0.1, 0.9], "youden").threshold
    assert t < 0.1 and t == np.nextafter(0.1, -1)


def test_bad_rule_requests_are_refused() -> None:
    y, s = cases(40, seed=0)
    with pytest.raises(MetricInputError, match="needs target"):
        choose_threshold(y, s, "sensitivity")
    with pytest.raises(MetricInputError, match="takes no target"):
        choose_threshold(y, s, "youden", target=0.9)
    with pytest.raises(MetricInputError, match="rule must be"):
        choose_threshold(y, s, "fixed")
    with pytest.raises(MetricInputError, match="positive and negative"):
        choose_threshold([1, 1], [0.2, 0.3], "youden")
    with pytest.raises(MetricInputError, match="positive and negative"):
        choose_threshold([1, 1], [0.2, 0.3], "sensitivity", target=0.9)
    with pytest.raises(MetricInputError, match="not 82"):
        choose_threshold(y, s, "sensitivity", target=82)


def choose_and_report(validation: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray], target: float):
    """The threshold chosen on validation (sensitivity rule), its metrics on test: how runs use the two."""
    point = choose_threshold(*validation, "sensitivity", target=target, chosen_on="validation")
    return metrics_at_threshold(*test, point, split="test")


def test_the_threshold_comes_from_validation_only() -> None:
    """Changing validation scores moves the reported test sensitivity; changing test scores never moves the threshold."""
    y_val, s_val = cases(200, seed=2)
    y_test, s_test = cases(200, seed=3)
    base = choose_and_report((y_val, s_val), (y_test, s_test), target=0.89)
    assert base.sensitivity.estimate == pytest.approx(np.mean(s_test[y_test == 1] > base.point.threshold))

    # Validation positives scored lower -> a lower threshold -> a different test sensitivity.
    s_val_lower = np.where(y_val == 1, s_val * 0.6, s_val)
    moved = choose_and_report((y_val, s_val_lower), (y_test, s_test), target=0.89)
    assert moved.point.threshold < base.point.threshold
    assert moved.sensitivity.estimate > base.sensitivity.estimate

    # Other test scores: the threshold is the same object's value; only the test metrics change.
    s_test_other = np.clip(s_test + np.random.default_rng(0).normal(0, 0.2, len(s_test)), 0, 1)
    other = choose_and_report((y_val, s_val), (y_test, s_test_other), target=0.89)
    assert other.point == base.point
    assert other.sensitivity.estimate != base.sensitivity.estimate


def test_reporting_on_the_split_the_threshold_was_chosen_on_is_refused() -> None:
    y, s = cases(50, seed=4)
    point = choose_threshold(y, s, "sensitivity", target=0.9)
    with pytest.raises(ThresholdLeakError, match="chosen on 'validation'"):
        metrics_at_threshold(y, s, point, split="validation")


def test_metrics_at_threshold_counts_and_wilson_intervals_by_hand() -> None:
    point = OperatingPoint(0.5, "fixed", "ISIC 2017 rule")
    y = [1, 1, 1, 0, 0, 0, 0, 1]
    p = [0.9, 0.6, 0.5, 0.4, 0.7, 0.1, 0.5, 0.2]  # 0.5 itself is negative (strictly greater)
    m = metrics_at_threshold(y, p, point, split="test")
    assert (m.tp, m.fp, m.tn, m.fn) == (2, 1, 3, 2)
    assert (m.sensitivity.estimate, m.specificity.estimate) == (0.5, 0.75)
    assert m.ppv.estimate == pytest.approx(2 / 3) and m.npv.estimate == pytest.approx(3 / 5)
    assert m.sensitivity == wilson_interval(2, 4)
    nothing_positive = metrics_at_threshold([0, 1], [0.1, 0.2], point, split="test")
    assert math.isnan(nothing_positive.ppv.estimate)
    data = json.loads(json.dumps(nothing_positive.to_dict(), allow_nan=False))
    assert data["ppv"] is None and data["operating_point"]["rule"] == "fixed"


def test_wilson_interval_against_published_values_and_edges() -> None:
    # Brown, Cai & DasGupta (2001) / Newcombe (1998) example: 81 of 263 -> (0.2553, 0.3662).
    r = wilson_interval(81, 263)
    assert (round(r.low, 4), round(r.high, 4)) == (0.2553, 0.3662)
    zero, full = wilson_interval(0, 20), wilson_interval(20, 20)
    assert zero.low == 0.0 and 0 < zero.high < 0.2 and full.high == 1.0 and 0.8 < full.low < 1
    assert math.isnan(wilson_interval(0, 0).low)


def test_operating_point_round_trips_through_json_and_rejects_bad_records() -> None:
    y, s = cases(60, seed=5)
    point = choose_threshold(y, s, "sensitivity", target=0.89)
    assert OperatingPoint.from_dict(json.loads(json.dumps(point.to_dict()))) == point
    with pytest.raises(DataError, match="lacks"):
        OperatingPoint.from_dict({"threshold": 0.3})
    with pytest.raises(DataError, match="rule"):
        OperatingPoint.from_dict({"threshold": 0.3, "rule": "best", "chosen_on": "validation"})
    with pytest.raises(DataError, match="finite number"):
        OperatingPoint.from_dict({"threshold": "0.3", "rule": "fixed", "chosen_on": "validation"})
