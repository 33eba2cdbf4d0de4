"""The paper's balancing (Table 2) on the official training label counts, and class weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lesionkit.data.splitting.balancing import (
    balance_table,
    class_weights,
    class_weights_from_counts,
    paper_counts,
    paper_repeats,
)
from lesionkit.data.splitting.split import CLASS_NAMES, MELANOMA, NEVUS, SEBORRHEIC_KERATOSIS
from lesionkit.task import get_task


def balanced_counts(diagnosis: np.ndarray, repeats: np.ndarray) -> dict[str, int]:
    """Images per ISIC 2017 class after ``repeats``, counted the slow way: what the repeats must add up to."""
    return {name: int(sum(r for d, r in zip(diagnosis, repeats) if d == code)) for code, name in enumerate(CLASS_NAMES)}


def _official_training_diagnoses() -> np.ndarray:
    # ISIC 2017 Part 3 training ground truth: 374 melanoma, 254 SK, 1372 nevus, in a mixed order.
    diagnosis = np.repeat([MELANOMA, SEBORRHEIC_KERATOSIS, NEVUS], [374, 254, 1372])
    np.random.default_rng(0).shuffle(diagnosis)
    return diagnosis


@pytest.mark.parametrize(
    "name, expected",
    [
        ("melanoma", {"melanoma": 1122, "seborrheic_keratosis": 508, "nevus": 2744}),
        ("seborrheic_keratosis", {"melanoma": 748, "seborrheic_keratosis": 762, "nevus": 2744}),
    ],
)
def test_table2_counts_exactly(name: str, expected: dict[str, int]) -> None:
    task = get_task(name)
    diagnosis = _official_training_diagnoses()
    assert len(diagnosis) == 2000
    assert balanced_counts(diagnosis, paper_repeats(diagnosis, task)) == expected
    assert paper_counts({"nevus": 1372, "melanoma": 374, "seborrheic_keratosis": 254}, task) == expected
    table = balance_table({"nevus": 1372, "melanoma": 374, "seborrheic_keratosis": 254}, task)
    assert str(expected["melanoma"]) in table and "2744" in table


@given(
    st.lists(st.sampled_from([0, 1, 2]), min_size=1, max_size=60), st.sampled_from(["melanoma", "seborrheic_keratosis"])
)
def test_repeats_agree_with_counts(codes: list[int], name: str) -> None:
    task = get_task(name)
    diagnosis = np.array(codes)
    before = {n: int(np.sum(diagnosis == c)) for c, n in enumerate(("nevus", "melanoma", "seborrheic_keratosis"))}
    assert balanced_counts(diagnosis, paper_repeats(diagnosis, task)) == paper_counts(before, task)


def test_class_weights_from_counts_match_labels() -> None:
    labels = np.array([0] * 1626 + [1] * 374)
    assert class_weights(labels) == pytest.approx(class_weights_from_counts(1626, 374))
    w = class_weights_from_counts(1626, 374)
    assert w[1] > w[0] and (1626 * w[0] + 374 * w[1]) / 2000 == pytest.approx(1.0)
    with pytest.raises(ValueError, match="both classes"):
        class_weights_from_counts(10, 0)
