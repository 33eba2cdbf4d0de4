"""``lesionkit download isic2017 --to DIR``: checksummed, resumable download of a dataset."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "download",
        help="download a dataset (checksummed, resumable)",
        description=(
            "Download ISIC 2017 Part 3 (three image zips, three ground-truth CSVs, about 13 GB), "
            "verify each MD5, extract the JPEGs and metadata safely. Re-run to resume; a complete "
            "folder is left as it is."
        ),
    )
    parser.add_argument("dataset", choices=["isic2017"], help="the dataset to download")
    parser.add_argument("--to", required=True, metavar="DIR", help="target folder (then use it as --data-dir)")
    parser.add_argument(
        "--base-url", metavar="URL", help="mirror to download from (default $LESIONKIT_ISIC_URL or the ISIC bucket)"
    )
    parser.add_argument("--keep-archives", action="store_true", help="keep the zips after extracting them")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.data.download import download_isic2017

    root = download_isic2017(
        args.to, base_url=args.base_url, keep_archives=args.keep_archives, progress=not args.no_progress
    )
    print(f"ISIC 2017 ready in {root}; check it with `lesionkit validate {root}`")
    return 0
