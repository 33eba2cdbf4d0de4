"""The ``lesionkit`` command.

Each subcommand lives in its own module ``lesionkit/cli/cmd_<name>.py`` that
defines ``register(subparsers)``; adding a command means adding a module.
A command's handler returns an exit code. Errors that lesionkit raises for bad
input are printed as one clear line (no traceback) with exit code 2; set
``LESIONKIT_DEBUG=1`` to see the traceback.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import pkgutil
import sys
import warnings
from collections.abc import Iterable, Sequence

from lesionkit import __version__
from lesionkit.errors import LesionkitError

#: What each command that runs TensorFlow does with it: its runtime settings (oneDNN,
#: threads, XLA; :mod:`lesionkit.runtime.settings`) are put in force before TensorFlow is imported.
RUNTIME_PURPOSE = {
    "fit": "train",
    "demo": "train",
    "reproduce": "train",
    "evaluate": "infer",
    "predict": "infer",
    "export": "infer",
    "augment-preview": "infer",
}


#: Set (to anything) to see TensorFlow's start-up log, as ``--verbose`` does.
TF_LOG_VAR = "LESIONKIT_TF_LOG"


class CommandError(LesionkitError):
    """An error a command reports to the user as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lesionkit",
        description="Train, evaluate and score skin-lesion classifiers (ISIC 2017 and your own data).",
    )
    parser.add_argument("--version", action="version", version=f"lesionkit {__version__}")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help=f"show TensorFlow's start-up log on stderr (hidden by default; or set {TF_LOG_VAR}=1)",
    )
    _add_import_option(parser, dest="imports_first")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = importlib.import_module(__name__)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{info.name}").register(sub)
    for command in sub.choices.values():  # after the command too: `lesionkit fit my_preset --import mine`
        _add_import_option(command, dest="imports")
    return parser


def _add_import_option(parser: argparse.ArgumentParser, *, dest: str) -> None:
    parser.add_argument(
        "--import",
        dest=dest,
        action="append",
        default=[],
        metavar="MODULE",
        help="import this module (or .py file) first, so the components it registers can be named "
        "(repeatable; also $LESIONKIT_IMPORT, comma-separated)",
    )


def _unknown_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str | None:
    """The error for a first word that is not a command (``lesionkit trian``), with suggestions; None if it is one."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    words = iter(argv)
    for word in words:
        if word == "--import":
            next(words, None)  # its value
        elif word.startswith("--import="):
            continue
        elif not word.startswith("-"):
            if word in sub.choices:
                return None
            return (
                f"lesionkit: error: no command {word!r}.{_command_hint(word, sub.choices)} "
                f"`lesionkit --help` lists them: {', '.join(sorted(sub.choices))}"
            )
    return None


#: Words a newcomer types for a command that has another name here.
COMMAND_SYNONYMS = {
    "train": "fit",
    "eval": "evaluate",
    "test": "evaluate",
    "infer": "predict",
    "inference": "predict",
    "list": "presets",
    "recipes": "presets",
    "submit": "predict",
    "check": "validate",
    "card": "export",
}


def _command_hint(word: str, commands: Iterable[str]) -> str:
    """``" Did you mean 'fit'?"`` for a misspelt command or a synonym of one (``trian`` → ``fit``)."""
    from lesionkit.registry.messages import suggest

    known = list(commands)
    hits = [COMMAND_SYNONYMS.get(hit, hit) for hit in suggest(word, [*known, *COMMAND_SYNONYMS])]
    hits = [h for h in dict.fromkeys(hits) if h in known]
    return " Did you mean " + " or ".join(repr(h) for h in hits) + "?" if hits else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lesionkit`` console script."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    unknown = _unknown_command(parser, argv)
    if unknown:
        print(unknown, file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    if not (args.verbose or os.environ.get(TF_LOG_VAR)):
        from lesionkit.cli import _quiet_tensorflow

        _quiet_tensorflow.install()  # TensorFlow's C++ banner ignores TF_CPP_MIN_LOG_LEVEL
    with warnings.catch_warnings():
        # A warning on the command line names the command, not a Python file and line.
        warnings.showwarning = functools.partial(_show_warning, args.command)
        return _run(args)


def _show_warning(
    command: str, message: Warning | str, category: type[Warning], *args: object, **kwargs: object
) -> None:
    print(f"lesionkit {command}: {category.__name__}: {message}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    try:
        from lesionkit.cli._user_modules import import_user_module, modules_to_import

        for module in modules_to_import([*args.imports_first, *getattr(args, "imports", [])]):
            import_user_module(module)
        if args.command in RUNTIME_PURPOSE:
            from lesionkit.runtime.settings import configure_runtime

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
