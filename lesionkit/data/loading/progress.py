"""A progress bar that is tqdm when installed and a quiet counter otherwise."""

from __future__ import annotations

import sys
from typing import Any


class _Quiet:
    def __init__(self, **_: Any) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(
    total: int | None, desc: str, *, enabled: bool = True, unit: str = "img", unit_scale: bool = False
) -> Any:
    """A context-managed bar with ``update(n)``; silent when disabled or tqdm is missing."""
    if not enabled:
        return _Quiet()
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is optional
        return _Quiet()
    return tqdm(
        total=total, desc=desc, unit=unit, unit_scale=unit_scale, file=sys.stderr, leave=False, dynamic_ncols=True
    )
