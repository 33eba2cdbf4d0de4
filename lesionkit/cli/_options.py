"""Options shared by commands that build a Trainer (``fit``, ``demo``...)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from lesionkit.cli import CommandError


def add_override_options(parser: argparse.ArgumentParser) -> None:
    """The common ExperimentConfig overrides as flags, plus ``--set KEY=VALUE``."""
    parser.add_argument("--dataset", help="dataset registry name, e.g. isic2017, synthetic, folder")
    parser.add_argument("--data-dir", help="dataset root directory")
    parser.add_argument("--cache-dir", help="where resized images are cached")
    parser.add_argument("--image-size", type=int, help="square input size in pixels (>= 32)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument(
        "--weights",
        help="'imagenet', 'none' (from scratch), a weights file, or a run directory / .keras file to take the backbone from",
    )
    parser.add_argument("--run-dir", help="directory for checkpoints, logs and reports")
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other config field; VALUE is JSON where it parses (e.g. --set learning_rate=0.001)",
    )


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The config overrides named on the command line."""
    out: dict[str, Any] = {}
    for key in ("dataset", "data_dir", "cache_dir", "image_size", "epochs", "batch_size", "run_dir", "seed"):
        value = getattr(args, key, None)
        if value is not None:
            out[key] = value
    if getattr(args, "weights", None) is not None:
        out["weights"] = None if args.weights.lower() == "none" else args.weights
    for item in getattr(args, "set", []) or []:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--set {item!r}: write KEY=VALUE, e.g. --set learning_rate=0.001")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out
