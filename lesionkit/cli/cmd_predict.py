"""``lesionkit predict RUN_DIR IMAGES... -o predictions.csv``: ISIC-format probabilities."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict",
        help="predict images with a trained run; writes the ISIC 2017 submission format",
        description=(
            "With a run directory: writes image_id,melanoma,seborrheic_keratosis. The run's task fills its column; "
            "give the other task's run with --with to fill the other, else it is left empty. "
            "A multi-class run (e.g. dx7) writes image_id and one probability column per class. "
            "With an exported model.keras: writes image_id, one probability column per class and the decision, "
            "using the model's own temperature, threshold and TTA setting. "
            "--metadata CSV gives each image's age/sex/site (any ISIC or HAM10000 metadata CSV, rows matched to "
            "the image file names) for a model with a metadata prior (`lesionkit metadata-prior RUN`)."
        ),
    )
    p.add_argument("run_dir", help="a run directory (from `lesionkit fit`) or a model file from `lesionkit export`")
    p.add_argument("images", nargs="+", help="image files or folders of images")
    p.add_argument("-o", "--output", default="predictions.csv")
    p.add_argument("--with", dest="other", metavar="RUN_DIR", help="a run of the other task, to fill both columns")
    p.add_argument("--tta", type=int, default=None, help="test-time augmentation views (default: the run's config)")
    p.add_argument("-r", "--recursive", action="store_true", help="look for images in subfolders too")
    p.add_argument(
        "--metadata",
        metavar="CSV",
        help="per-image metadata (image_id/image column; age, sex, site) for a model with a metadata prior",
    )
    p.set_defaults(func=run)


def collect_images(items: list[str], *, recursive: bool = False) -> list[Path]:
    """Image files named directly or found in folders (and their subfolders if ``recursive``), sorted, superpixels skipped."""
    from lesionkit.cli import CommandError
    from lesionkit.data.loading.images import IMAGE_SUFFIXES  # what the loader reads (here, not at parser build)

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
    from lesionkit.evaluation.prediction.predict import predict_files, write_class_probabilities, write_submission
    from lesionkit.training.trainer import Trainer

    # Every file argument is checked before TensorFlow is imported (seconds, and its banner).
    check_model_source(args.run_dir)
    if args.other:
        check_model_source(args.other)
    files = collect_images(args.images, recursive=args.recursive)
    metadata = read_patient_metadata(args.metadata, files)
    if args.run_dir.endswith(".keras"):
        return run_exported(args, files, metadata)
    columns = {}
    trainers = [Trainer.from_run(run_dir) for run_dir in [args.run_dir] + ([args.other] if args.other else [])]
    if metadata is not None and all(t.metadata_prior is None for t in trainers):
        raise CommandError(
            f"{' and '.join(str(t.run_dir) for t in trainers)}: no metadata prior to use --metadata with; "
            "fit one with `lesionkit metadata-prior RUN`"
        )
    for trainer in trainers:
        run_dir = trainer.run_dir
        if metadata is not None:
            prior = trainer.metadata_prior
            print(f"{run_dir}: " + (prior.describe() if prior else "no metadata prior; images alone"))
        task = trainer.task
        if not task.is_binary and args.other:
            raise CommandError(
                f"{run_dir}: task {task.name!r} has {task.num_classes} classes and fills every column itself; "
                "--with is for pairing the two binary ISIC 2017 runs"
            )
        name, probabilities, skipped = predict_files(trainer, files, tta=args.tta, metadata=metadata)
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


def check_model_source(source: str) -> None:
    """``source`` is a lesionkit ``.keras`` export or a run directory, checked without TensorFlow."""
    from lesionkit.cli import CommandError
    from lesionkit.cli._model_file import check_model_file
    from lesionkit.runs import RunDir

    path = Path(source)
    if source.endswith(".keras") or path.is_file():
        check_model_file(path)
    elif not path.is_dir():
        raise CommandError(
            f"{source}: no such run directory or model file; give a run directory of `lesionkit fit` or a "
            f"model written by `lesionkit export RUN -o model.keras`"
        )
    elif not RunDir(path).is_run():
        raise CommandError(
            f"{source}: a folder but not a lesionkit run directory (no config.json); give a run directory of "
            f"`lesionkit fit` or a model written by `lesionkit export`"
        )


def read_patient_metadata(csv: str | None, files: list[Path]) -> dict[str, tuple[object, ...]] | None:
    """``--metadata``'s columns aligned with ``files`` (matched by file name without suffix), or None."""
    if csv is None:
        return None
    from lesionkit.cli import CommandError
    from lesionkit.data.labels.metadata_csv import read_metadata_csv
    from lesionkit.errors import DataError

    try:
        columns, match = read_metadata_csv(csv, [f.stem for f in files])
    except DataError as exc:
        raise CommandError(str(exc)) from None
    if files and not match.matched:  # the wrong file, or images renamed: every prediction would ignore it
        raise CommandError(
            f"--metadata {csv}: none of the {len(files)} images has a row (looked for ids like {files[0].stem!r}); "
            "the image file names, without suffix, must be the CSV's image ids"
        )
    print(match.describe())
    return columns


def run_exported(args: argparse.Namespace, files: list[Path], patients: dict[str, tuple[object, ...]] | None) -> int:
    """``lesionkit predict model.keras ...``: the exported model's metadata replaces the run directory."""
    from lesionkit.cli import CommandError
    from lesionkit.evaluation.prediction.exported import predict_exported, write_predictions
    from lesionkit.evaluation.prediction.model_description import read_model_description
    from lesionkit.training.export import load_model

    if args.other:
        raise CommandError("--with needs run directories; an exported model predicts its own task's classes")
    model = load_model(args.run_dir)
    exported = read_model_description(model)
    if exported is None:
        raise CommandError(f"{args.run_dir} has no lesionkit metadata; export it again with `lesionkit export RUN`")
    if patients is not None and exported.metadata_prior is None:
        raise CommandError(
            f"{args.run_dir}: the model has no metadata prior to use --metadata with; fit one with "
            "`lesionkit metadata-prior RUN` and export the run again"
        )
    result = predict_exported(model, exported, files, tta=args.tta, patients=patients)
    for path, reason in result.skipped:
        print(f"skipped {path}: {reason}")
    written = write_predictions(args.output, result)
    rule = f"threshold {result.threshold:g} on {exported.positive_class}" if exported.binary else "most probable class"
    print(
        f"wrote {written} predictions to {args.output} (decision: {rule})"
        + (f" ({len(result.skipped)} images skipped)" if result.skipped else "")
    )
    return 0 if written else 2
