"""The small JSON records of a run directory: written atomically, read back with checks that name the file.

:class:`~lesionkit.runs.RunDir` decides which file holds what; these helpers only read, write and
check one record (a JSON object), so every record of a run fails the same way: naming the file,
the key and the value, and how to remake it.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "calibration.json"
    >>> write_json(path, {"temperature": 1.5})
    >>> positive_number(read_record(path, "`lesionkit calibrate RUN`"), "temperature", path)
    1.5
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lesionkit.errors import LesionkitError
from lesionkit.io import atomic_write_text

__all__ = ["RunDirError", "finite_number", "positive_number", "present", "read_record", "write_json"]


class RunDirError(LesionkitError):
    """A run directory that cannot be used as asked (exists already, nothing to resume, no checkpoint)."""


def write_json(path: Path, data: Any) -> None:
    """``data`` as indented JSON at ``path``, atomically."""
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")


def present(record: Mapping[str, Any], key: str, path: Path) -> None:
    """Raise :class:`RunDirError` when ``record`` (read from ``path``) lacks ``key``."""
    if key not in record:
        raise RunDirError(f"{path}: the record lacks {key!r} (it has {sorted(record)})")


def finite_number(record: Mapping[str, Any], key: str, path: Path) -> float:
    """``record[key]`` as a float; :class:`RunDirError` when missing or not a finite number."""
    present(record, key, path)
    value = record[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RunDirError(f"{path}: {key} must be a finite number; got {value!r}")
    return float(value)


def positive_number(record: Mapping[str, Any], key: str, path: Path) -> float:
    """``record[key]`` as a float > 0; :class:`RunDirError` otherwise."""
    value = finite_number(record, key, path)
    if value <= 0:
        raise RunDirError(f"{path}: {key} must be > 0; got {value!r}")
    return value


def read_record(path: Path, remake: str) -> dict[str, Any] | None:
    """The JSON object at ``path``, or None when there is no file.

    Raises:
        RunDirError: the file is unreadable or not an object; says to delete it and run ``remake``.
    """
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunDirError(f"{path} is unreadable ({exc}); delete it and run {remake} again") from None
    if not isinstance(data, dict):
        raise RunDirError(f"{path} holds {type(data).__name__}, not an object; delete it and run {remake} again")
    return data
