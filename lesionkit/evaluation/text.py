"""How evaluation prints: one text-table formatter, one Markdown table, one number and one interval format.

Every table of a report, a run listing, a submission score or a subgroup breakdown goes through
:func:`text_table` or :func:`markdown_table`; every interval is written ``estimate (low-high)``
by :func:`with_interval`.

Example:
    >>> print(text_table(["model", "AUC"], [["ours", number(0.81234)], ["paper", number(0.8)]]))
    model     AUC
    -----  ------
    ours   0.8123
    paper  0.8000
    >>> with_interval(0.8123, (0.75, 0.87))
    '0.8123 (0.7500-0.8700)'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["interval", "markdown_table", "number", "text_table", "with_interval"]


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | None, digits: int = 4, *, missing: str = "n/a") -> str:
    """``value`` with ``digits`` decimals; ``missing`` for None or NaN."""
    return missing if _missing(value) else f"{value:.{digits}f}"


def interval(low: float, high: float, digits: int = 4) -> str:
    """``low-high`` with ``digits`` decimals (signs kept: ``-0.0100-0.0300``)."""
    return f"{low:.{digits}f}-{high:.{digits}f}"


def with_interval(
    value: float | None, bounds: Sequence[float | None] | None, digits: int = 4, *, missing: str = "n/a"
) -> str:
    """``estimate (low-high)``; the estimate alone when there are no finite bounds; ``missing`` without a value."""
    if _missing(value):
        return missing
    text = number(value, digits)
    if bounds is None or len(bounds) != 2 or any(_missing(b) for b in bounds):
        return text
    low, high = bounds
    assert low is not None and high is not None  # checked by _missing above
    return f"{text} ({interval(low, high, digits)})"


def text_table(head: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1, rule: bool = True) -> str:
    """An aligned plain-text table: the first ``left`` columns flush left, the others (numbers) flush right.

    ``rule`` puts a line of dashes under the heading. Trailing spaces are trimmed.
    """
    table = [list(head), *(list(r) for r in rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    lines = [
        "  ".join(cell.ljust(w) if i < left else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths))).rstrip()
        for r in table
    ]
    if rule:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (GitHub flavour)."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
