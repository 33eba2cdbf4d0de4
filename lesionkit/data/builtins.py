"""Registers the built-in datasets in ``lesionkit.datasets``."""

from __future__ import annotations

from typing import Mapping

from lesionkit.data.synthetic import DEFAULT_FRACTIONS, SyntheticLesions
from lesionkit.registries import datasets


@datasets.register("synthetic")
def synthetic(
    seed: int = 0,
    sizes: Mapping[str, int] | None = None,
    class_fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
) -> SyntheticLesions:
    """Synthetic dermoscopy-like lesions drawn offline from a seed (demos, tests)."""
    return SyntheticLesions(seed=seed, sizes=sizes, class_fractions=class_fractions)
