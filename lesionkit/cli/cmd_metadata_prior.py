"""``lesionkit metadata-prior RUN_DIR``: fit the age/sex/site prior on the run's training split and keep it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lesionkit.cli import CommandError

if TYPE_CHECKING:  # `lesionkit --help` must run where only lesionkit is installed
    from lesionkit.evaluation.posthoc.metadata_prior import MetadataPrior
    from lesionkit.training.trainer import Trainer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "metadata-prior",
        help="fit a prior on the patients' age/sex/site (training split) and combine it with the run's images",
        description=(
            "Fits p(class | metadata) by logistic regression on the run's training split (no validation or "
            "test label is used) and writes it to RUN_DIR/metadata_prior.json. Every later `lesionkit "
            "evaluate` of the run combines it with the image probabilities by Bayes' rule where a split has "
            "metadata, and its reports say so. Delete the file to go back to images alone."
        ),
    )
    p.add_argument("run_dir", help="a run directory (from `lesionkit fit`)")
    p.add_argument(
        "--fields",
        default=None,
        help="comma-separated metadata fields among age, sex, site (default: the config's, else age,sex)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.evaluation.posthoc.metadata_prior import FIELDS, MetadataPriorError
    from lesionkit.training.trainer import Trainer

    fields = None
    if args.fields is not None:
        fields = tuple(f.strip() for f in args.fields.split(",") if f.strip())
        unknown = [f for f in fields if f not in FIELDS]
        if unknown or not fields:
            raise CommandError(f"--fields {args.fields!r}: give fields among {', '.join(FIELDS)}, e.g. age,sex")
    trainer = Trainer.from_run(args.run_dir, weights="none")
    if "train" not in trainer.dataset.split_names():
        raise CommandError(f"{args.run_dir}: its dataset has no train split to fit the prior on")
    try:
        prior = trainer.fit_metadata_prior(fields)
    except MetadataPriorError as exc:
        raise CommandError(f"{args.run_dir}: {exc}") from None
    print(f"{prior.describe().removesuffix(' applied')}, classes {', '.join(prior.classes)}")
    if "validation" in trainer.dataset.split_names():
        print(_metadata_only_line(trainer, prior))
    print(f"written to {trainer.run.metadata_prior_file}")
    stale = [f.name for f in (trainer.run.calibration_file, trainer.run.operating_point_file) if f.is_file()]
    if stale:
        # Both were fitted on the probabilities before this prior changed them.
        print(f"{' and '.join(stale)} predate this prior: run `lesionkit calibrate {args.run_dir}` again")
    print(f"evaluate again to see it in the reports: lesionkit evaluate {args.run_dir}")
    return 0


def _metadata_only_line(trainer: Trainer, prior: MetadataPrior) -> str:
    """How well the metadata alone ranks each class on validation: one-vs-rest ROC AUC."""
    import numpy as np

    from lesionkit.evaluation.stats.metrics import binary_metrics

    split = trainer.split("validation")
    labels = split.labels(trainer.config.task)
    # Combined with a model that only knows the class frequencies, the prior gives p(class | metadata).
    frequencies = np.tile(np.exp(prior.log_prior), (len(split), 1))
    alone = prior.apply(frequencies, split.metadata)
    scores = []
    for k, name in enumerate(prior.classes):
        positives = (labels == k).astype(int)
        if 0 < positives.sum() < len(positives):
            scores.append(f"{name} {binary_metrics(positives, alone[:, k])['roc_auc']:.3f}")
    shown = ", ".join(scores[1:] if len(prior.classes) == 2 else scores)
    return f"metadata alone on validation ({len(split)} images), ROC AUC: {shown}"
