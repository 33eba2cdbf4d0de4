"""Memory and start-up time of the input pipeline over a large split, beside plain tf.data.

Each side runs in its own process (so peak memory is its own), over the same N
random 224-px images held in one numpy array (what the cache hands the Trainer):

- ``lesionkit``: ``make_pipeline`` for evaluation and for training (shuffled);
- ``tf.data``: the usual ``Dataset.from_tensor_slices((images, labels))`` for the
  same two uses.

Reported: seconds to the first batch of both pipelines and peak resident memory,
and the memory beyond the images themselves. Ratios > 1 mean lesionkit needs less.

    python benchmarks/pipeline_memory.py                  # 8,000 images (1.1 GiB), ~1 minute
    python benchmarks/pipeline_memory.py --images 29000   # 4.1 GiB: a large ISIC archive
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

SIZE = 224


def _measure(kind: str, n: int) -> dict[str, float]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    images = np.random.default_rng(0).integers(0, 256, (n, SIZE, SIZE, 3), dtype=np.uint8)
    labels = (np.arange(n) % 2).astype(np.int64)
    start = time.perf_counter()
    if kind == "lesionkit":
        from lesionkit.data.loading.pipeline import make_pipeline

        pipelines = [make_pipeline(images, labels, batch_size=32, training=t) for t in (False, True)]
    else:
        evaluation = tf.data.Dataset.from_tensor_slices((images, labels)).batch(32)
        training = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(n, seed=0).batch(32)
        pipelines = [evaluation.prefetch(tf.data.AUTOTUNE), training.prefetch(tf.data.AUTOTUNE)]
    for ds in pipelines:
        next(iter(ds))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    return {"seconds": seconds, "peak_gib": peak / 2**30, "images_gib": images.nbytes / 2**30}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=8000)
    parser.add_argument("--measure", choices=["lesionkit", "tf.data"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(args.measure, args.images)))
        return
    results = {}
    for kind in ("lesionkit", "tf.data"):
        out = subprocess.run(
            [sys.executable, __file__, "--images", str(args.images), "--measure", kind],
            capture_output=True,
            text=True,
            check=True,
        )
        results[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    ours, plain = results["lesionkit"], results["tf.data"]
    print(
        f"{args.images} images at {SIZE}px = {ours['images_gib']:.2f} GiB; evaluation + training pipeline, first batch"
    )
    print(f"{'':12s} {'first batch, s':>15s} {'peak memory, GiB':>17s} {'beyond the images':>18s}")
    for kind, r in results.items():
        print(f"{kind:12s} {r['seconds']:15.1f} {r['peak_gib']:17.2f} {r['peak_gib'] - r['images_gib']:18.2f}")
    print(
        f"ratios tf.data / lesionkit: time {plain['seconds'] / ours['seconds']:.1f}x, "
        f"peak memory {plain['peak_gib'] / ours['peak_gib']:.1f}x, "
        f"memory beyond the images {(plain['peak_gib'] - plain['images_gib']) / (ours['peak_gib'] - ours['images_gib']):.1f}x"
    )


if __name__ == "__main__":
    main()
