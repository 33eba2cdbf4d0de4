"""``lesionkit predict RUN_DIR IMAGES... -o predictions.csv``: ISIC-format probabilities."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict",
        help="predict images with a trained run; writes the ISIC 2017 submission format",
        description=(
            "Writes image_id,melanoma,seborrheic_keratosis. The run's task fills its column; "
            "give the other task's run with --with to fill the other, else it is left empty. "
            "A multi-class run (e.g. dx7) writes image_id and one probability column per class."
        ),
    )
    p.add_argument("run_dir", help="a run directory (from `lesionkit fit`) or an exported .keras file's run")
    p.add_argument("images", nargs="+", help="image files or folders of images")
    p.add_argument("-o", "--output", default="predictions.csv")
    p.add_argument("--with", dest="other", metavar="RUN_DIR", help="a run of the other task, to fill both columns")
    p.add_argument("--tta", type=int, default=None, help="test-time augmentation views (default: the run's config)")
    p.add_argument("-r", "--recursive", action="store_true", help="look for images in subfolders too")
    p.set_defaults(func=run)


def collect_images(items: list[str], *, recursive: bool = False) -> list[Path]:
    """Image files named directly or found in folders (and their subfolders if ``recursive``), sorted, superpixels skipped."""
    from lesionkit.cli import CommandError
    from lesionkit.data.images import IMAGE_SUFFIXES  # what the loader reads (here, not at parser build)

    found: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            candidates = path.rglob("*") if recursive else path.iterdir()
            found += sorted(
                p
                for p in candidates
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.stem.endswith("_superpixels")
            )
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{path}: no such file or folder")
    if not found:
        hint = "" if recursive else "; add -r to look in subfolders"
        raise CommandError(
            f"no images found in {', '.join(items)} (looked for {', '.join(sorted(IMAGE_SUFFIXES))}){hint}"
        )
    return found


def run(args: argparse.Namespace) -> int:
    from lesionkit.cli import CommandError
    from lesionkit.evaluation.predict import predict_files, write_class_probabilities, write_submission
    from lesionkit.task import get_task
    from lesionkit.training.trainer import Trainer

    files = collect_images(args.images, recursive=args.recursive)
    columns = {}
    for run_dir in [args.run_dir] + ([args.other] if args.other else []):
        trainer = Trainer.from_run(run_dir)
        task = get_task(trainer.config.task)
        if not task.is_binary and args.other:
            raise CommandError(
                f"{run_dir}: task {task.name!r} has {task.num_classes} classes and fills every column itself; "
                "--with is for pairing the two binary ISIC 2017 runs"
            )
        name, probabilities, skipped = predict_files(trainer, files, tta=args.tta)
        columns[name] = probabilities
        for path, reason in skipped:
            print(f"skipped {path}: {reason}")
        if not task.is_binary:
            written, skipped_count = write_class_probabilities(args.output, files, task.classes, probabilities)
            break
    else:
        written, skipped_count = write_submission(args.output, files, columns)
    print(
        f"wrote {written} predictions to {args.output}"
        + (f" ({skipped_count} images skipped)" if skipped_count else "")
    )
    return 0 if written else 2
