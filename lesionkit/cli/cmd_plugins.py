"""``lesionkit plugins``: every registered component, where it came from, and broken plugins."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plugins", help="list every registered component and its origin")
    p.add_argument("registry", nargs="?", help="only this registry, e.g. backbones or tasks")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.cli import CommandError
    from lesionkit.registries import ALL
    from lesionkit.registry import did_you_mean

    kinds = list(ALL)
    if args.registry:
        kind = args.registry
        if kind not in ALL:
            raise CommandError(
                f"no registry {args.registry!r}.{did_you_mean(args.registry, kinds)} Registries: {', '.join(kinds)}"
            )
        kinds = [kind]
    broken = 0
    for kind in kinds:
        entries = ALL[kind].entries(load=True)
        print(f"{kind} ({len(entries)})")
        width = max((len(e.name) for e in entries), default=0)
        for entry in entries:
            if entry.broken:
                broken += 1
                print(f"  {entry.name.ljust(width)}  {entry.origin}  BROKEN: {entry.error}")
            else:
                print(f"  {entry.name.ljust(width)}  {entry.origin}")
    if broken:
        # Exit 1: a script or CI job that checks its plugins load must see the failure.
        print(f"\n{broken} broken plugin(s): they are skipped; fix or uninstall them.")
        return 1
    return 0
