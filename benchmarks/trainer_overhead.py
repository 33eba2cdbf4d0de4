"""The Trainer's per-epoch overhead (checkpoints, CSV/TensorBoard logs, validation AUC) vs a bare model.fit.

Both sides train the same architecture on the same tf.data pipelines, built by the same
functions the Trainer uses (``lesionkit.training.assembly``: ``train_data``, ``eval_data``,
``compile_model``), in one process, in the order bare / Trainer / bare, so that drift in the
machine's speed hits both alike. The first epoch of each fit (tracing, compilation) is not
counted; the figure is the median epoch of each side.

The Trainer's cost is about fixed per epoch (a snapshot of the variables; the checkpoint
itself is written by a background thread), so it shows most on very short epochs. On a
shared machine the figure is indicative: run it on a quiet one to compare.

Usage:
    python benchmarks/trainer_overhead.py                                   # ResNet-18, 64 px, ~2 min on 2 cores
    python benchmarks/trainer_overhead.py --image-size 32 --train 64 --epochs 3   # the small run, ~1 min
    python benchmarks/trainer_overhead.py --backbone resnet50 --image-size 128 --train 512
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from lesionkit.runtime import configure_runtime

# oneDNN and the thread pools are read when TensorFlow is imported: choose them first, as
# the lesionkit command and the Trainer do, so that both sides run under the same settings.
configure_runtime("train")

import keras  # noqa: E402


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of each epoch (validation included)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.times.append(time.perf_counter() - self._start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", default="resnet18", help="backbone registry name (default resnet18)")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--train", type=int, default=512, help="synthetic training images (before balancing)")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per fit (at least 2: the first is not counted)")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be 2 or more: the first epoch of each fit (tracing) is not counted")

    from lesionkit import Trainer
    from lesionkit.config import ComponentSpec
    from lesionkit.training import assembly

    sizes = {"train": args.train, "validation": 32, "test": 16}
    common: dict[str, Any] = dict(
        dataset=ComponentSpec("synthetic", {"sizes": sizes}),
        backbone=ComponentSpec(args.backbone),
        weights=None,
        image_size=args.image_size,
        batch_size=args.batch_size,
        augmenters=[],
        epochs=args.epochs,
    )
    with tempfile.TemporaryDirectory() as tmp:
        ours = Trainer.from_preset("melanoma_conv5", **common, run_dir=str(Path(tmp) / "run"))
        # The bare side: the same config's model and pipelines, compiled as the Trainer compiles,
        # trained by Keras alone (no run directory, no lesionkit callbacks).
        bare = Trainer.from_preset("melanoma_conv5", **common)
        cfg = bare.config
        data = assembly.train_data(cfg, bare.task, bare.split("train"), bare.head.num_outputs)
        validation = assembly.eval_data(cfg, bare.task, bare.split("validation"), bare.head.num_outputs)
        model = bare.build()
        assembly.compile_model(
            model, cfg, bare.task, bare.strategy, steps_per_epoch=data.steps_per_epoch, class_counts=data.class_counts
        )

        def bare_fit() -> tuple[list[float], float]:
            timer = EpochTimer()
            t0 = time.perf_counter()
            model.fit(
                data.dataset,  # every epoch back to back, as the Trainer fits it
                epochs=args.epochs,
                steps_per_epoch=data.steps_per_epoch,
                validation_data=validation,
                class_weight=data.class_weights,
                callbacks=[timer],
                shuffle=False,
                verbose=0,
            )
            return timer.times, time.perf_counter() - t0

        bare_first, bare_total = bare_fit()
        ours_timer = EpochTimer()
        t0 = time.perf_counter()
        ours.fit(callbacks=[ours_timer], verbose=0)
        ours_total = time.perf_counter() - t0
        bare_second, _ = bare_fit()

    # The first fit of a model traces its train and test functions; the second bare fit reuses them.
    bare_times = bare_first[1:] + bare_second
    ours_epoch = float(np.median(ours_timer.times[1:]))
    bare_epoch = float(np.median(bare_times))
    images = int(data.steps_per_epoch * args.batch_size)
    print(
        f"{args.backbone}, {args.image_size} px, {images} training images/epoch, batch {args.batch_size}, "
        f"{args.epochs} epochs per fit; order bare / Trainer / bare"
    )
    print(f"{'':28s}{'median epoch (s)':>18s}{'images/s':>10s}{'whole fit (s)':>15s}")
    print(f"{'bare model.fit':28s}{bare_epoch:18.3f}{images / bare_epoch:10.1f}{bare_total:15.1f}")
    print(f"{'lesionkit Trainer.fit':28s}{ours_epoch:18.3f}{images / ours_epoch:10.1f}{ours_total:15.1f}")
    print(f"bare epochs (s): {' '.join(f'{t:.3f}' for t in bare_times)}")
    print(f"Trainer epochs (s): {' '.join(f'{t:.3f}' for t in ours_timer.times[1:])}")
    print(f"Trainer / bare per epoch: {ours_epoch / bare_epoch:.3f} ({100 * (ours_epoch / bare_epoch - 1):+.1f} %)")


if __name__ == "__main__":
    main()
