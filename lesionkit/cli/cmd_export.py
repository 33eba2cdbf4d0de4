"""``lesionkit export RUN_DIR -o model.keras``: a trained run as one self-contained model file."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="save a trained run's model (preprocessing included) as a .keras file, optionally a SavedModel",
        description=(
            "The .keras file takes RGB images with values 0-255 and returns class probabilities; "
            "load it with lesionkit.load_model. --saved-model also writes a TensorFlow SavedModel for serving."
        ),
    )
    p.add_argument("run_dir", help="a run directory (from `lesionkit fit`)")
    p.add_argument("-o", "--output", required=True, help="the .keras file to write")
    p.add_argument("--saved-model", metavar="DIR", help="also write a TensorFlow SavedModel directory")
    p.add_argument("--weights", choices=("best", "last"), default="best", help="which checkpoint (default: best)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.cli import CommandError
    from lesionkit.training.trainer import Trainer

    if not args.output.endswith(".keras"):
        raise CommandError(f"--output {args.output} must end in .keras (the Keras 3 model format)")
    trainer = Trainer.from_run(args.run_dir, weights=args.weights)
    path = trainer.export(args.output, saved_model=args.saved_model)
    print(f"wrote {path}" + (f" and the SavedModel {args.saved_model}" if args.saved_model else ""))
    return 0
