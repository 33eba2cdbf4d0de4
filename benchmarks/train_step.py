"""Training throughput: lesionkit's Trainer vs a hand-written ``model.fit``, side by side.

Both train the same ResNet-50 classifier (same backbone, head, loss, optimizer, precision,
XLA flag) on the same images for 1 + E epochs. Steady-state speed is measured the same way
for both, by a callback run after every other one: the time from the end of the first
epoch (model building, tracing and compilation done) to the end of the last, so for the
Trainer it includes what it does every epoch (checkpoints, CSV and TensorBoard logs).

By default every row runs in a fresh process, because oneDNN and the thread pools are fixed
when TensorFlow is imported: the plain script with TensorFlow's defaults (as a user would run
it), lesionkit's ``fit`` with the runtime settings it chooses (``lesionkit.runtime.settings``: your
environment, this host's ``lesionkit tune`` profile, or the defaults), and the plain script
with one setting changed at a time (oneDNN flipped, one inter-op thread, one intra-op thread;
``--xla-variant`` adds XLA), each with its ratio to the plain defaults.

``--same-process`` runs both in one process with the same settings instead, and prints
images/s for each, their ratio (goal ≥ 0.95: the Trainer's own overhead), and the fraction
of the machine's FLOP limit reached, counting 3 × 7.7 GFLOP per 224-px training image
(forward + backward), scaled by (size/224)².

    python benchmarks/train_step.py                       # CPU: settings compared, ~5 processes
    python benchmarks/train_step.py --same-process        # Trainer overhead only: 64 px, ~2 min
    python benchmarks/train_step.py --size 224 --batch 64 --images 1024 --epochs 3 \
        --precision mixed_bfloat16 --jit                  # on a GPU
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

GFLOP_PER_IMAGE_224 = 3 * 7.7  # forward + backward of ResNet-50 at 224 px

# Dense peak TFLOP/s by GPU name fragment: plain FP32 for float32 (TensorFlow may use TF32
# tensor cores, so float32 runs can exceed 100 % of this), FP16/BF16 tensor cores for mixed.
GPU_PEAKS = {
    "H200": {"float32": 67.0, "mixed": 989.0},
    "H100": {"float32": 67.0, "mixed": 989.0},
    "A100": {"float32": 19.5, "mixed": 312.0},
    "L4": {"float32": 30.3, "mixed": 121.0},
    "T4": {"float32": 8.1, "mixed": 65.0},
}


def cpu_peak_gflops() -> tuple[float, str]:
    """Estimated float32 peak of the CPUs this process may use, and how it was estimated."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    mhz, flags = 0.0, ""
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.findall(r"cpu MHz\s*:\s*([\d.]+)", text)
        mhz = max(float(v) for v in found) if found else 0.0
        flags = (re.search(r"^flags\s*:(.*)$", text, re.M) or [None, ""])[1]
    except OSError:
        pass
    ghz = mhz / 1000 if mhz else 2.0
    # FP32 FLOP/cycle/core with two FMA units: AVX-512 16 lanes × 2 × 2, AVX2 8 × 2 × 2.
    per_cycle = 64 if " avx512f" in flags else 32 if " fma" in flags else 8
    return cores * ghz * per_cycle, f"{cores} cores × {ghz:.2f} GHz × {per_cycle} FLOP/cycle"


def peak_gflops(precision: str) -> tuple[float, str]:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "")
        for key, peaks in GPU_PEAKS.items():
            if key in name:
                kind = "float32" if precision == "float32" else "mixed"
                return peaks[kind] * 1000 * len(gpus), f"{len(gpus)} × {name} dense {kind} peak"
        return float("nan"), f"unknown GPU {name!r}: pass --peak-gflops"
    return cpu_peak_gflops()


def SIZES(args: argparse.Namespace) -> dict[str, int]:
    # A small validation split: the Trainer validates every epoch, and so does the baseline.
    return {"train": args.images, "validation": VALIDATION, "test": 8}


VALIDATION = 16


