"""``lesionkit validate DIR``: check every image and label of an ISIC 2017, HAM10000, ISIC 2018, ISIC 2019 or ``folder`` dataset.

Exits 0 when the folder is valid, 1 when problems were found (each offending
file or CSV row is listed). ``--task`` adds the class counts before and after
the paper's balancing. A leakage audit across splits follows (exact duplicates,
near-duplicates, shared lesion ids; each pair with both paths): warnings, or
problems with ``--strict``.
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
            "shared by two splits and stray files; then a leakage audit across splits (exact and near-duplicate "
            "images, shared lesion ids), each pair with both paths. Exit code 1 when there are problems "
            "(leakage findings too with --strict)."
        ),
    )
    parser.add_argument("dir", metavar="DIR", help="the dataset root (as given to --data-dir)")
    parser.add_argument(
        "--dataset",
        default="auto",
        metavar="NAME",
        help="layout of DIR: a published release (isic2017, ham10000, isic2018, isic2019), or folder (images + "
        "labels.csv, or class folders); default: recognised by the files each release names",
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
        metavar="TASK",
        help="also show TASK's training images per class: the paper's balancing for a binary ISIC 2017 task, "
        "oversampling copies and class weights for any other (`lesionkit plugins tasks` lists them)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument(
        "--strict", action="store_true", help="leakage findings (and images the audit cannot read) are problems: exit 1"
    )
    parser.add_argument("--no-audit", action="store_true", help="skip the leakage audit (it decodes every image)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from lesionkit.data.sources.base import UnknownLayoutError, ValidateOptions, detect_dataset, get_source
    from lesionkit.task import get_task

    task = get_task(args.task) if args.task else None  # an unknown task fails here, before any image is read
    root = Path(args.dir).expanduser()
    options = ValidateOptions(
        splits=tuple(args.split) if args.split else None,
        seed=args.seed,
        labels=args.labels,
        decode=not args.no_decode,
        progress=not args.no_progress,
    )
    try:
        kind = detect_dataset(root, args.labels) if args.dataset == "auto" else args.dataset
        source = get_source(kind)
    except (UnknownLayoutError, KeyError) as exc:
        print(f"lesionkit validate: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    report = source.validate(root, options)
    print(report.summary())
    leaked = False if args.no_audit or args.no_decode else _audit(args, kind, source.audit_params(options))
    if task is not None and "train" in report.counts:
        from lesionkit.data.splitting.balancing import task_table

        print()
        print(task_table(report.counts["train"], task))
    return 0 if report.ok and not leaked else 1


def _audit(args: argparse.Namespace, kind: str, params: dict[str, object]) -> bool:
    """Print the leakage audit of the splits the source counted; True when ``--strict`` makes its findings problems."""
    from lesionkit import registries
    from lesionkit.data.checks.audit import audit_splits, split_entries
    from lesionkit.errors import LesionkitError

    params = {"data_dir": args.dir, "progress": not args.no_progress, **params}
    try:
        entries = split_entries(registries.datasets.create(kind, **params), args.split)
    except LesionkitError as exc:  # the problems above already say why the splits cannot be read
        print(f"\nleakage audit skipped: the splits could not be read ({exc})")
        return False
    if len(entries) < 2:
        print("\nleakage audit skipped: it compares two or more splits")
        return False
    result = audit_splits(entries)
    c = result.counts()
    word = "problems" if args.strict else "warnings"
    print(
        f"\nleakage audit of {c['images']} images in {', '.join(entries)}: {c['exact_duplicates']} exact "
        f"duplicate(s), {c['near_duplicates']} near-duplicate(s), {c['shared_lesions']} shared lesion(s) across "
        f"splits, {c['skipped']} unreadable" + ("" if result.clean else f" ({word})")
    )
    for line in result.problems():
        print(f"  {line}")
    if not result.clean and not args.strict:
        print("  (--strict makes these problems: exit code 1)")
    return args.strict and not result.clean
