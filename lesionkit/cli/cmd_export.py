"""``lesionkit export RUN_DIR -o model.keras [--tflite PATH]``: a trained run as one self-describing model file."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="save a trained run's model (preprocessing included) as a .keras file, optionally a SavedModel",
        description=(
            "The .keras file takes RGB images with values 0-255 and returns class probabilities; "
            "it carries the class names, task, image size, preprocessing, TTA setting, and the run's temperature "
            "and decision threshold when it has them (`lesionkit predict model.keras` uses them). "
            "Load it with lesionkit.load_model. The run's model card is copied beside it. "
            "--saved-model also writes a TensorFlow SavedModel for serving; --tflite a TFLite file."
        ),
    )
    p.add_argument("run_dir", help="a run directory (from `lesionkit fit`)")
    p.add_argument("-o", "--output", help="the .keras file to write")
    p.add_argument("--saved-model", metavar="DIR", help="also write a TensorFlow SavedModel directory")
    p.add_argument("--tflite", metavar="PATH", help="also (or only) write a TFLite model, metadata in PATH.json")
    p.add_argument(
        "--quantize", choices=("none", "dynamic"), default="none", help="TFLite weights: float32 or dynamic-range int8"
    )
    p.add_argument("--weights", choices=("best", "last"), default="best", help="which checkpoint (default: best)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.cli import CommandError
    from lesionkit.training.export import copy_model_card, describe_model, export_tflite
    from lesionkit.training.trainer import Trainer

    if not args.output and not args.tflite:
        raise CommandError("give -o model.keras, --tflite model.tflite, or both")
    if args.output and not args.output.endswith(".keras"):
        raise CommandError(f"--output {args.output} must end in .keras (the Keras 3 model format)")
    if args.quantize != "none" and not args.tflite:
        raise CommandError("--quantize applies to --tflite PATH; add it")
    trainer = Trainer.from_run(args.run_dir, weights=args.weights)
    if args.output:
        path = trainer.export(args.output, saved_model=args.saved_model)
        print(f"wrote {path}" + (f" and the SavedModel {args.saved_model}" if args.saved_model else ""))
        for card in copy_model_card(trainer.run, path):
            print(f"wrote {card}")
    if args.tflite:
        description = describe_model(trainer.config, trainer.model, trainer.posthoc)
        path = export_tflite(trainer.model, args.tflite, quantize=args.quantize, description=description)
        print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB, quantize={args.quantize}) and {path}.json")
        if not args.output:
            for card in copy_model_card(trainer.run, path):
                print(f"wrote {card}")
    return 0
