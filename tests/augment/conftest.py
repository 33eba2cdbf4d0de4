"""Shared helpers of the augmentation tests."""

from __future__ import annotations

import numpy as np
import pytest

import lesionkit

BACKENDS = ("tf", "imgaug")


def all_names() -> list[str]:
    return lesionkit.augmenters.names()


@pytest.fixture(scope="session")
def lesion64() -> np.ndarray:
    from lesionkit.data.sources.synthetic import draw_lesion

    return np.stack([draw_lesion(d, 64, np.random.default_rng(d)) for d in (0, 1, 2)])
