"""Finished tiny runs that the whole test session shares (the fixtures are in tests/conftest.py).

A fit is the dearest thing the suite does, so tests that need *a* trained run (to read its
files, predict, export, evaluate without saving) take the session fixture ``binary_run`` or
``three_class_run`` instead of training their own. Both use ResNet-18 at 32 px on synthetic
lesions (the backbone is not what those tests are about) and have their test report written
(``reports/test/``, without bootstrap intervals).

Example (in a test module; tests/ is on ``sys.path``):

    from tiny_runs import BINARY_OVERRIDES

    def test_reads(binary_run):
        assert binary_run.trainer().config.image_size == BINARY_OVERRIDES["image_size"]

    def test_writes(binary_run, tmp_path):
        run = binary_run.copy_to(tmp_path)  # never write into the shared directory
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from lesionkit import Trainer

#: The synthetic dataset of the shared runs: 24 training images, 12 validation, 12 test.
TINY_SIZES = {"train": 24, "validation": 12, "test": 12}
TINY_DATASET = {"name": "synthetic", "params": {"sizes": TINY_SIZES}}
#: ResNet-18 from scratch; "tf" preprocessing ([-1, 1]) keeps a short scratch run numerically tame.
RESNET18 = {"name": "resnet18", "params": {"preprocessing": "tf"}}

#: ``presets.melanoma_conv5(**BINARY_OVERRIDES)`` is the binary shared run (two epochs, so two checkpoints).
BINARY_OVERRIDES: Mapping[str, Any] = dict(
    dataset=TINY_DATASET,
    backbone=RESNET18,
    weights=None,
    image_size=32,
    batch_size=8,
    epochs=2,
    augmenters=[{"name": "flip"}],
)

#: ``Trainer(THREE_CLASS_CONFIG)`` is the three-class (nevus / melanoma / keratosis) shared run.
THREE_CLASS_CONFIG: Mapping[str, Any] = dict(
    name="three",
    task="isic2017_3class",
    dataset=TINY_DATASET,
    backbone=RESNET18,
    weights=None,
    trainable="none",
    schedule={"name": "constant"},
    balance="oversample",
    image_size=32,
    batch_size=8,
    epochs=1,
)


@dataclass(frozen=True)
class TinyRun:
    """A finished run directory trained once per session: read it, or copy it before writing.

    Attributes:
        path: the run directory (config.json, checkpoints/, history.csv, reports/test/...).
        preset: the preset it was made from (its reference row is in reference.json), or "".
        overrides: the keywords given to the preset (without one: the whole config), so
            ``presets.create(preset, **overrides, run_dir=...)`` makes the same config again.
        epoch_weights: the model's weights at the end of each epoch (to check each checkpoint).
    """

    path: Path
    preset: str
    overrides: Mapping[str, Any]
    epoch_weights: tuple[tuple[np.ndarray, ...], ...] = field(repr=False)

    def trainer(self, weights: str = "best") -> Trainer:
        """``Trainer.from_run`` of the shared run: predict, export, evaluate(save=False)."""
        from lesionkit import Trainer

        return Trainer.from_run(self.path, weights=weights)

    def listing(self) -> dict[str, tuple[int, int]]:
        """Every file of the run with its size and modification time (to see that nothing wrote into it)."""
        return {
            str(f.relative_to(self.path)): (f.stat().st_size, f.stat().st_mtime_ns)
            for f in sorted(self.path.rglob("*"))
            if f.is_file()
        }

    def copy_to(self, folder: Path, name: str | None = None) -> Path:
        """A private copy of the run directory under ``folder``, for a test that writes into it."""
        destination = Path(folder) / (name or self.path.name)
        shutil.copytree(self.path, destination)
        return destination


def train_tiny_run(run_dir: Path, preset: str, overrides: Mapping[str, Any]) -> TinyRun:
    """Train ``preset`` with ``overrides`` (or, with no preset, the config ``overrides``) into ``run_dir``."""
    import keras

    from lesionkit import Trainer, presets

    if preset:
        trainer = presets.create(preset, **overrides, run_dir=str(run_dir))
    else:
        trainer = Trainer({**overrides, "run_dir": str(run_dir)})
    weights: list[tuple[np.ndarray, ...]] = []

    class RecordWeights(keras.callbacks.Callback):  # runs after the checkpoint callback's snapshot
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            weights.append(tuple(w.numpy().copy() for w in self.model.weights))

    trainer.fit(verbose=0, callbacks=[RecordWeights()])
    trainer.evaluate("test", bootstrap=0)
    return TinyRun(run_dir, preset, dict(overrides), tuple(weights))
