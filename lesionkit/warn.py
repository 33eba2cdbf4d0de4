"""Warnings that point at the user's line, not at lesionkit's insides.

A ``stacklevel`` fixed at the call site is right for one caller only: the same data warning is
raised from ``Trainer.fit``, from ``lesionkit fit`` and from a user's own ``dataset.split()``,
and a fixed level shows a line of lesionkit's source in two of the three. :func:`warn`
attributes the warning to the first frame outside the ``lesionkit`` package and the standard
library (what Python 3.12's ``skip_file_prefixes`` does), so ``python -W error`` and warning filters by module see the
caller's code.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("metadata not used", UserWarning)
    >>> caught[0].filename.endswith("warn.py")
    False
"""

from __future__ import annotations

import os
import sys
import sysconfig
import warnings
from pathlib import Path

__all__ = ["warn"]

_PACKAGE = str(Path(__file__).resolve().parent) + os.sep
_STDLIB = str(Path(sysconfig.get_paths()["stdlib"]).resolve()) + os.sep
_INSTALLED = tuple(str(Path(sysconfig.get_paths()[key]).resolve()) + os.sep for key in ("purelib", "platlib"))


def _passed_over(filename: str) -> bool:
    """lesionkit's own frames, and the standard library's between them (``functools.cached_property``...)."""
    if filename.startswith("<frozen "):
        return True
    path = str(Path(filename).resolve())
    if path.startswith(_PACKAGE):
        return True
    return path.startswith(_STDLIB) and not path.startswith(_INSTALLED)


def _outside_level() -> int:
    """The ``stacklevel`` of the first frame (from :func:`warn`'s caller up) outside lesionkit."""
    level = 2  # 1 is warn() itself, 2 its caller
    frame = sys._getframe(2)
    while frame is not None and _passed_over(frame.f_code.co_filename):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` attributed to the first caller outside lesionkit.

    Frames of the standard library on the way (a ``functools.cached_property`` that lesionkit
    uses, say) are passed over too; installed packages' frames are not.
    """
    warnings.warn(message, category, stacklevel=_outside_level())
