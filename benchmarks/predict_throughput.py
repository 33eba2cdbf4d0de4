"""Inference throughput: lesionkit's file prediction vs a plain PIL + ``model.predict`` loop.

Writes ``--images`` JPEGs (synthetic lesions at ``--source-size`` px, like resized dermoscopy
photos) to a temporary folder, trains a tiny run for one epoch (the weights do not matter for
speed), then times, on the same loaded model in the same process:

- **lesionkit**: :func:`lesionkit.evaluation.prediction.predict.predict_files`, what ``lesionkit predict``
  runs (parallel decode with Pillow's JPEG draft mode, the next batch decoded while the model
  predicts, batched ``Trainer.predict``); with ``--tta N`` also N test-time views;
- **plain loop**: what a user would write: for each batch, ``PIL.Image.open(f).convert("RGB")
  .resize((S, S))`` per file, then ``model.predict(batch)``.

Prints images/s for each and their ratio (goal ≥ 1). Each side runs twice and the faster
run counts (the first may include tracing); run it niced on a busy machine and quote the
ratio.

    python benchmarks/predict_throughput.py                       # 64 px, 512 JPEGs
    python benchmarks/predict_throughput.py --size 224 --images 256 --tta 4
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def write_jpegs(folder: Path, count: int, size: int) -> list[Path]:
    from PIL import Image

    from lesionkit.data.sources.synthetic import SyntheticLesions

    split = SyntheticLesions(sizes={"test": count}).split("test")
    images = split.load_images(size)
    files = []
    for i, image in enumerate(images):
        path = folder / f"ISIC_{i:07d}.jpg"
        Image.fromarray(image).save(path, quality=90)
        files.append(path)
    return files


def tiny_run(folder: Path, size: int) -> Any:
    from lesionkit import Trainer, presets

    tiny = {"name": "synthetic", "params": {"sizes": {"train": 16, "validation": 8, "test": 8}}}
    trainer = presets.melanoma_conv5(
        dataset=tiny, weights=None, image_size=size, epochs=1, batch_size=8, run_dir=str(folder / "run")
    )
    trainer.fit(verbose=0)
    return Trainer.from_run(folder / "run")


def plain_loop(model: Any, files: list[Path], size: int, batch: int) -> Any:
    import numpy as np
    from PIL import Image

    out = []
    for start in range(0, len(files), batch):
        images = [
            np.asarray(Image.open(f).convert("RGB").resize((size, size)), dtype="float32")
            for f in files[start : start + batch]
        ]
        out.append(model.predict(np.stack(images), batch_size=batch, verbose=0)[:, -1])
    return np.concatenate(out)


def best_of(runs: int, call: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64, help="model input side (default 64)")
    parser.add_argument("--source-size", type=int, default=256, help="side of the JPEG files (default 256)")
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--tta", type=int, default=1, help="also time lesionkit with N test-time views")
    parser.add_argument("--runs", type=int, default=2, help="runs per side; the fastest counts")
    args = parser.parse_args(argv)

    from lesionkit.runtime.settings import configure_runtime

    settings = configure_runtime("infer")  # what `lesionkit predict` does before importing TensorFlow
    import numpy as np

    from lesionkit.evaluation.prediction.predict import predict_files

    print("runtime: " + ", ".join(f"{n}={s.env_value} ({s.source})" for n, s in settings.items()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "images").mkdir()
        files = write_jpegs(folder / "images", args.images, args.source_size)
        trainer = tiny_run(folder, args.size)
        model = trainer.model
        print(
            f"{len(files)} JPEGs of {args.source_size} px → ResNet-50 at {args.size} px, batch {args.batch}, "
            f"{os.cpu_count()} CPUs"
        )
        plain_s, plain = best_of(args.runs, lambda: plain_loop(model, files, args.size, args.batch))
        ours_s, (_, ours, skipped) = best_of(args.runs, lambda: predict_files(trainer, files, tta=1, batch=args.batch))
        assert not skipped
        rows = {"plain PIL + model.predict": plain_s, "lesionkit predict_files": ours_s}
        if args.tta > 1:
            tta_s, _ = best_of(1, lambda: predict_files(trainer, files, tta=args.tta, batch=args.batch))
            rows[f"lesionkit predict_files, TTA {args.tta}"] = tta_s
        for label, seconds in rows.items():
            print(f"{label:36s} {seconds:7.2f} s → {len(files) / seconds:8.1f} images/s")
        print(f"ratio lesionkit / plain: {plain_s / ours_s:.2f} (goal ≥ 1)")
        # Different resizes (Pillow draft + bilinear vs plain resize) give slightly different inputs.
        print(f"mean |Δ probability| lesionkit vs plain: {float(np.mean(np.abs(ours - plain))):.4f}")


if __name__ == "__main__":
    main()
