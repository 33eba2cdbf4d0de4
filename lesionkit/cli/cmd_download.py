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
        "dataset", nargs="?", choices=["isic2017", "ham10000", "isic2018", "isic2019"], help="the dataset to download"
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
    from lesionkit.data.download import ISIC2017_FILES, download_isic2017, resolve_base_url
    from lesionkit.data.releases import RELEASES, download_release

    if args.list:
        print(f"isic2017: ISIC 2017 Part 3 (about 13 GB) from {resolve_base_url()}")
        print("\n".join(f"  {name}  MD5 {md5}" for name, md5 in ISIC2017_FILES.items()))
        for release in RELEASES.values():
            print(release.describe())
        return 0
    if not args.dataset or not args.to:
        print("lesionkit download: give a dataset and --to DIR (or --list)", file=sys.stderr)
        return 2
    if args.dataset == "isic2017":
        root = download_isic2017(
            args.to, base_url=args.base_url, keep_archives=args.keep_archives, progress=not args.no_progress
        )
    else:
        root = download_release(
            args.dataset,
            args.to,
            base_url=args.base_url,
            keep_archives=args.keep_archives,
            progress=not args.no_progress,
        )
    title = {"isic2017": "ISIC 2017", "ham10000": "HAM10000", "isic2018": "ISIC 2018 Task 3", "isic2019": "ISIC 2019"}
    print(f"{title[args.dataset]} ready in {root}; check it with `lesionkit validate {root}`")
    return 0
