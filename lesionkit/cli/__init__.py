"""The ``lesionkit`` command.

Each subcommand lives in its own module ``lesionkit/cli/cmd_<name>.py`` that
defines ``register(subparsers)``; adding a command means adding a module.
A command's handler returns an exit code. Errors that lesionkit raises for bad
input are printed as one clear line (no traceback) with exit code 2; set
``LESIONKIT_DEBUG=1`` to see the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from lesionkit import __version__
from lesionkit.errors import LesionkitError

#: What each command that runs TensorFlow does with it: its runtime settings (oneDNN,
#: threads, XLA; :mod:`lesionkit.runtime_env`) are put in force before TensorFlow is imported.
RUNTIME_PURPOSE = {
    "fit": "train",
    "demo": "train",
    "reproduce": "train",
    "evaluate": "infer",
    "predict": "infer",
    "export": "infer",
    "augment-preview": "infer",
}


class CommandError(LesionkitError):
    """An error a command reports to the user as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lesionkit",
        description="Train, evaluate and score skin-lesion classifiers (ISIC 2017 and your own data).",
    )
    parser.add_argument("--version", action="version", version=f"lesionkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = importlib.import_module(__name__)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{info.name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lesionkit`` console script."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        if args.command in RUNTIME_PURPOSE:
            from lesionkit.runtime_env import configure_runtime

            configure_runtime(RUNTIME_PURPOSE[args.command])
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `lesionkit plugins | head`: the reader left, not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("LESIONKIT_DEBUG") or not _is_user_error(exc):
            raise
        print(f"lesionkit {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _is_user_error(exc: BaseException) -> bool:
    # Every error lesionkit raises for bad input is a LesionkitError (registry and config
    # errors included); a file the user named that does not exist is one too.
    return isinstance(exc, (LesionkitError, FileNotFoundError))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
