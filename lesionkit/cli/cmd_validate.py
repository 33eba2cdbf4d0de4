"""``lesionkit validate DIR``: check every image and label of an ISIC 2017, HAM10000, ISIC 2018, ISIC 2019 or ``folder`` dataset.

Exits 0 when the folder is valid, 1 when problems were found (each offending
file or CSV row is listed). ``--task`` adds the class counts before and after
the paper's balancing.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a dataset folder: images decode, CSV rows and files match, counts",
        description=(
            "Check a dataset folder (ISIC 2017, HAM10000, ISIC 2018 Task 3, ISIC 2019, or your own "
            "folder): every image decodes, image files and ground-truth rows match both ways, labels are "
            "valid; print per-split, per-diagnosis counts (ISIC 2017: beside the official counts), lesions "
            "shared by two splits and stray files. Exit code 1 when there are problems."
        ),
    )
    parser.add_argument("dir", metavar="DIR", help="the dataset root (as given to --data-dir)")
    parser.add_argument(
        "--dataset",
        choices=["auto", "isic2017", "ham10000", "isic2018", "isic2019", "folder"],
        default="auto",
        help="layout of DIR: a published release, or a folder of images + labels.csv or class folders "
        "(default: recognised by the files each release names)",
    )
    parser.add_argument("--labels", default="labels.csv", help="label CSV of a folder dataset (default labels.csv)")
    parser.add_argument(
        "--split", action="append", choices=["train", "validation", "test"], help="only these splits (repeatable)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the drawn splits of ham10000/isic2018/isic2019 (default 0)"
    )
    parser.add_argument("--no-decode", action="store_true", help="check names and CSVs only (fast)")
    parser.add_argument(
        "--task",
        choices=["melanoma", "seborrheic_keratosis"],
        help="also show training counts after the paper's balancing for TASK",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from lesionkit.data.validate import detect_dataset, validate_folder, validate_isic2017, validate_records

    kind = args.dataset
    if kind == "auto":
        kind = detect_dataset(Path(args.dir).expanduser(), args.labels)
    if kind in ("ham10000", "isic2018", "isic2019"):
        report = validate_records(
            args.dir,
            kind,
            splits=tuple(args.split) if args.split else None,
            seed=args.seed,
            decode=not args.no_decode,
            progress=not args.no_progress,
        )
    elif kind == "folder":
        report = validate_folder(args.dir, labels=args.labels, decode=not args.no_decode, progress=not args.no_progress)
    else:
        report = validate_isic2017(
            args.dir,
            splits=tuple(args.split) if args.split else None,
            decode=not args.no_decode,
            progress=not args.no_progress,
        )
    print(report.summary())
    if args.task and "train" in report.counts and report.columns is None:  # the paper's balancing: ISIC 2017 classes
        from lesionkit.data.balancing import balance_table

        print()
        print(balance_table(report.counts["train"], args.task))
    return 0 if report.ok else 1
