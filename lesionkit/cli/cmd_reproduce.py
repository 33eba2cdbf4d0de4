"""``lesionkit reproduce --task melanoma``: the paper's four methods and its results table."""

from __future__ import annotations

import argparse

from lesionkit.cli._options import add_override_options, overrides_from_args


def register(sub: argparse._SubParsersAction) -> None:
    # No lesionkit imports here: `lesionkit --help` must work before the dependencies load.
    p = sub.add_parser("reproduce", help="run the paper's four methods on a task and write its table beside ours")
    p.add_argument("--task", required=True, choices=["melanoma", "seborrheic_keratosis"])
    p.add_argument("--root", default="runs/reproduce", help="one run directory per method is made here")
    p.add_argument(
        "--methods", nargs="+", help="a subset of: resnet50_scratch resnet101_scratch conv5 conv4_conv5 (default: all)"
    )
    add_override_options(p, run_dir=False)  # one run directory per method, under --root
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.cli import CommandError
    from lesionkit.presets.reproduce import METHODS, reproduce

    overrides = overrides_from_args(args)
    if "run_dir" in overrides:  # --set run_dir=...
        raise CommandError("run_dir: reproduce makes one run directory per method under --root; set --root instead")
    methods = tuple(args.methods or METHODS)
    result = reproduce(args.task, root=args.root, methods=methods, **overrides)
    print(result.markdown())
    print(f"\nwritten: {args.root}/paper_table_{args.task}.md")
    return 0
