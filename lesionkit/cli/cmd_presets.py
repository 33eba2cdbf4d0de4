"""``lesionkit presets``: what ships, one line each."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("presets", help="list the ready-made experiments")
    p.add_argument(
        "pattern",
        nargs="?",
        default="*",
        help="part of a name (e.g. melanoma, 3class) or a shell-style pattern (e.g. 'melanoma_*')",
    )
    p.add_argument("--describe", metavar="NAME", help="show one preset's full documentation")
    p.add_argument("--brief", action="store_true", help="one line per preset: name and summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit import presets

    if args.describe:
        print(presets.describe(args.describe))
        return 0
    pattern = args.pattern if any(c in args.pattern for c in "*?[") else f"*{args.pattern}*"
    names = presets.names(pattern)
    if not names:
        from lesionkit.cli import CommandError
        from lesionkit.registry import did_you_mean

        raise CommandError(
            f"no preset matches {args.pattern!r}.{did_you_mean(args.pattern, presets.names())} "
            f"`lesionkit presets` lists them all"
        )
    current = [n for n in names if n not in presets.RENAMED]
    width = max((len(n) for n in current), default=0)
    for name in current:
        print(f"{name.ljust(width)}  {presets.summary(name)}")
        card = presets.card(name)
        if card is not None and not args.brief:
            print(f"{''.ljust(width)}  {card.short_line()}")
    old = [n for n in names if n in presets.RENAMED]
    if old:
        renamed = ", ".join(f"{n} -> {presets.RENAMED[n][0]}" for n in old)
        print(f"\nold names (still work, with a warning): {renamed}")
    if not args.brief:
        print(
            "\nWhich one? docs/choosing-a-recipe.md; `lesionkit presets --describe NAME` gives the command "
            "and machine behind a figure."
        )
    return 0
