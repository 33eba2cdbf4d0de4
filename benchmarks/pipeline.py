"""Input-pipeline throughput, measured side by side in one run (images per second).

On synthetic full-size JPEGs (1024×768 and 4000×3000, like ISIC photographs):

  (a) naive: tf.data reads, decodes and resizes every JPEG every epoch;
  (b) cached: images decoded once into the cache, then the tf.data pipeline;
  (c) cached + the paper's Table 1 augmentation through imgaug (numpy backend);
  (d) cached + the same augmentation as tf-native ops (in the graph);

plus the one-time cache build and, for scale, a ResNet-50 training step at the
same size (the consumer the pipeline has to keep up with). Prints ratios.

    python benchmarks/pipeline.py                       # default: ~1-2 minutes on 2 cores
    python benchmarks/pipeline.py --small 200 --large 50 --epochs 5
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from PIL import Image


def make_jpegs(root: Path, n_small: int, n_large: int) -> list[Path]:
    from lesionkit.data.sources.synthetic import _rng, draw_lesion

    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_small + n_large):
        w, h = (1024, 768) if i < n_small else (4000, 3000)
        small = draw_lesion(i % 3, 256, _rng(0, "bench", i))
        image = Image.fromarray(small).resize((w, h), Image.Resampling.BILINEAR)
        path = root / f"ISIC_{i:07d}.jpg"
        image.save(path, quality=90)
        paths.append(path)
    return paths


def rate(n_images: int, seconds: float) -> float:
    return n_images / seconds if seconds > 0 else float("inf")


def naive(paths: list[Path], size: int, batch: int, epochs: int) -> float:
    import tensorflow as tf

    def load(p):  # type: ignore[no-untyped-def]
        x = tf.io.decode_jpeg(tf.io.read_file(p), channels=3)
        return tf.image.resize(x, (size, size))

    ds = tf.data.Dataset.from_tensor_slices([str(p) for p in paths]).map(load, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.batch(batch).prefetch(tf.data.AUTOTUNE)
    for _ in ds.take(1):  # warm-up, as for the others
        pass
    start = time.perf_counter()
    n = 0
    for _ in range(epochs):
        for x in ds:
            n += int(x.shape[0])
    return rate(n, time.perf_counter() - start)


def through(ds, epochs: int) -> float:  # type: ignore[no-untyped-def]
    for _ in ds.take(1):  # warm-up: trace functions, start the threads
        pass
    start = time.perf_counter()
    n = 0
    for _ in range(epochs):
        for x, _y in ds:
            n += int(x.shape[0])
    return rate(n, time.perf_counter() - start)


def model_rate(size: int, batch: int, steps: int) -> float:
    import keras

    model = keras.applications.ResNet50(weights=None, input_shape=(size, size, 3), classes=2)
    model.compile(optimizer=keras.optimizers.SGD(1e-4), loss="categorical_crossentropy")
    x = np.random.default_rng(0).uniform(0, 255, (batch, size, size, 3)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[np.arange(batch) % 2]
    model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return rate(batch * steps, time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=48, help="1024x768 JPEGs (default 48)")
    parser.add_argument("--large", type=int, default=8, help="4000x3000 JPEGs (default 8)")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per cached measurement (naive runs 1)")
    parser.add_argument("--model-steps", type=int, default=3, help="ResNet-50 train steps to time; 0 skips it")
    args = parser.parse_args()

    import tensorflow as tf

    import lesionkit
    from lesionkit.data.loading.cache import build_cache, load_cache
    from lesionkit.data.loading.pipeline import make_pipeline
    from lesionkit.data.splitting.balancing import paper_repeats

    print(f"CPU cores: {os.cpu_count()}, TensorFlow {tf.__version__}, size {args.size}px, batch {args.batch}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        paths = make_jpegs(root / "jpg", args.small, args.large)
        print(f"wrote {args.small} x 1024x768 + {args.large} x 4000x3000 JPEGs in {time.perf_counter() - t:.1f}s")

        results: dict[str, float] = {}
        results["a naive decode+resize"] = naive(paths, args.size, args.batch, 1)
        t = time.perf_counter()
        entry = build_cache(paths, args.size, root / "cache", name="bench", progress=False)
        build = rate(len(paths), time.perf_counter() - t)
        images = load_cache(entry)
        diagnosis = np.arange(len(paths)) % 3
        labels = (diagnosis == 1).astype(int)
        reps = paper_repeats(diagnosis, "melanoma")

        def pipe(aug):  # type: ignore[no-untyped-def]
            return make_pipeline(
                images,
                labels,
                batch_size=args.batch,
                training=True,
                repeats=reps,
                augmenter=aug,
                augment_first_copy=True,
            )

        results["b cached"] = through(pipe(None), args.epochs)
        notes = []
        for key, backend in (("c cached + imgaug paper_table1", "imgaug"), ("d cached + tf paper_table1", "tf")):
            try:
                aug = lesionkit.augmenters.create("paper_table1", backend=backend)
            except Exception as exc:  # the augmenter may not exist in this version
                notes.append(f"{key}: skipped ({exc})")
                continue
            results[key] = through(pipe(aug), args.epochs)
        if args.model_steps:
            results["ResNet-50 train step"] = model_rate(args.size, args.batch, args.model_steps)

    print(f"\none-time cache build: {build:8.1f} img/s (Pillow reduced-scale JPEG decode, {os.cpu_count()} threads)")
    base = results["a naive decode+resize"]
    for key, value in results.items():
        print(f"{key:<34}{value:10.1f} img/s   {value / base:8.1f}x naive")
    for note in notes:
        print(note)
    if "ResNet-50 train step" in results:
        model = results["ResNet-50 train step"]
        for key in ("b cached", "c cached + imgaug paper_table1", "d cached + tf paper_table1"):
            if key in results:
                print(f"{key:<34}{results[key] / model:8.1f}x the model's training rate")


if __name__ == "__main__":
    main()
