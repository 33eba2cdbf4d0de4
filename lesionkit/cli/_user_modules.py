"""``--import MODULE`` and ``$LESIONKIT_IMPORT``: a user's modules imported before a command reads its config.

Components registered with a decorator (``@lesionkit.losses.register("my_loss")``) exist
once their module is imported; a Python script imports it itself, the command line needs
to be told. ``MODULE`` is a dotted module name (looked up from the current directory first,
as ``python -m`` does) or the path of a ``.py`` file. ``$LESIONKIT_IMPORT`` holds more,
comma-separated, imported first.

Example:
    >>> modules_to_import(["my_components"], environ={"LESIONKIT_IMPORT": "team.losses, team.heads"})
    ['team.losses', 'team.heads', 'my_components']
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

from lesionkit.errors import LesionkitError

#: The environment variable of modules to import (comma-separated) before every command.
IMPORT_VAR = "LESIONKIT_IMPORT"


class UserModuleError(LesionkitError, ImportError):
    """A module named by ``--import`` or ``$LESIONKIT_IMPORT`` that cannot be imported."""


def modules_to_import(given: Sequence[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """``$LESIONKIT_IMPORT``'s modules, then ``given``, without blanks or repeats, in order."""
    env = os.environ if environ is None else environ
    names = [n.strip() for n in env.get(IMPORT_VAR, "").split(",")] + [n.strip() for n in given]
    return list(dict.fromkeys(n for n in names if n))


def import_user_module(name: str) -> ModuleType:
    """Import ``name`` (a dotted module name, or a ``.py`` file) so its registrations take effect.

    Raises:
        UserModuleError: naming the module, what went wrong (the last line of its error) and what to do.
    """
    try:
        if name.endswith(".py"):
            return _import_file(Path(name))
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # a module beside you, as `python -m` finds it
        return importlib.import_module(name)
    except UserModuleError:
        raise
    except Exception as exc:  # its own code may raise anything; say which module, not a traceback
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" ({where.filename}, line {where.lineno})" if where and not isinstance(exc, ModuleNotFoundError) else ""
        raise UserModuleError(
            f"--import {name}: cannot import it: {type(exc).__name__}: {exc}{at}. Give a module importable from "
            f"the current directory or PYTHONPATH (e.g. my_components), or the path of a .py file; "
            f"LESIONKIT_DEBUG=1 shows the traceback"
        ) from exc


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise UserModuleError(f"--import {path}: no such file; give the path of a .py file or a module name")
    module_name = f"lesionkit_user_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise UserModuleError(f"--import {path}: not a Python file Python can load")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
