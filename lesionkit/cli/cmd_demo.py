"""``lesionkit demo``: the melanoma_conv5 preset, briefly, on synthetic lesions, offline."""

from __future__ import annotations

import argparse
import time


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="train the melanoma_conv5 preset briefly on built-in synthetic lesions (offline)",
        description=(
            "Runs the paper's melanoma_conv5 recipe (conv5_x trainable, Table 1 augmentation, "
            "Table 2 balancing, weighted cross-entropy, SGD) on synthetic lesions at a small size, "
            "from randomly initialised weights because ImageNet weights need a download. "
            "Prints the test metrics beside the paper's row (which is on real ISIC 2017 data)."
        ),
    )
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run-dir", help="where to keep the run (default: a new folder under ./runs)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit import presets

    started = time.perf_counter()
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
    trainer.fit(verbose=2)
    report = trainer.evaluate("test")
    print()
    print(report.table())
    print(
        f"\nmelanoma ROC AUC on the synthetic test split: {report.metrics['roc_auc']:.3f} "
        f"({time.perf_counter() - started:.0f} s)"
    )
    print(f"run directory (config, checkpoints, logs, plots): {trainer.run_dir}")
    return 0
