"""Cross-validation folds: stratified, seeded, disjoint, covering; the folds dataset in a config."""

from __future__ import annotations

import numpy as np
import pytest

from lesionkit.config import ExperimentConfig
from lesionkit.data.sources.synthetic import SyntheticLesions
from lesionkit.data.splitting.folds import FoldedDataset, FoldError, fold_dataset_spec, stratified_folds


def test_folds_partition_the_images_with_each_class_in_proportion() -> None:
    labels = np.array([0] * 50 + [1] * 20 + [2] * 10)
    folds = stratified_folds(labels, k=5, seed=3)
    joined = np.concatenate(folds)
    assert sorted(joined.tolist()) == list(range(len(labels)))  # disjoint and covering
    for fold in folds:
        assert np.bincount(labels[fold], minlength=3).tolist() == [10, 4, 2]


def test_folds_are_seeded() -> None:
    labels = np.arange(30) % 3
    same = stratified_folds(labels, 3, seed=1), stratified_folds(labels, 3, seed=1)
    other = stratified_folds(labels, 3, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(*same, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(same[0], other, strict=True))


@pytest.mark.parametrize("k", [1, 0, 100, True])
def test_impossible_k_is_refused(k: int) -> None:
    with pytest.raises(FoldError, match="k = "):
        stratified_folds(np.zeros(10), k)


def test_folded_dataset_rotates_validation_and_keeps_test() -> None:
    base = SyntheticLesions(sizes={"train": 20, "validation": 10, "test": 6})
    seen: list[str] = []
    for fold in range(3):
        data = FoldedDataset(base, k=3, fold=fold)
        train, validation = data.split("train"), data.split("validation")
        assert not set(train.ids) & set(validation.ids)
        assert len(train) + len(validation) == 30
        assert data.split("test").ids == base.split("test").ids
        images = validation.load_images(32)
        pooled = {i: k for k, i in enumerate(base.split("train").ids + base.split("validation").ids)}
        whole = np.concatenate([base.split("train").load_images(32), base.split("validation").load_images(32)])
        np.testing.assert_array_equal(images, whole[[pooled[i] for i in validation.ids]])
        seen += validation.ids
    assert sorted(seen) == sorted(base.split("train").ids + base.split("validation").ids)
    with pytest.raises(FoldError, match="fold = 3"):
        FoldedDataset(base, k=3, fold=3)


def test_folds_dataset_from_a_config() -> None:
    from lesionkit.training.assembly import dataset_from_config

    spec = fold_dataset_spec({"name": "synthetic", "params": {"sizes": {"train": 8, "validation": 4}}}, k=2, fold=1)
    data = dataset_from_config(ExperimentConfig(dataset=spec, weights=None))
    assert data.split_names() == ("train", "validation")
    assert len(data.split("validation")) == 6


def test_pooled_and_folded_splits_keep_their_metadata() -> None:
    from lesionkit.data.splitting.folds import pool_splits, subset
    from lesionkit.data.splitting.split import Split

    a = Split("a", ("x", "y"), np.array([0, 1]), load_images=lambda s: None, metadata={"sex": ("male", "female")})
    b = Split("b", ("z",), np.array([2]), load_images=lambda s: None, metadata={"age": (70,)})
    pooled = pool_splits([a, b])
    assert pooled.metadata == {"sex": ("male", "female", None), "age": (None, None, 70)}
    picked = subset(pooled, np.array([2, 0]), "picked")
    assert picked.ids == ("z", "x") and picked.metadata == {"sex": (None, "male"), "age": (70, None)}
