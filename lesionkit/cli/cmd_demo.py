"""``lesionkit demo``: the melanoma_conv5 preset, briefly, on synthetic lesions, offline."""

from __future__ import annotations

import argparse
import os
import time

# Measured on a 2-core CPU: 48 px and 4 epochs took 97-103 s end to end (most of it
# ResNet-50's training steps) with test ROC AUC 0.80-0.85 over seeds 0-2; 64 px and 5 epochs
# took 174 s for 0.88 (benchmarks/README.md).
DEFAULT_IMAGE_SIZE = 48
DEFAULT_EPOCHS = 4


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="train the melanoma_conv5 preset briefly on built-in synthetic lesions (offline)",
        description=(
            "Runs the paper's melanoma_conv5 recipe (conv5_x trainable, Table 1 augmentation, "
            "Table 2 balancing, weighted cross-entropy, SGD) on synthetic lesions at a small size, "
            "from randomly initialised weights because ImageNet weights need a download. "
            "Prints the test metrics beside the paper's row (which is on real ISIC 2017 data) and "
            "the time each part took. The defaults (48 px, 4 epochs) finish in about 100 s on a "
            "2-core CPU."
        ),
    )
    p.add_argument("--image-size", type=int, default=DEFAULT_IMAGE_SIZE, help=f"default {DEFAULT_IMAGE_SIZE}")
    p.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, help=f"default {DEFAULT_EPOCHS}")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run-dir", help="where to keep the run (default: a new folder under ./runs)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit import presets
    from lesionkit.runtime.host import available_cores
    from lesionkit.runtime.settings import active_settings

    started, cpu_started = time.perf_counter(), time.process_time()
    import tensorflow  # noqa: F401  # timed on its own: on a small CPU it is a real part of the wait

    imported = time.perf_counter()
    trainer = presets.melanoma_conv5(
        dataset="synthetic",
        weights=None,
        image_size=args.image_size,
        epochs=args.epochs,
        seed=args.seed,
        run_dir=args.run_dir,
    )
    print(
        f"lesionkit demo: {trainer.config.description} Synthetic lesions, {args.image_size} px, "
        f"{args.epochs} epoch{'' if args.epochs == 1 else 's'}."
    )
    runtime = active_settings()
    if runtime is not None:
        print("runtime: " + ", ".join(f"{s.name}={s.env_value} ({s.source})" for s in runtime.settings))
    trainer.fit(verbose=2)
    trained = time.perf_counter()
    trainer.load_checkpoint("best")  # as `lesionkit evaluate RUN` would report it
    report = trainer.evaluate("test")
    done = time.perf_counter()
    print()
    print(report.table())
    sizes = {name: len(trainer.split(name)) for name in ("train", "validation", "test")}
    print(f"\nmelanoma ROC AUC on the synthetic test split: {report.metrics['roc_auc']:.3f} ({done - started:.0f} s)")
    cpu = time.process_time() - cpu_started
    print(
        f"took {done - started:.0f} s (CPU time {cpu:.0f} s): TensorFlow import {imported - started:.0f} s, building and training "
        f"{trained - imported:.0f} s ({args.epochs} epoch{'' if args.epochs == 1 else 's'} on {sizes['train']} images, validating on "
        f"{sizes['validation']}), test evaluation {done - trained:.0f} s ({sizes['test']} images)"
    )
    load, cores = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0, available_cores()
    if load > cores + 0.5:  # say why a wall time may be long, rather than let it mislead
        print(f"(the machine was busy: load average {load:.1f} on {cores} cores)")
    print(f"run directory (config, checkpoints, logs, plots): {trainer.run_dir}")
    return 0
