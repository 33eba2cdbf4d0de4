"""Registers the built-in datasets in ``lesionkit.datasets``: ``isic2017``, ``ham10000``, ``isic2018``, ``isic2019``, ``folder``, ``synthetic``, ``folds``, ``joint``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from lesionkit.config import ComponentSpec
from lesionkit.data.sources import folder, ham10000, isic2017, isic2018, isic2019
from lesionkit.data.sources.joint import JointDataset
from lesionkit.data.sources.synthetic import DEFAULT_FRACTIONS, SyntheticLesions
from lesionkit.data.splitting.folds import POOLED_SPLITS, FoldedDataset
from lesionkit.registries import datasets

# The datasets read from disk are sources (lesionkit.data.sources.base): each registers the object that
# builds, recognises, validates and downloads it, from the one module that defines it.
for _source in (isic2017.SOURCE, ham10000.SOURCE, isic2018.SOURCE, isic2019.SOURCE, folder.SOURCE):
    datasets.register(_source.name, _source)


@datasets.register("synthetic")
def synthetic(
    seed: int = 0,
    sizes: Mapping[str, int] | None = None,
    class_fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
) -> SyntheticLesions:
    """Synthetic dermoscopy-like lesions drawn offline from a seed (demos, tests)."""
    return SyntheticLesions(seed=seed, sizes=sizes, class_fractions=class_fractions)


@datasets.register("folds")
def folds(
    dataset: str | Mapping[str, Any] = "isic2017",
    k: int = 5,
    fold: int = 0,
    seed: int = 0,
    pooled: tuple[str, ...] | list[str] = POOLED_SPLITS,
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> FoldedDataset:
    """Cross-validation: fold ``fold`` of ``k`` (stratified, seeded) of ``dataset``'s training + validation as validation.

    ``dataset`` is a dataset name or ``{"name": ..., "params": {...}}``; ``data_dir`` and
    ``cache_dir`` go to it. Other splits (``test``) pass through. See :mod:`lesionkit.data.splitting.folds`.
    """
    spec = ComponentSpec.from_dict(dataset, path="dataset.params.dataset")
    injected = {"data_dir": data_dir, "cache_dir": cache_dir}
    inner = datasets.build(spec.name, spec.params, injected=injected, where="dataset.params.dataset")
    return FoldedDataset(inner, k=k, fold=fold, seed=seed, pooled=tuple(pooled))


@datasets.register("joint")
def joint(
    dataset: str | Mapping[str, Any] = "isic2017",
    extra: tuple[str | Mapping[str, Any], ...] | list[str | Mapping[str, Any]] = ("ham10000",),
    extra_splits: tuple[str, ...] | list[str] | None = None,
    relabel: Mapping[str, str] | None = None,
    keep: tuple[str, ...] | list[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> JointDataset:
    """``dataset`` with the images of ``extra`` datasets added to its training split (see :mod:`lesionkit.data.sources.joint`).

    ``dataset`` and each ``extra`` are a name or ``{"name": ..., "params": {...}}``;
    ``data_dir`` goes to ``dataset`` only (give each extra its own ``data_dir`` in its
    params), ``cache_dir`` to all.
    """
    spec = ComponentSpec.from_dict(dataset, path="dataset.params.dataset")
    primary = datasets.build(
        spec.name, spec.params, injected={"data_dir": data_dir, "cache_dir": cache_dir}, where="dataset.params.dataset"
    )
    others = []
    for index, item in enumerate(extra):
        where = f"dataset.params.extra[{index}]"
        other = ComponentSpec.from_dict(item, path=where)
        params = dict(other.params)
        # An extra dataset's own folder travels in its params; the config's data_dir is the primary's.
        injected = {"data_dir": params.pop("data_dir", None), "cache_dir": cache_dir}
        others.append(datasets.build(other.name, params, injected=injected, where=where))
    return JointDataset(
        primary,
        others,
        extra_splits=None if extra_splits is None else tuple(extra_splits),
        relabel=relabel,
        keep=None if keep is None else tuple(keep),
    )
