"""lesionkit.evaluation.stats.metrics: agreement with scikit-learn, the ISIC scorer and hand-computed cases."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from lesionkit.evaluation.stats.metrics import (
    MetricInputError,
    MetricUndefinedWarning,
    binary_metrics,
    confusion_counts,
    isic_metrics,
    specificity_at_sensitivity,
    threshold_for_sensitivity,
)

# Scores drawn from a small grid so that ties (the hard case for ROC points) are common.
_score = st.one_of(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5000001, 0.75, 1.0]), st.floats(0, 1))


@st.composite
def labelled_scores(draw, min_size: int = 2, both: bool = True):
    n = draw(st.integers(min_size, 40))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if both:
        y[0], y[1] = 0, 1
    p = np.array(draw(st.lists(_score, min_size=n, max_size=n)))
    return y, p


def _reference_spec_at_sens(y: np.ndarray, p: np.ndarray, level: float) -> float:
    """Brute force: walk distinct scores from the highest; first p >= t reaching the level."""
    for t in sorted(set(p.tolist()), reverse=True):
        pred = p >= t
        sens = (pred & (y == 1)).sum() / (y == 1).sum()
        if sens >= level - 1e-12:
            return float((~pred & (y == 0)).sum() / (y == 0).sum())
    raise AssertionError("unreachable: the lowest score reaches sensitivity 1")


@settings(max_examples=150, deadline=None)
@given(labelled_scores(), st.sampled_from([0.5, 0.3, 0.75]))
def test_binary_metrics_agree_with_sklearn(data, threshold):
    y, p = data
    m = binary_metrics(y, p, threshold=threshold)
    pred = (p > threshold).astype(int)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert m["recall"] == pytest.approx(skm.recall_score(y, pred))
    assert m["precision"] == pytest.approx(skm.precision_score(y, pred, zero_division=0))
    assert m["f1"] == pytest.approx(skm.f1_score(y, pred, zero_division=0))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p))
    tn, fp, _, _ = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    assert m["specificity"] == pytest.approx(tn / (tn + fp))


@settings(max_examples=150, deadline=None)
@given(labelled_scores(), st.floats(0.01, 1.0))
def test_spec_at_sens_matches_brute_force(data, level):
    y, p = data
    assert specificity_at_sensitivity(y, p, level) == pytest.approx(_reference_spec_at_sens(y, p, level))


@settings(max_examples=150, deadline=None)
@given(labelled_scores(), st.floats(0.01, 1.0))
def test_threshold_for_sensitivity_reaches_it_with_best_specificity(data, level):
    y, p = data
    t = threshold_for_sensitivity(y, p, level)
    m = binary_metrics(y, p, threshold=t)
    assert m["recall"] >= level - 1e-12
    assert m["specificity"] == pytest.approx(specificity_at_sensitivity(y, p, level))


def test_isic_metrics_agree_with_isic_challenge_scoring():
    isic = pytest.importorskip("isic_challenge_scoring.metrics")
    confusion = pytest.importorskip("isic_challenge_scoring.confusion")
    import pandas as pd

    rng = np.random.default_rng(0)
    for trial in range(25):
        n = int(rng.integers(5, 200))
        y = (rng.random(n) < rng.uniform(0.1, 0.6)).astype(int)
        y[:2] = [0, 1]
        # Rounded scores: plenty of ties and values exactly at the 0.5 threshold.
        p = np.round(rng.random(n), int(rng.integers(1, 4)))
        ours = isic_metrics(y, p)
        truth, pred, w = pd.Series(y.astype(float)), pd.Series(p), pd.Series(np.ones(n))
        cm = confusion.create_binary_confusion_matrix(truth.gt(0.5).to_numpy(), pred.gt(0.5).to_numpy())
        assert ours["auc"] == pytest.approx(isic.auc(truth, pred, w)), trial
        assert ours["average_precision"] == pytest.approx(isic.average_precision(truth, pred, w)), trial
        assert ours["accuracy"] == pytest.approx(isic.binary_accuracy(cm)), trial
        assert ours["sensitivity"] == pytest.approx(isic.binary_sensitivity(cm)), trial
        assert ours["specificity"] == pytest.approx(isic.binary_specificity(cm)), trial
        # The 2017 spec@sens rule on the ISIC scorer's own ROC points.
        fpr, tpr, _ = isic._roc_curve(truth, pred, w, drop_intermediate=False)
        for key, level in (("spec_at_sens_82", 0.82), ("spec_at_sens_89", 0.89), ("spec_at_sens_95", 0.95)):
            expected = 1 - fpr[np.argmax(tpr >= level)]
            assert ours[key] == pytest.approx(expected), (trial, key)


def test_spec_at_sens_hand_computed():
    # 5 positives, 5 negatives; scores descending: P P N P N N P N P N
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 1, 0])
    p = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    # TPR path: .2 .4 .4 .6 .6 .6 .8 .8 1.0 ; first TPR >= .82 is at score .2 -> 4 FP -> spec .2
    assert specificity_at_sensitivity(y, p, 0.82) == pytest.approx(0.2)
    # Exactly reaching the level counts: .8 reached at score .4 with 3 FP -> spec .4
    assert specificity_at_sensitivity(y, p, 0.8) == pytest.approx(0.4)
    assert specificity_at_sensitivity(y, p, 0.6) == pytest.approx(0.8)


def test_spec_at_sens_ties_move_together():
    # The second positive ties with two negatives: reaching TPR 1 takes all three.
    y = np.array([1, 1, 0, 0, 0, 0])
    p = np.array([0.9, 0.5, 0.5, 0.5, 0.2, 0.1])
    assert specificity_at_sensitivity(y, p, 0.95) == pytest.approx(0.5)
    assert specificity_at_sensitivity(y, p, 0.5) == pytest.approx(1.0)
    # Threshold: between 0.5 and 0.2, so p > t keeps the tied group.
    t = threshold_for_sensitivity(y, p, 0.95)
    assert 0.2 < t < 0.5
    assert t == pytest.approx(0.35)


def test_spec_at_sens_level_reached_exactly_with_float_rounding():
    # 82 of 100 positives is 0.82 even though 82/100 may round below 0.82 in binary.
    y = np.r_[np.ones(100), np.zeros(10)].astype(int)
    p = np.r_[np.linspace(1.0, 0.5, 100), np.full(10, 0.6)]
    p[81] = 0.95  # keep a strictly ordered tail irrelevant
    expected = _reference_spec_at_sens(y, p, 0.82)
    assert specificity_at_sensitivity(y, p, 0.82) == pytest.approx(expected)


def test_threshold_for_sensitivity_edge_cases():
    assert threshold_for_sensitivity([0, 1], [0.2, 0.8], 1.0) == pytest.approx(0.5)
    # Lowest score must be included: threshold just below it.
    t = threshold_for_sensitivity([1, 0, 1], [0.3, 0.5, 0.9], 1.0)
    assert t < 0.3 and binary_metrics([1, 0, 1], [0.3, 0.5, 0.9], t)["recall"] == 1.0
    with pytest.raises(MetricInputError, match="no positive"):
        threshold_for_sensitivity([0, 0], [0.2, 0.8], 0.9)
    with pytest.raises(MetricInputError, match="0.82, not 82"):
        threshold_for_sensitivity([0, 1], [0.2, 0.8], 82)


def test_threshold_is_strict():
    # Exactly 0.5 is predicted negative (p > threshold), as the ISIC 2017 scorer did.
    assert confusion_counts([1, 0], [0.5, 0.5]) == {"tp": 0, "fp": 0, "tn": 1, "fn": 1}
    assert isic_metrics([1, 0, 1], [0.5, 0.2, 0.9])["sensitivity"] == pytest.approx(0.5)


def _caught(fn, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args)
    return result, [str(w.message) for w in caught if issubclass(w.category, MetricUndefinedWarning)]


def test_absent_class_gives_nan_with_reason_not_crash():
    m, messages = _caught(binary_metrics, [0, 0, 0], [0.1, 0.7, 0.2])
    assert "roc_auc is undefined (y_true has no positive); reported as nan" in messages
    assert any(msg.startswith("recall is undefined") for msg in messages)
    assert math.isnan(m["roc_auc"]) and math.isnan(m["recall"]) and math.isnan(m["f1"])
    assert m["accuracy"] == pytest.approx(2 / 3)
    assert m["precision"] == 0.0 and m["specificity"] == pytest.approx(2 / 3)
    m, messages = _caught(isic_metrics, [1, 1], [0.1, 0.7])
    assert any("average_precision is undefined (y_true has no negative)" in msg for msg in messages)
    assert math.isnan(m["auc"]) and math.isnan(m["average_precision"]) and math.isnan(m["spec_at_sens_95"])
    assert m["sensitivity"] == 0.5 and math.isnan(m["specificity"])
    value, messages = _caught(specificity_at_sensitivity, [1, 1], [0.1, 0.7], 0.9)
    assert math.isnan(value) and messages


def test_no_warning_when_defined():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        isic_metrics([0, 1, 0, 1], [0.2, 0.4, 0.6, 0.9])


def test_two_column_softmax_and_one_hot_accepted():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    one_hot = np.array([[1, 0], [0, 1], [0, 1]])
    assert binary_metrics(one_hot, probs) == binary_metrics([0, 1, 1], [0.1, 0.8, 0.4])


@pytest.mark.parametrize(
    "y, p, match",
    [
        ([0, 1, 2], [0.1, 0.2, 0.3], "index 2 is 2"),
        ([0, 1], [0.1, 0.2, 0.3], "2 labels but there are 3 scores"),
        ([0, 1], [0.1, float("nan")], "index 1 is nan"),
        ([], [], "empty"),
        ([[0, 1, 0]], [[0.1, 0.2, 0.3]], "shape"),
        ([0, 1], ["a", "b"], "numbers"),
    ],
)
def test_bad_inputs_raise_clear_errors(y, p, match):
    with pytest.raises(MetricInputError, match=match):
        binary_metrics(y, p)
