"""Checkpoint files: a list of arrays in one ``.npz`` file, read back with a clear error when broken.

Example:
    >>> import pathlib, tempfile, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.npz"
    >>> save_arrays(path, [np.zeros(2), np.ones((1, 3))])
    >>> [a.shape for a in load_arrays(path)]
    [(2,), (1, 3)]
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lesionkit.errors import LesionkitError


class CheckpointError(LesionkitError):
    """A checkpoint file that cannot be read (truncated, corrupted or not a checkpoint); names the file."""


def save_arrays(path: Path, arrays: Sequence[Any]) -> None:
    """Write ``arrays`` to ``path`` (``arr_0``, ``arr_1``...); callers write into a temporary folder."""
    import numpy as np

    np.savez(path, *arrays)


def load_arrays(path: Path) -> list[Any]:
    """The arrays saved by :func:`save_arrays`, in order.

    Raises:
        CheckpointError: the file is missing, truncated or not a checkpoint.
    """
    import numpy as np

    try:
        with np.load(path) as saved:
            return [saved[f"arr_{i}"] for i in range(len(saved.files))]
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise CheckpointError(
            f"checkpoint file {path} cannot be read ({type(exc).__name__}: {exc}); it is truncated or "
            f"corrupted (a disk that filled up, an interrupted copy?). Use another checkpoint "
            f"(weights='last' or 'best') or train the run again"
        ) from None
