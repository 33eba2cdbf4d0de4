"""Make imgaug 0.4.0 importable and runnable on numpy 2.

imgaug 0.4.0 (its last release) uses numpy names that numpy 2 removed. This
module puts back exactly those that are missing, and only when missing, before
imgaug is imported. Import imgaug through :func:`import_imgaug` everywhere in
lesionkit so that the patch always comes first.

What is patched, and why (found by running every imgaug augmenter lesionkit
registers, on numpy 2.x):

- ``np.sctypes`` (removed in numpy 2.0): ``imgaug/imgaug.py`` builds
  ``NP_FLOAT_TYPES``/``NP_INT_TYPES``/``NP_UINT_TYPES`` from it at import time,
  so ``import imgaug`` fails without it. Restored with numpy 1.x's contents.
- ``np.complex`` (removed in numpy 1.24): used by ``imgaug.parameters.Power``
  and the frequency-noise parameter. Restored as the builtin ``complex``, which
  is what the alias always was.
- ``np.bool`` is *not* patched: numpy 2 has it again (as ``np.bool_``).

Nothing else in numpy is touched. The patch is idempotent.

Example:
    >>> from lesionkit.augment._imgaug_compat import import_imgaug
    >>> ia, iaa = import_imgaug()
    >>> iaa.Fliplr(1.0)(image=__import__("numpy").zeros((2, 2, 3), "uint8")).shape
    (2, 2, 3)
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

_PATCHED: list[str] = []


def _has(name: str) -> bool:
    # numpy 2 raises AttributeError from a module __getattr__ for removed names.
    try:
        getattr(np, name)
    except AttributeError:
        return False
    return True


def patch_numpy() -> list[str]:
    """Add the numpy names imgaug 0.4.0 needs and numpy lacks; return the names added."""
    if not _has("sctypes"):
        np.sctypes = {  # type: ignore[attr-defined]
            "int": [np.int8, np.int16, np.int32, np.int64],
            "uint": [np.uint8, np.uint16, np.uint32, np.uint64],
            "float": [np.float16, np.float32, np.float64, np.longdouble],
            "complex": [np.complex64, np.complex128, np.clongdouble],
            "others": [bool, object, bytes, str, np.void],
        }
        _PATCHED.append("sctypes")
    if not _has("complex"):
        np.complex = complex  # type: ignore[attr-defined]
        _PATCHED.append("complex")
    if not _has("bool"):  # numpy 1.24–1.26 only
        np.bool = bool  # type: ignore[misc, assignment]
        _PATCHED.append("bool")
    return list(_PATCHED)


def import_imgaug() -> tuple[ModuleType, Any]:
    """``(imgaug, imgaug.augmenters)``, imported after :func:`patch_numpy`.

    Raises:
        ImportError: imgaug is not installed (``pip install imgaug``).
    """
    patch_numpy()
    try:
        import imgaug
        import imgaug.augmenters as iaa
    except ImportError as exc:  # pragma: no cover - imgaug is a dependency
        raise ImportError("the imgaug backend needs the 'imgaug' package: pip install imgaug") from exc
    return imgaug, iaa
