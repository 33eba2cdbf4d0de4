"""The Trainer's per-epoch overhead (checkpoints, CSV/TensorBoard logs, validation AUC) vs a bare model.fit.

Both sides train the same model (ResNet-50, conv5 trainable) on the same tf.data
pipeline and validation data, in one process, in the order bare / Trainer / bare so
that drift in the machine's speed hits both alike. The first epoch of the Trainer
and of the first bare run (tracing, compilation) is not counted.

The Trainer's cost is about fixed per epoch (a snapshot of the variables, ~20 ms
for ResNet-50; the checkpoint itself is written by a background thread), so it
shows most on very short epochs: measured on 2 CPU cores, +1.1 % at 8.5 s per
epoch (the default) and -4.6 % — within the noise — at 2.5 s (``--train 128``).

Usage:
    python benchmarks/trainer_overhead.py                 # 64 px, 1120 images/epoch, ~2 minutes on 2 cores
    python benchmarks/trainer_overhead.py --image-size 224 --train 1024 --epochs 4
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import keras
import numpy as np


class EpochTimer(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.times.append(time.perf_counter() - self._start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--train", type=int, default=512, help="training images (x2-3 with the paper's balancing)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    from lesionkit import presets

    sizes = {"train": args.train, "validation": 64, "test": 16}
    common = dict(
        dataset={"name": "synthetic", "params": {"sizes": sizes}},
        weights=None,
        image_size=args.image_size,
        batch_size=args.batch_size,
        augmenters=[],
    )
    with tempfile.TemporaryDirectory() as tmp:
        ours = presets.melanoma_conv5(**common, epochs=args.epochs, run_dir=str(Path(tmp) / "run"))
        bare = presets.melanoma_conv5(**common, epochs=args.epochs, run_dir=str(Path(tmp) / "bare"))
        train_ds, steps, counts, _ = bare._train_data()
        bare._compile(steps, counts)
        validation = bare._eval_data(bare.split("validation"))

        def bare_fit() -> tuple[list[float], float]:
            timer = EpochTimer()
            t0 = time.perf_counter()
            bare.build().fit(
                train_ds, epochs=args.epochs, validation_data=validation, callbacks=[timer], shuffle=False, verbose=0
            )
            return timer.times, time.perf_counter() - t0

        # A-B-A: bare, Trainer, bare again, so that drift in the machine's speed
        # (other load, warm-up, thermal) hits both sides alike.
        bare_first, bare_total = bare_fit()
        ours_timer = EpochTimer()
        t0 = time.perf_counter()
        ours.fit(callbacks=[ours_timer], verbose=0)
        ours_total = time.perf_counter() - t0
        bare_second, _ = bare_fit()
        bare_times = bare_first[1:] + bare_second

    ours_epoch = float(np.median(ours_timer.times[1:]))
    bare_epoch = float(np.median(bare_times))
    images = int(steps * args.batch_size)
    print(
        f"ResNet-50 conv5, {args.image_size} px, {images} training images/epoch, batch {args.batch_size}, {args.epochs} epochs"
    )
    print(f"{'':28s}{'median epoch (s)':>18s}{'images/s':>10s}{'whole fit (s)':>15s}")
    print(f"{'bare model.fit':28s}{bare_epoch:18.2f}{images / bare_epoch:10.1f}{bare_total:15.1f}")
    print(f"{'lesionkit Trainer.fit':28s}{ours_epoch:18.2f}{images / ours_epoch:10.1f}{ours_total:15.1f}")
    print(f"per-epoch overhead: {100 * (ours_epoch / bare_epoch - 1):+.1f} %  (goal: <= 5 %)")


if __name__ == "__main__":
    main()
