"""Warnings that point at the user's line, not at lesionkit's insides.

A ``stacklevel`` fixed at the call site is right for one caller only: the same data warning is
raised from ``Trainer.fit``, from ``lesionkit fit`` and from a user's own ``dataset.split()``,
and a fixed level shows a line of lesionkit's source in two of the three. :func:`warn`
attributes the warning to the first frame outside the ``lesionkit`` package (what Python 3.12's
``skip_file_prefixes`` does), so ``python -W error`` and warning filters by module see the
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

import sys
import warnings
from pathlib import Path

__all__ = ["warn"]

_PACKAGE = str(Path(__file__).resolve().parent)


def _outside_level() -> int:
    """The ``stacklevel`` of the first frame (from :func:`warn`'s caller up) outside lesionkit."""
    level = 2  # 1 is warn() itself, 2 its caller
    frame = sys._getframe(2)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` attributed to the first caller outside lesionkit."""
    warnings.warn(message, category, stacklevel=_outside_level())
