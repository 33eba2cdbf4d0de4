"""Wording shared by every message that names something the user may have mistyped.

Example:
    >>> did_you_mean("resnet05", ["resnet50", "resnet101", "vgg16"])
    " Did you mean 'resnet50' or 'resnet101'?"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Close matches of ``word`` among ``choices`` (case-insensitive), best first.

    Example:
        >>> suggest("Focal", ["focal", "crossentropy"])
        ['focal']
    """
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" Did you mean 'x'?"`` for close matches of ``word``, or an empty string.

    Example:
        >>> did_you_mean("zzz", ["focal"])
        ''
    """
    hits = suggest(word, choices)
    if not hits:
        return ""
    return " Did you mean " + " or ".join(repr(h) for h in hits) + "?"


def one_of(what: str, value: object, choices: Iterable[str]) -> str:
    """``"<what> = 'x' is not valid. Did you mean ...? Choose one of: a, b"``.

    Example:
        >>> one_of("balance", "papr", ["none", "paper"])
        "balance = 'papr' is not valid. Did you mean 'paper'? Choose one of: none, paper"
    """
    options = list(choices)
    return f"{what} = {value!r} is not valid.{did_you_mean(str(value), options)} Choose one of: {', '.join(options)}"
