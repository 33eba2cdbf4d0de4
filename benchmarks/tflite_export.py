"""Size and CPU latency of one model as Keras, TFLite float32 and TFLite dynamic-range, side by side.

The model is a lesionkit classifier (ResNet-50 at 224 px by default, random weights, or a
trained run's with ``--run``). The two TFLite files are made by ``lesionkit export --tflite``'s
own function (through a SavedModel). Each format then predicts the same batches in this one
process, on the same threads, alternating, so a busy machine slows all three alike; the
table gives the file size, the median and 90th-percentile latency per batch, and the
largest difference from the Keras probabilities.

Run:  python benchmarks/tflite_export.py                     (a few minutes on 2 cores)
      python benchmarks/tflite_export.py --backbone resnet18 --size 128 --runs 50
      python benchmarks/tflite_export.py --run runs/mel      (a trained run's model)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backbone", default="resnet50", help="backbone of the random-weights model")
    parser.add_argument("--size", type=int, default=224, help="image side, pixels")
    parser.add_argument("--run", help="benchmark this run directory's model instead")
    parser.add_argument("--batch", type=int, default=1, help="images per prediction (1 = single-image latency)")
    parser.add_argument("--runs", type=int, default=30, help="timed predictions per format")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CPU threads for every format")
    return parser.parse_args()


def main() -> None:
    args = _parse()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from lesionkit import Trainer
    from lesionkit.training.export import export_model, export_tflite

    if args.run:
        trainer = Trainer.from_run(args.run)
    else:
        config = {
            "name": "bench",
            "dataset": "synthetic",
            "backbone": args.backbone,
            "weights": None,
            "image_size": args.size,
        }
        trainer = Trainer(config)
    model, size = trainer.model, trainer.config.image_size
    batch = np.random.default_rng(0).uniform(0, 255, (args.batch, size, size, 3)).astype(np.float32)

    folder = Path(tempfile.mkdtemp(prefix="lesionkit-tflite-bench-"))
    keras_path = export_model(model, folder / "model.keras")
    started = time.perf_counter()
    float_path = export_tflite(model, folder / "float32.tflite")
    float_seconds = time.perf_counter() - started
    started = time.perf_counter()
    dynamic_path = export_tflite(model, folder / "dynamic.tflite", quantize="dynamic")
    dynamic_seconds = time.perf_counter() - started

    serve = tf.function(lambda x: model(x, training=False), jit_compile=False)

    def keras_predict() -> np.ndarray:
        return np.asarray(serve(tf.constant(batch)))

    def interpreter_for(path: Path) -> object:
        interpreter = tf.lite.Interpreter(model_path=str(path), num_threads=args.threads)
        index = interpreter.get_input_details()[0]["index"]
        interpreter.resize_tensor_input(index, batch.shape)
        interpreter.allocate_tensors()
        output = interpreter.get_output_details()[0]["index"]

        def predict() -> np.ndarray:
            interpreter.set_tensor(index, batch)
            interpreter.invoke()
            return np.array(interpreter.get_tensor(output))

        return predict

    formats = {
        "Keras (tf.function)": (keras_path, keras_predict),
        "TFLite float32": (float_path, interpreter_for(float_path)),
        "TFLite dynamic-range": (dynamic_path, interpreter_for(dynamic_path)),
    }
    reference = keras_predict()
    times: dict[str, list[float]] = {name: [] for name in formats}
    errors = {name: float(np.abs(predict() - reference).max()) for name, (_, predict) in formats.items()}  # warm-up
    for _ in range(args.runs):  # alternate, so that load on the machine hits every format alike
        for name, (_, predict) in formats.items():
            started = time.perf_counter()
            predict()
            times[name].append(time.perf_counter() - started)

    print(
        f"{trainer.config.backbone.name} at {size} px, batch {args.batch}, {args.threads} threads, "
        f"{args.runs} timed runs each (TFLite conversion: float32 {float_seconds:.0f} s, "
        f"dynamic {dynamic_seconds:.0f} s)"
    )
    print(f"{'format':<22} {'size MiB':>9} {'median ms':>10} {'p90 ms':>8} {'vs Keras':>9} {'max |Δp|':>10}")
    keras_median = float(np.median(times["Keras (tf.function)"]))
    for name, (path, _) in formats.items():
        median, p90 = float(np.median(times[name])), float(np.percentile(times[name], 90))
        print(
            f"{name:<22} {path.stat().st_size / 2**20:>9.1f} {median * 1e3:>10.1f} {p90 * 1e3:>8.1f} "
            f"{keras_median / median:>8.2f}× {errors[name]:>10.2e}"
        )


if __name__ == "__main__":
    main()