def make_config(args: argparse.Namespace, epochs: int, run_dir: str) -> Any:
    from lesionkit.config import ComponentSpec, ExperimentConfig

    return ExperimentConfig(
        name="bench",
        dataset=ComponentSpec("synthetic", {"sizes": SIZES(args)}),
        image_size=args.size,
        balance="none",  # the same images per epoch as the baseline
        backbone=ComponentSpec("resnet50"),
        weights=None,
        trainable="none",  # every layer trains: the 3× FLOP count holds
        head=ComponentSpec("softmax"),
        loss=ComponentSpec("weighted_categorical_crossentropy", {"positive_weight": 2.0}),
        optimizer=ComponentSpec("sgd", {"momentum": 0.9}),
        schedule=ComponentSpec("constant"),
        learning_rate=1e-3,
        epochs=epochs,
        batch_size=args.batch,
        precision=args.precision,
        jit_compile=args.jit,
        run_dir=run_dir,
    )


#: CPU seconds of the measured epochs of the last timed run (all threads of the process).
LAST_CPU = [0.0]


def epoch_timer() -> Any:
    import keras

    class EpochTimer(keras.callbacks.Callback):
        """Wall-clock time at the end of each epoch."""

        def __init__(self) -> None:
            super().__init__()
            self.ends: list[float] = []
            self.cpu_ends: list[float] = []  # CPU seconds of the process (all threads)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.ends.append(time.perf_counter())
            self.cpu_ends.append(time.process_time())

    return EpochTimer()


def time_trainer(args: argparse.Namespace) -> tuple[float, float]:
    """(seconds to the end of epoch 1, seconds of the measured epochs) through ``Trainer.fit``."""
    from lesionkit.training.trainer import Trainer

    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(make_config(args, 1 + args.epochs, str(Path(tmp) / "run")))
        trainer.split("train").load_images(args.size)  # data preparation is not training
        timer = epoch_timer()
        start = time.perf_counter()
        model = trainer.build()
        fit = model.fit

        def fit_with_timer(*a: Any, callbacks: Any = None, **kw: Any) -> Any:
            return fit(*a, callbacks=[*(callbacks or []), timer], **kw)

        model.fit = fit_with_timer  # the Trainer's own fit, with the timer after its callbacks
        trainer.fit(verbose=0)
        LAST_CPU[0] = timer.cpu_ends[-1] - timer.cpu_ends[0]
        return timer.ends[0] - start, timer.ends[-1] - timer.ends[0]


def time_plain_keras(args: argparse.Namespace) -> tuple[float, float]:
    """The hand-written baseline: the same model built by hand, ``tf.data`` from memory, ``fit``."""
    import keras
    import numpy as np
    import tensorflow as tf

    from lesionkit.data.sources.synthetic import SyntheticLesions
    from lesionkit.runtime.precision import precision_policy
    from lesionkit.runtime.strategy import distribution_strategy

    dataset = SyntheticLesions(sizes=SIZES(args))
    split = dataset.split("train")
    images = split.load_images(args.size).astype("float32")
    labels = np.eye(2, dtype="float32")[split.labels("melanoma")]
    val = dataset.split("validation")
    validation = (val.load_images(args.size).astype("float32"), np.eye(2, dtype="float32")[val.labels("melanoma")])
    start = time.perf_counter()
    keras.utils.set_random_seed(0)
    with precision_policy(args.precision), distribution_strategy("default").scope():
        inputs = keras.Input((args.size, args.size, 3))
        x = keras.layers.Lambda(lambda t: keras.applications.resnet.preprocess_input(t))(inputs)
        base = keras.applications.ResNet50(include_top=False, weights=None, input_shape=(args.size, args.size, 3))
        x = keras.layers.GlobalAveragePooling2D()(base(x))
        outputs = keras.layers.Dense(2, activation="softmax", dtype="float32")(x)
        model = keras.Model(inputs, outputs)
        model.compile(
            optimizer=keras.optimizers.SGD(1e-3, momentum=0.9),
            loss=keras.losses.CategoricalCrossentropy(),
            metrics=[keras.metrics.AUC(name="auc")],  # the Trainer tracks AUC too
            jit_compile=args.jit,
        )
    ds = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(len(images), seed=0)
        .batch(args.batch)
        .prefetch(tf.data.AUTOTUNE)
    )
    timer = epoch_timer()
    model.fit(
        ds,
        epochs=1 + args.epochs,
        validation_data=validation,
        validation_batch_size=args.batch,
        verbose=0,
        callbacks=[timer],
    )
    LAST_CPU[0] = timer.cpu_ends[-1] - timer.cpu_ends[0]
    return timer.ends[0] - start, timer.ends[-1] - timer.ends[0]


