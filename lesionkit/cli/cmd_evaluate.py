"""``lesionkit evaluate RUN_DIR``: metrics of a trained run on a split, optionally with test-time augmentation."""

from __future__ import annotations

import argparse

from lesionkit.cli._options import add_bootstrap_option, bootstrap_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="evaluate a trained run on a split (paper metrics and the ISIC 2017 set), optionally with TTA",
        description=(
            "Re-creates the run from its directory with its best (or last) weights, evaluates it on a split "
            "and writes the report (metrics.json, report.md, predictions.csv, ROC/PR/bar plots) under "
            "RUN_DIR/reports/SPLIT (SPLIT-ttaN with test-time augmentation): 95 % bootstrap and DeLong "
            "intervals, calibration (ECE, Brier, reliability.png), sensitivity/specificity at the run's frozen "
            "operating point, subgroups (subgroups.png) where the data has age/sex/site; then the run's model card."
        ),
    )
    p.add_argument("run_dir", help="a run directory (from `lesionkit fit`)")
    p.add_argument("--split", default="test", help="split to evaluate (default: test)")
    p.add_argument("--tta", type=int, default=None, help="test-time augmentation views (default: the run's config)")
    p.add_argument("--weights", choices=("best", "last"), default="best", help="which checkpoint (default: best)")
    p.add_argument("--dataset", help="evaluate on another dataset (an external test set), e.g. folder")
    p.add_argument("--data-dir", help="root of that dataset (reports go to reports/<dataset>-<dir name>-<split>)")
    p.add_argument("--cache-dir", help="where its resized images are cached")
    add_bootstrap_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.training.trainer import Trainer

    bootstrap = bootstrap_from_args(args)
    data = {k: v for k in ("dataset", "data_dir", "cache_dir") if (v := getattr(args, k)) is not None}
    trainer = Trainer.from_run(args.run_dir, weights=args.weights, data=data or None)
    report = trainer.evaluate(args.split, tta=args.tta, bootstrap=bootstrap)
    print(report.table())
    if report.clinical is not None and report.clinical.subgroups is not None:
        print(f"\n{report.clinical.subgroups.table()}")
    # A multi-class report holds one ISIC 2017 set per positive class (none for dx7/dx8).
    sets = report.isic if report.is_multiclass else {report.task: report.isic}
    for name, isic in sets.items():
        print(
            f"\nISIC 2017 ({name}): AUC {isic['auc']:.4f}, AP {isic['average_precision']:.4f}, "
            f"specificity at 82/89/95 % sensitivity {isic['spec_at_sens_82']:.4f}/{isic['spec_at_sens_89']:.4f}/"
            f"{isic['spec_at_sens_95']:.4f}"
        )
    print(f"report written to {trainer.run.report_dir(trainer.report_folder(args.split, report.tta))}")
    return 0
