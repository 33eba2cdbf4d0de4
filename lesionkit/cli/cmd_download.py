"""``lesionkit download NAME --to DIR``: resumable download of a dataset, checked where the publisher allows.

``lesionkit download --list`` shows each dataset's files and what checks them.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "download",
        help="download a dataset (checksummed, resumable)",
        description=(
            "Download ISIC 2017 Part 3 (three image zips, three ground-truth CSVs, about 13 GB; each MD5 "
            "verified), HAM10000 (Harvard Dataverse; image archives verified against the MD5 it publishes), "
            "ISIC 2018 Task 3 or ISIC 2019 (no checksums published: the SHA-256 of each file is recorded "
            "next to it as NAME.sha256), and extract the JPEGs and CSVs safely. Re-run to resume; a "
            "complete folder is left as it is. --list shows the files."
        ),
    )
    parser.add_argument(
        "dataset", nargs="?", metavar="NAME", help="the dataset to download: isic2017, ham10000, isic2018 or isic2019"
    )
    parser.add_argument("--to", metavar="DIR", help="target folder (then use it as --data-dir)")
    parser.add_argument("--list", action="store_true", help="list each dataset's files and checksums; download nothing")
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="mirror to download from (isic2017: default $LESIONKIT_ISIC_URL or the ISIC bucket; ham10000: a Dataverse server)",
    )
    parser.add_argument("--keep-archives", action="store_true", help="keep the zips after extracting them")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from lesionkit.data.sources.base import get_source, sources

    downloadable = [s for s in sources() if s.describe_release() is not None]
    if args.list:
        for source in downloadable:
            print(source.describe_release())
        return 0
    if not args.dataset or not args.to:
        print("lesionkit download: give a dataset and --to DIR (or --list)", file=sys.stderr)
        return 2
    if args.dataset not in {s.name for s in downloadable}:
        names = ", ".join(s.name for s in downloadable)
        print(f"lesionkit download: no release of {args.dataset!r} to download; choose one of {names}", file=sys.stderr)
        return 2
    source = get_source(args.dataset)
    root = source.download(
        Path(args.to).expanduser(),
        base_url=args.base_url,
        keep_archives=args.keep_archives,
        progress=not args.no_progress,
    )
    print(f"{source.title} ready in {root}; check it with `lesionkit validate {root}`")
    return 0