def run_side(args: argparse.Namespace) -> None:
    """One side in this process; prints ``RESULT {json}`` for the parent."""
    if args.side == "lesionkit":
        from lesionkit.runtime.settings import configure_runtime

        settings = configure_runtime("train")  # what the lesionkit command and the Trainer do first
        chosen = {n: f"{s.env_value} ({s.source})" for n, s in settings.items()}
    else:
        chosen = {}
    import tensorflow as tf  # noqa: F401

    first, measured = (time_trainer if args.side == "lesionkit" else time_plain_keras)(args)
    ips = args.images * args.epochs / max(measured, 1e-9)
    per_cpu = args.images * args.epochs / max(LAST_CPU[0], 1e-9)
    result = {"first": first, "measured": measured, "ips": ips, "per_cpu_s": per_cpu, "settings": chosen}
    print("RESULT " + json.dumps(result))


#: Rows of the default comparison: (label, side, environment, extra flags). ``None`` removes a
#: variable: the plain script runs with TensorFlow's defaults, as a user's script would.
def rows(args: argparse.Namespace) -> list[tuple[str, str, dict[str, str | None], list[str]]]:
    from lesionkit.runtime.host import detect_host
    from lesionkit.runtime.variables import ENV_VARS, SET_BY_LESIONKIT_VAR

    clean: dict[str, str | None] = dict.fromkeys((*ENV_VARS.values(), SET_BY_LESIONKIT_VAR))
    host = detect_host()
    # TensorFlow's own default: oneDNN on with AVX-512 (x86), off otherwise.
    tf_onednn = "avx512f" in host.flags
    flipped = "0" if tf_onednn else "1"
    table = [
        ("plain model.fit, TensorFlow defaults", "plain", clean, []),
        ("lesionkit fit, runtime settings", "lesionkit", clean, []),
    ]
    if args.variants:
        table += [
            (f"plain, TF_ENABLE_ONEDNN_OPTS={flipped}", "plain", {**clean, "TF_ENABLE_ONEDNN_OPTS": flipped}, []),
            ("plain, TF_NUM_INTEROP_THREADS=1", "plain", {**clean, "TF_NUM_INTEROP_THREADS": "1"}, []),
            ("plain, TF_NUM_INTRAOP_THREADS=1", "plain", {**clean, "TF_NUM_INTRAOP_THREADS": "1"}, []),
        ]
        if args.xla_variant:
            table.append(("plain, jit_compile=True (XLA)", "plain", clean, ["--jit"]))
    return table


