"""``lesionkit explain RUN IMAGES... -o DIR``: a Grad-CAM overlay PNG per image."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="Grad-CAM overlays: where the backbone's last stage saw the evidence for the predicted class",
        description=(
            "Writes <DIR>/<image>_gradcam.png for each image: the Grad-CAM map of the predicted class "
            "(from the end of the backbone's last stage, conv5 for the ResNets) over the image, with the "
            "class probabilities (calibrated, if the run was) in the title. RUN is a run directory or a model file from `lesionkit export`."
        ),
    )
    p.add_argument("run_dir", help="a run directory (from `lesionkit fit`) or an exported model.keras")
    p.add_argument("images", nargs="+", help="image files or folders of images")
    p.add_argument("-o", "--output", required=True, help="folder for the overlay PNGs")
    p.add_argument("-r", "--recursive", action="store_true", help="look for images in subfolders too")
    p.add_argument("--weights", choices=("best", "last"), default="best", help="which checkpoint of a run")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.cli import CommandError
    from lesionkit.cli.cmd_predict import collect_images
    from lesionkit.evaluation.posthoc.chain import PostHoc
    from lesionkit.evaluation.prediction.explain import explain_files
    from lesionkit.evaluation.prediction.model_description import read_model_description

    files = collect_images(args.images, recursive=args.recursive)
    if args.run_dir.endswith(".keras"):
        from lesionkit.training.export import load_model

        model = load_model(args.run_dir)
        metadata = read_model_description(model)
        if metadata is None:
            raise CommandError(f"{args.run_dir} has no lesionkit metadata; export it again with `lesionkit export RUN`")
        size, classes, posthoc = metadata.image_size, metadata.classes, PostHoc.from_description(metadata)
    else:
        from lesionkit.training.trainer import Trainer

        trainer = Trainer.from_run(args.run_dir, weights=args.weights)
        model, size, classes = trainer.model, trainer.config.image_size, trainer.task.classes
        posthoc = trainer.posthoc
    written, skipped = explain_files(model, files, args.output, image_size=size, class_names=classes, posthoc=posthoc)
    for path, reason in skipped:
        print(f"skipped {path}: {reason}")
    print(f"wrote {len(written)} overlays to {args.output}" + (f" ({len(skipped)} images skipped)" if skipped else ""))
    return 0 if written else 2
