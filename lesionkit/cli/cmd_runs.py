"""``lesionkit runs [DIR...]``: a table of training runs, how far each got and how well it did."""

from __future__ import annotations

import argparse
import math

SORT_KEYS = ("run", "best-val-auc", "test-auc")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "runs",
        help="list training runs: name, task, status, best validation and test AUC (or a multi-class task's metric)",
        description=(
            "Lists every run directory given, or found directly under a folder given (default: ./runs). "
            "Reads only each run's JSON files, so it is fast and needs no TensorFlow. Multi-class runs show "
            "their task's primary metric (e.g. balanced_accuracy for dx7), named in a metric column."
        ),
    )
    p.add_argument("dirs", nargs="*", default=["runs"], help="run directories or folders of them (default: runs)")
    p.add_argument("--sort", choices=SORT_KEYS, default="run", help="order (AUCs best first; default: run name)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.cli import CommandError
    from lesionkit.evaluation.reports.run_summary import find_runs, runs_table

    summaries = find_runs(args.dirs)
    if not summaries:
        raise CommandError(f"no run directories (with a config.json) in {', '.join(args.dirs)}")
    if args.sort == "run":
        summaries.sort(key=lambda s: str(s.path))
    else:
        attribute = "best_validation" if args.sort == "best-val-auc" else "test"
        summaries.sort(key=lambda s: -getattr(s, attribute) if not math.isnan(getattr(s, attribute)) else math.inf)
    print(runs_table(summaries))
    return 0
