"""``lesionkit augment-preview``: a before/after grid of an augmentation pipeline."""

from __future__ import annotations

import argparse
import json

from lesionkit.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "augment-preview",
        help="render a before/after grid of an augmentation pipeline",
        description=(
            "Augment IMAGE several times with a registered augmenter and write a grid: "
            "the original first, then the augmented versions, one row per backend."
        ),
    )
    p.add_argument("image", metavar="IMAGE", help="a JPEG or PNG image")
    p.add_argument("--pipeline", default="paper_table1", help="registered augmenter (default: paper_table1)")
    p.add_argument("--backend", default="both", choices=("tf", "imgaug", "both"), help="default: both")
    p.add_argument("-n", type=int, default=7, help="augmented versions per row (default: 7)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, default=224, help="image side in pixels (default: 224)")
    p.add_argument("--params", default=None, help="factory parameters as JSON, e.g. '{\"rotate\": [-45, 45]}'")
    p.add_argument("-o", "--output", required=True, help="PNG file to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.augment.preview import load_image, preview_grid, save_preview

    if args.n < 1 or args.size < 8:
        raise CommandError(f"-n must be at least 1 and --size at least 8 (got -n {args.n}, --size {args.size})")
    params = {}
    if args.params:
        try:
            params = json.loads(args.params)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--params is not valid JSON ({exc}): {args.params!r}") from None
        if not isinstance(params, dict):
            raise CommandError(f"--params must be a JSON object, got {args.params!r}")
    backends = ("imgaug", "tf") if args.backend == "both" else (args.backend,)
    image = load_image(args.image, args.size)
    grid = preview_grid(
        image, args.pipeline, backends=backends, n=args.n, seed=args.seed, size=args.size, params=params
    )
    path = save_preview(args.output, grid)
    print(f"wrote {path} ({grid.size[0]}x{grid.size[1]}, {args.pipeline}, {', '.join(backends)})")
    return 0
