"""The validation labels and probabilities of a run, for ``lesionkit calibrate`` and ``lesionkit threshold``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from lesionkit.cli import CommandError

if TYPE_CHECKING:  # `lesionkit --help` must run where only lesionkit is installed (no numpy)
    import numpy as np

VALIDATION = "validation"


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """RUN_DIR, ``--weights`` and ``--tta``, as ``lesionkit evaluate`` has them."""
    parser.add_argument("run_dir", help="a run directory (from `lesionkit fit`)")
    parser.add_argument("--weights", choices=("best", "last"), default="best", help="which checkpoint (default: best)")
    parser.add_argument(
        "--tta",
        type=int,
        default=None,
        help="test-time augmentation views, as the run is evaluated (default: its config)",
    )


def add_rule_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """How the operating point is chosen on validation: a target sensitivity, Youden's J, or given."""
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument(
        "--target-sensitivity", type=float, metavar="S", help="the threshold that reaches sensitivity S on validation"
    )
    group.add_argument("--youden", action="store_true", help="the threshold that maximises Youden's J on validation")
    group.add_argument("--fixed", type=float, metavar="T", help="a given threshold T (recorded as given)")


def rule_from_args(args: argparse.Namespace) -> tuple[str, float | None] | None:
    """``(rule, target)`` named on the command line, or None."""
    if args.target_sensitivity is not None:
        if not 0 < args.target_sensitivity <= 1:
            raise CommandError(f"--target-sensitivity {args.target_sensitivity}: give a fraction in (0, 1], e.g. 0.89")
        return "sensitivity", float(args.target_sensitivity)
    if args.youden:
        return "youden", None
    if args.fixed is not None:
        return "fixed", float(args.fixed)
    return None


def validation_predictions(args: argparse.Namespace, *, calibrated: bool) -> tuple[Any, np.ndarray, np.ndarray, int]:
    """``(trainer, labels, probabilities, views)`` of the run's validation split.

    ``calibrated=False`` leaves out the run's temperature (to fit a new one on the raw probabilities).
    """
    from lesionkit.training.trainer import Trainer

    trainer = Trainer.from_run(args.run_dir, weights=args.weights)
    if VALIDATION not in trainer.dataset.split_names():
        raise CommandError(
            f"{args.run_dir}: its dataset has no validation split ({', '.join(trainer.dataset.split_names())}); "
            "temperatures and thresholds are fitted on validation data only"
        )
    if not calibrated:
        trainer.temperature = None
    split = trainer.split(VALIDATION)
    views = max(trainer.config.tta if args.tta is None else int(args.tta), 1)
    images = split.load_images(trainer.config.image_size)
    probabilities = trainer.predict(images, tta=views, metadata=split.metadata)
    return trainer, split.labels(trainer.config.task), probabilities, views
