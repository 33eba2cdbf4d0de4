"""``lesionkit ensemble RUN RUN ...``: evaluate the average of several runs' probabilities."""

from __future__ import annotations

import argparse

from lesionkit.cli import CommandError
from lesionkit.cli._options import add_bootstrap_option, bootstrap_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ensemble",
        help="evaluate several runs of one task together: their probabilities averaged",
        description=(
            "Each run predicts the split as `lesionkit evaluate` would (its own image size, test-time "
            "augmentation, metadata prior and temperature); the report is that of the mean probabilities. "
            "Runs must share the task and the split's images (e.g. one preset trained with several seeds)."
        ),
    )
    p.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="finished run directories (from `lesionkit fit`)")
    p.add_argument("--split", default="test", help="split to evaluate (default: test)")
    p.add_argument("--weights", choices=("best", "last"), default="best", help="which checkpoint of each run")
    p.add_argument("--tta", type=int, default=None, help="test-time augmentation views per run (default: its config)")
    add_bootstrap_option(p)
    p.add_argument("--out", default=None, help="folder to write the report into (metrics.json, report.md, ...)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.training.ensemble import Ensemble

    bootstrap = bootstrap_from_args(args)
    if args.tta is not None and args.tta < 1:
        raise CommandError(f"--tta {args.tta}: give 1 (no augmentation) or more views")
    ensemble = Ensemble.from_runs(args.run_dirs, weights=args.weights)
    missing = [str(m.run_dir) for m in ensemble.members if args.split not in m.dataset.split_names()]
    if missing:
        raise CommandError(f"no {args.split!r} split in the dataset of {', '.join(missing)}")
    report = ensemble.evaluate(args.split, tta=args.tta, bootstrap=bootstrap, out=args.out)
    print(report.table())
    if args.out:
        print(f"written to {args.out}")
    return 0
