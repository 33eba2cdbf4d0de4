"""The custom-augmenter example of docs/augmentation.md, run inside a real training pipeline.

The doc's own block is executed by tests/meta/test_docs.py; here the same code (read from the
page, so the two cannot drift) is registered and then used as a config names it: through the
Trainer's training pipeline, tf in the graph and numpy beside it, and refused when mixed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import lesionkit
from lesionkit.config import ExperimentConfig
from lesionkit.errors import ConfigError
from lesionkit.training import assembly
from lesionkit.training.preflight import check_before_fit

PAGE = Path(__file__).resolve().parents[2] / "docs" / "augmentation.md"
TINY = {"name": "synthetic", "params": {"sizes": {"train": 8, "validation": 4, "test": 4}}}


@pytest.fixture(scope="module")
def registered() -> Iterator[None]:
    section = PAGE.read_text(encoding="utf-8").split("## Your own augmenter", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "docs/augmentation.md lost its custom-augmenter example"
    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    exec(compile(code.group(1), str(PAGE), "exec"), {"images": images})
    yield
    for name in ("green_tint", "salt_noise"):
        lesionkit.augmenters.unregister(name)


@pytest.mark.parametrize("custom", ["green_tint", "salt_noise"])
def test_a_registered_augmenter_runs_in_the_training_pipeline(registered: None, custom: str) -> None:
    backend = "tf" if custom == "green_tint" else "imgaug"
    config = ExperimentConfig(
        dataset=TINY,
        image_size=32,
        batch_size=4,
        weights=None,
        augment_workers=0,
        augmenters=[{"name": "flip", "params": {"backend": backend}}, {"name": custom}],
    )
    check_before_fit(config)  # one backend: accepted
    trainer = lesionkit.Trainer(config)
    data = assembly.train_data(config, trainer.task, trainer.split("train"), 2)
    images = next(iter(data.dataset))[0].numpy()
    assert images.shape == (4, 32, 32, 3) and images.min() >= 0 and images.max() <= 255


def test_mixing_the_examples_backends_is_refused_before_any_work(registered: None) -> None:
    config = ExperimentConfig(dataset=TINY, weights=None, augmenters=[{"name": "green_tint"}, {"name": "salt_noise"}])
    with pytest.raises(
        ConfigError, match=r"augmenters\[0\] 'green_tint' \(tf\), augmenters\[1\] 'salt_noise' \(numpy\)"
    ):
        check_before_fit(config)
