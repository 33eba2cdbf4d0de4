"""Registers the built-in datasets in ``lesionkit.datasets``: ``isic2017``, ``ham10000``, ``isic2018``, ``isic2019``, ``folder``, ``synthetic``, ``folds``, ``joint``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from lesionkit.data.folder import FolderDataset
from lesionkit.data.folds import POOLED_SPLITS, FoldedDataset
from lesionkit.data.ham10000 import HAM10000
from lesionkit.data.isic2017 import ISIC2017
from lesionkit.data.isic2018 import ISIC2018
from lesionkit.data.isic2019 import ISIC2019
from lesionkit.data.joint import JointDataset
from lesionkit.data.synthetic import DEFAULT_FRACTIONS, SyntheticLesions
from lesionkit.registries import datasets


@datasets.register("isic2017")
def isic2017(
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> ISIC2017:
    """ISIC 2017 Part 3 (train/validation/test) from the official extracted layout.

    ``data_dir`` defaults to ``$LESIONKIT_DATA``, else ``~/.lesionkit/data/isic2017``;
    get the data with ``lesionkit download isic2017 --to DIR``.
    """
    return ISIC2017(data_dir=data_dir, cache_dir=cache_dir, progress=progress)


@datasets.register("ham10000")
def ham10000(
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    fractions: Mapping[str, float] | None = None,
    seed: int = 0,
    progress: bool = True,
) -> HAM10000:
    """HAM10000 (7 diagnoses), split train/validation/test by lesion from ``seed`` (default 0.7/0.15/0.15).

    ``data_dir`` defaults to ``~/.lesionkit/data/ham10000``; get the data with
    ``lesionkit download ham10000 --to DIR``.
    """
    return HAM10000(data_dir, cache_dir, fractions=fractions, seed=seed, progress=progress)


@datasets.register("isic2018")
def isic2018(
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    fractions: Mapping[str, float] | None = None,
    seed: int = 0,
    progress: bool = True,
) -> ISIC2018:
    """ISIC 2018 Task 3: official splits present; validation carved from training by lesion where it has none.

    ``data_dir`` defaults to ``~/.lesionkit/data/isic2018``; get the data with
    ``lesionkit download isic2018 --to DIR``.
    """
    return ISIC2018(data_dir, cache_dir, fractions=fractions, seed=seed, progress=progress)


@datasets.register("isic2019")
def isic2019(
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    fractions: Mapping[str, float] | None = None,
    seed: int = 0,
    progress: bool = True,
) -> ISIC2019:
    """ISIC 2019 training data (8 diagnoses + UNK), split train/validation/test by lesion from ``seed``.

    ``data_dir`` defaults to ``~/.lesionkit/data/isic2019``; get the data with
    ``lesionkit download isic2019 --to DIR``.
    """
    return ISIC2019(data_dir, cache_dir, fractions=fractions, seed=seed, progress=progress)


@datasets.register("folder")
def folder(
    data_dir: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str] | None = None,
    labels: str = "labels.csv",
    image_dir: str | None = None,
    validation_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
    progress: bool = True,
) -> FolderDataset:
    """Your own images: a folder plus a CSV (``image_id`` + ``diagnosis`` or the ISIC columns, optional ``split``)."""
    return FolderDataset(
        data_dir,
        labels,
        image_dir,
        cache_dir,
        validation_fraction=validation_fraction,
        test_fraction=test_fraction,
        seed=seed,
        progress=progress,
    )


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
    ``cache_dir`` go to it. Other splits (``test``) pass through. See :mod:`lesionkit.data.folds`.
    """
    from lesionkit.config import ComponentSpec

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
    """``dataset`` with the images of ``extra`` datasets added to its training split (see :mod:`lesionkit.data.joint`).

    ``dataset`` and each ``extra`` are a name or ``{"name": ..., "params": {...}}``;
    ``data_dir`` goes to ``dataset`` only (give each extra its own ``data_dir`` in its
    params), ``cache_dir`` to all.
    """
    from lesionkit.config import ComponentSpec

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
