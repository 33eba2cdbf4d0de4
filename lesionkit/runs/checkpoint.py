"""Checkpoint files: a list of arrays in one ``.npz`` file, read back with a clear error when broken.

Example:
    >>> import pathlib, tempfile, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.npz"
    >>> save_arrays(path, [np.zeros(2), np.ones((1, 3))])
    >>> [a.shape for a in load_arrays(path)]
    [(2,), (1, 3)]
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lesionkit.errors import LesionkitError

#: The folder of the best epoch's weights, and the files of one checkpoint folder.
BEST = "best"
WEIGHTS = "model.npz"
OPTIMIZER = "optimizer.npz"


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


def write_epoch_folder(root: Path, epoch: int, weights: Sequence[Any], slots: Sequence[Any], *, best: bool) -> str:
    """Write ``epoch-NNNN/`` under ``root`` (and link its weights as ``best/``); return the folder's name.

    The folder is complete before it gets its final name (written as ``.epoch-NNNN.part`` and
    renamed), so a kill at any moment leaves either no folder or a whole one. A failed write
    removes its partial folder and raises the ``OSError``.
    """
    final = root / f"epoch-{epoch:04d}"
    tmp = root / f".epoch-{epoch:04d}.part"
    try:
        root.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        save_arrays(tmp / WEIGHTS, weights)
        if slots:
            save_arrays(tmp / OPTIMIZER, slots)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        if best:
            _link_best(root, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final.name


def _link_best(root: Path, folder: Path) -> None:
    best_tmp = root / f".{BEST}.part"
    shutil.rmtree(best_tmp, ignore_errors=True)
    best_tmp.mkdir()
    try:  # a hard link costs nothing; the epoch folder is deleted later, the link stays
        os.link(folder / WEIGHTS, best_tmp / WEIGHTS)
    except OSError:
        shutil.copy2(folder / WEIGHTS, best_tmp / WEIGHTS)
    shutil.rmtree(root / BEST, ignore_errors=True)
    os.replace(best_tmp, root / BEST)


def prune_epoch_folders(root: Path, keep: int) -> None:
    """Delete all but the last ``keep`` ``epoch-NNNN/`` folders (call once state.json points at the newest)."""
    for old in sorted(root.glob("epoch-*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
