"""A bare Agg figure and an atomic PNG write, shared by the evaluation plots."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lesionkit.io import atomic_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(width: float = 6.0, height: float = 5.0) -> Figure:
    """A ``Figure`` on its own Agg canvas (no pyplot state, no display, a notebook's backend left alone)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` as PNG atomically; return the path."""
    path = Path(path)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path