def compare(args: argparse.Namespace, argv: list[str]) -> None:
    """Each row in a fresh process (oneDNN and thread pools are fixed at TensorFlow's import)."""
    print(
        f"ResNet-50, {args.size} px, batch {args.batch}, {args.images} images/epoch, "
        f"{args.epochs} measured epochs, {args.precision}, jit_compile={args.jit}; one process per row"
    )
    results: dict[str, float] = {}
    per_cpu: dict[str, float] = {}
    for label, side, env_changes, extra in rows(args):
        env = {k: v for k, v in os.environ.items() if env_changes.get(k, v) is not None}
        env.update({k: v for k, v in env_changes.items() if v is not None})
        cmd = [sys.executable, __file__, *argv, "--side", side, *extra]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
        if out.returncode != 0 or not lines:
            print(f"{label:42s} failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}")
            continue
        r = json.loads(lines[-1][len("RESULT ") :])
        results[label] = r["ips"]
        per_cpu[label] = r["per_cpu_s"]
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"{label:42s} first epoch {r['first']:6.1f} s, next {args.epochs} {r['measured']:6.1f} s "
            f"→ {r['ips']:7.1f} images/s, {r['per_cpu_s']:6.2f} images/CPU-s (load {load:.1f})",
            flush=True,
        )
        if r["settings"]:
            print("    settings: " + ", ".join(f"{k}={v}" for k, v in r["settings"].items()))
    # On a shared machine the rows see different loads; images per CPU-second is steadier
    # (it still counts spinning threads, so compare it only between rows of one run).
    base, base_cpu = (
        results.get("plain model.fit, TensorFlow defaults"),
        per_cpu.get("plain model.fit, TensorFlow defaults"),
    )
    if base and base_cpu:
        for label, ips in results.items():
            if label != "plain model.fit, TensorFlow defaults":
                print(
                    f"ratio {label} / plain defaults: {ips / base:.3f} wall, {per_cpu[label] / base_cpu:.3f} per CPU-s"
                )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64, help="image side in pixels (default 64)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--images", type=int, default=256, help="training images per epoch")
    parser.add_argument("--epochs", type=int, default=2, help="measured epochs after the first")
    parser.add_argument("--precision", default="float32", choices=["float32", "mixed_float16", "mixed_bfloat16"])
    parser.add_argument("--jit", action="store_true", help="compile the train step with XLA")
    parser.add_argument("--peak-gflops", type=float, default=None, help="override the machine's peak")
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="both sides in this process with the same settings (the Trainer's own overhead only)",
    )
    parser.add_argument("--no-variants", dest="variants", action="store_false", help="only the two main rows")
    parser.add_argument("--xla-variant", action="store_true", help="also a plain row with XLA (slow to compile)")
    parser.add_argument("--side", choices=["plain", "lesionkit"], help=argparse.SUPPRESS)
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    if args.side:
        return run_side(args)
    if not args.same_process:
        return compare(args, argv)

    import tensorflow as tf

    print(f"TensorFlow {tf.__version__}; devices: {[d.name for d in tf.config.list_logical_devices()]}")
    print(
        f"ResNet-50, {args.size} px, batch {args.batch}, {args.images} images/epoch, "
        f"{args.epochs} measured epochs, {args.precision}, jit_compile={args.jit}"
    )
    results: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for label, run in (("plain keras", time_plain_keras), ("lesionkit", time_trainer)):
        first, measured = run(args)
        results[label] = args.images * args.epochs / max(measured, 1e-9)
        seconds[label] = measured / args.epochs
        print(
            f"{label:12s} first epoch {first:6.1f} s, next {args.epochs} epochs {measured:6.1f} s "
            f"→ {results[label]:8.1f} images/s"
        )

    peak, how = (args.peak_gflops, "given") if args.peak_gflops else peak_gflops(args.precision)
    gflop = GFLOP_PER_IMAGE_224 * (args.size / 224) ** 2
    ratio = results["lesionkit"] / results["plain keras"]
    print(f"ratio lesionkit / plain keras: {ratio:.3f} (goal ≥ 0.95)")
    # The Trainer's own per-epoch work (checkpoint with optimizer state, logs) is a fixed cost:
    # it weighs on tiny benchmark epochs, not on real ones (ISIC: 4374 images per epoch).
    print(f"Trainer's extra time per epoch: {seconds['lesionkit'] - seconds['plain keras']:+.2f} s")
    for label, ips in results.items():
        print(f"{label:12s} {ips * gflop:8.1f} GFLOP/s = {ips * gflop / peak:.1%} of peak {peak:.0f} GFLOP/s ({how})")


if __name__ == "__main__":
    main()
