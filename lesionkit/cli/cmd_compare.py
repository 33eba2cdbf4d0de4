"""``lesionkit compare RUN_A RUN_B``: ΔAUC with DeLong's paired test and Δsensitivity at a fixed specificity."""

from __future__ import annotations

import argparse
from pathlib import Path

from lesionkit.evaluation.stats.defaults import DEFAULT_RESAMPLES, DEFAULT_SPECIFICITY


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare two runs on the same images: ΔAUC (DeLong paired test), Δsensitivity at a fixed specificity",
        description=(
            "Reads the saved predictions of both runs' reports (RUN/reports/SPLIT/predictions.csv, written by "
            "`lesionkit evaluate`), pairs them by image id and compares them: ΔAUC with DeLong's paired "
            "interval and p-value and a paired bootstrap interval, and Δsensitivity at a fixed specificity. "
            "Runs evaluated on different images or labels are refused."
        ),
    )
    p.add_argument("run_a", help="run directory A")
    p.add_argument("run_b", help="run directory B")
    p.add_argument("--split", default="test", help="report folder to compare, e.g. test, test-tta8 (default: test)")
    p.add_argument(
        "--specificity",
        type=float,
        default=DEFAULT_SPECIFICITY,
        help=f"the fixed specificity of Δsensitivity (default {DEFAULT_SPECIFICITY})",
    )
    p.add_argument(
        "--bootstrap",
        type=int,
        default=DEFAULT_RESAMPLES,
        metavar="N",
        help="paired bootstrap resamples (0 = DeLong only)",
    )
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--json", help="also write the comparison to this JSON file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from lesionkit.cli import CommandError
    from lesionkit.evaluation.reports.compare import compare_runs
    from lesionkit.io import atomic_write_text
    from lesionkit.runs import RunDir

    if args.bootstrap < 0 or not 0 < args.specificity < 1:
        raise CommandError("--bootstrap must be >= 0 and --specificity in (0, 1), e.g. 0.9")
    for path in (args.run_a, args.run_b):
        if not RunDir(path).is_run():
            what = (
                "a folder but not a lesionkit run directory (no config.json)"
                if Path(path).is_dir()
                else "no such folder"
            )
            raise CommandError(
                f"{path}: {what}; give two run directories of `lesionkit fit`, each evaluated on the same split "
                f"(`lesionkit evaluate RUN --split {args.split.partition('-tta')[0]}`)"
            )
    result = compare_runs(
        args.run_a,
        args.run_b,
        folder=args.split,
        specificity=args.specificity,
        n_resamples=args.bootstrap,
        seed=args.seed,
    )
    print(result.table())
    if args.json:
        atomic_write_text(args.json, json.dumps(result.to_dict(), indent=2) + "\n")
        print(f"written to {args.json}")
    return 0
