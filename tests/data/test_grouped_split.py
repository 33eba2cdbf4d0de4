"""Lesion-grouped splits: never a lesion in two splits, stratified, deterministic from the seed."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lesionkit.data.splitting.grouped_split import (
    SplitFractionsError,
    check_fractions,
    grouped_split,
    shared_groups,
)

rows = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 30)), min_size=1, max_size=80)
fractions = st.sampled_from([None, (0.7, 0.15, 0.15), {"train": 0.8, "validation": 0.2}, (0.5, 0.0, 0.5)])


@settings(max_examples=60)
@given(rows, fractions, st.integers(0, 2**32 - 1))
def test_no_lesion_in_two_splits_and_every_row_assigned(data, shares, seed):
    diagnosis = [d for d, _ in data]
    groups = [f"L{g}" for _, g in data]
    split = grouped_split(diagnosis, groups, shares, seed)
    assert shared_groups(groups, split) == {}
    allowed = {name for name, share in check_fractions(shares).items() if share > 0}
    assert set(split) <= allowed and len(split) == len(data)
    assert grouped_split(diagnosis, groups, shares, seed) == split  # deterministic


@settings(max_examples=30)
@given(rows, st.integers(0, 1000), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(data, seed, shuffler):
    order = list(range(len(data)))
    shuffler.shuffle(order)
    diagnosis = [d for d, _ in data]
    groups = [f"L{g}" for _, g in data]
    split = grouped_split(diagnosis, groups, None, seed)
    permuted = grouped_split([diagnosis[i] for i in order], [groups[i] for i in order], None, seed)
    assert [split[i] for i in order] == list(permuted)


def test_stratified_per_diagnosis_when_groups_allow():
    # 200 single-image lesions of class 0 and 40 of class 1, plus 10 two-image lesions of class 2
    diagnosis = [0] * 200 + [1] * 40 + [2] * 20
    groups = [f"a{i}" for i in range(240)] + [f"b{i // 2}" for i in range(20)]
    split = np.asarray(grouped_split(diagnosis, groups, (0.7, 0.15, 0.15), seed=3))
    for code, n in ((0, 200), (1, 40), (2, 20)):
        counts = Counter(split[np.asarray(diagnosis) == code])
        for name, share in (("train", 0.7), ("validation", 0.15), ("test", 0.15)):
            assert abs(counts[name] - share * n) <= 2, (code, counts)


def test_seed_changes_the_draw_but_not_the_sizes():
    diagnosis = [0] * 60 + [1] * 20
    groups = [f"g{i}" for i in range(80)]
    a, b = grouped_split(diagnosis, groups, seed=0), grouped_split(diagnosis, groups, seed=1)
    assert a != b
    assert Counter(a) == Counter(b)


def test_one_lesion_stays_together_even_if_large():
    split = grouped_split([0] * 10 + [0], ["big"] * 10 + ["small"], (0.5, 0.25, 0.25), seed=0)
    assert len(set(split[:10])) == 1


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ((0.5, 0.5), "three shares"),
        ({"train": 0.5, "holdout": 0.5}, "unknown split"),
        ({"train": 0.7, "test": 0.2}, "sum to 0.9"),
        ({"train": 1.5, "test": -0.5}, "outside"),
        ({"train": 0.0, "test": 1.0}, "train needs a share"),
        ({"train": "most"}, "not a number"),
    ],
)
def test_bad_fractions_are_named(bad, match):
    with pytest.raises(SplitFractionsError, match=match):
        check_fractions(bad)


def test_lengths_must_match():
    with pytest.raises(ValueError, match="2 diagnoses but 1 group"):
        grouped_split([0, 1], ["a"])
