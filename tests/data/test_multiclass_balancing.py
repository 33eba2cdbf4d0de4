"""Balancing for any number of classes; the paper's binary scheme is tested in test_balancing.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lesionkit.config import ExperimentConfig
from lesionkit.data.splitting.balancing import (
    MAX_REPEATS,
    BalancingError,
    class_weights,
    oversample_repeats,
    repeats_for,
)
from lesionkit.diagnoses import BASAL_CELL_CARCINOMA, DERMATOFIBROMA, MELANOMA, NEVUS
from lesionkit.task import get_task


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=200))
def test_oversampling_brings_classes_towards_the_largest(labels: list[int]) -> None:
    labels_arr = np.array(labels)
    repeats = oversample_repeats(labels_arr, 5)
    counts = np.bincount(labels_arr, minlength=5)
    after = np.bincount(labels_arr, weights=repeats, minlength=5)
    largest = counts.max()
    assert repeats.min() >= 1 and repeats.max() <= MAX_REPEATS
    assert after[counts.argmax()] == largest  # the largest class is not copied
    for c in np.flatnonzero(counts):
        per_image = repeats[labels_arr == c]
        assert (per_image == per_image[0]).all()  # one number of copies per class
        if largest / counts[c] <= MAX_REPEATS:
            # round(): within half a copy of the largest class
            assert abs(after[c] - largest) <= counts[c] / 2 + 1e-9


def test_oversampling_dx7_diagnoses_and_errors() -> None:
    diagnosis = np.array([NEVUS] * 40 + [MELANOMA] * 8 + [BASAL_CELL_CARCINOMA] * 3 + [DERMATOFIBROMA] * 1)
    repeats = repeats_for("oversample", diagnosis, get_task("dx7"))
    assert repeats.tolist() == [1] * 40 + [5] * 8 + [MAX_REPEATS] * 3 + [MAX_REPEATS]
    assert ExperimentConfig(task="dx7", balance="oversample").balance == "oversample"
    with pytest.raises(BalancingError, match=r"0\.\.2"):
        oversample_repeats(np.array([0, 3]), 3)


def test_class_weights_and_paper_copies_for_three_classes() -> None:
    weights = class_weights(np.array([0] * 6 + [1] * 3 + [2]))
    assert weights == pytest.approx({0: 10 / 18, 1: 10 / 9, 2: 10 / 3})
    # isic2017_3class scores melanoma and SK: both get the paper's third copy.
    assert repeats_for("paper", np.array([0, 1, 2]), get_task("isic2017_3class")).tolist() == [2, 3, 3]
