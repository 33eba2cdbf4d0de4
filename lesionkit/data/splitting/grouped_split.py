"""Lesion-grouped, diagnosis-stratified, seeded splits: images of one lesion never straddle two splits.

Several images often show the same lesion (HAM10000: 10,015 images of 7,470
lesions). Splitting by image would put near-duplicates of a training image into
validation and test, and flatter every metric; so :func:`grouped_split` assigns
whole groups (lesions) to splits.

How a split is drawn, deterministically from ``seed``:

1. each group gets one diagnosis, its most frequent (ties: the lowest code), and
   groups are sorted by id so that the row order of the input does not matter;
2. per diagnosis, the groups are shuffled by a generator seeded from ``seed``,
   then taken largest first (a stable sort, so equal sizes keep the shuffled
   order), and each goes to the split furthest below its target number of images
   of that diagnosis (``fraction × images of that diagnosis``);
3. a split with fraction 0 gets nothing.

So every diagnosis is spread over the splits in the given proportions as far as
the group sizes allow (a diagnosis with two lesions cannot be split 70/15/15).

Example:
    >>> import numpy as np
    >>> diagnosis = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> lesions = ["a", "a", "b", "c", "d", "e", "e", "f"]
    >>> split = grouped_split(diagnosis, lesions, {"train": 0.5, "test": 0.5}, seed=0)
    >>> sorted(shared_groups(lesions, split))
    []
    >>> sorted(set(split))
    ['test', 'train']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from lesionkit.errors import LesionkitError

DEFAULT_FRACTIONS: dict[str, float] = {"train": 0.7, "validation": 0.15, "test": 0.15}
SPLIT_NAMES = ("train", "validation", "test")

Fractions = Mapping[str, float] | Sequence[float]


class SplitFractionsError(LesionkitError, ValueError):
    """Split fractions that are not shares of the splits ``train``/``validation``/``test`` summing to 1."""


def check_fractions(fractions: Fractions | None = None) -> dict[str, float]:
    """``{split: fraction}`` from a mapping or a ``(train, validation, test)`` sequence, checked.

    ``None`` gives :data:`DEFAULT_FRACTIONS`. Fractions must lie in [0, 1], sum to 1,
    and give ``train`` a positive share.

    Raises:
        SplitFractionsError: naming the bad value and what to pass instead.

    Example:
        >>> check_fractions((0.8, 0.2, 0.0))
        {'train': 0.8, 'validation': 0.2, 'test': 0.0}
    """
    if fractions is None:
        return dict(DEFAULT_FRACTIONS)
    if isinstance(fractions, Mapping):
        shares = {str(k): v for k, v in fractions.items()}
    else:
        values = list(fractions)
        if len(values) != len(SPLIT_NAMES):
            raise SplitFractionsError(
                f"fractions={fractions!r}: give three shares (train, validation, test) or a mapping {{split: share}}"
            )
        shares = dict(zip(SPLIT_NAMES, values))
    unknown = [k for k in shares if k not in SPLIT_NAMES]
    if unknown:
        raise SplitFractionsError(f"fractions: unknown split(s) {', '.join(unknown)}; use {', '.join(SPLIT_NAMES)}")
    out: dict[str, float] = {}
    for name in SPLIT_NAMES:
        if name not in shares:
            continue
        try:
            value = float(shares[name])
        except (TypeError, ValueError):
            raise SplitFractionsError(f"fractions[{name!r}]={shares[name]!r} is not a number") from None
        if not 0.0 <= value <= 1.0:
            raise SplitFractionsError(f"fractions[{name!r}]={value} is outside [0, 1]")
        out[name] = value
    if abs(sum(out.values()) - 1.0) > 1e-6:
        raise SplitFractionsError(f"fractions {out} sum to {sum(out.values()):.6g}; they must sum to 1")
    if out.get("train", 0.0) <= 0.0:
        raise SplitFractionsError(f"fractions {out}: train needs a share above 0")
    return out


def _group_diagnosis(codes: list[int]) -> int:
    counts = Counter(codes)
    top = max(counts.values())
    return min(code for code, n in counts.items() if n == top)


def grouped_split(
    diagnosis: np.ndarray | Sequence[int],
    groups: Sequence[str],
    fractions: Fractions | None = None,
    seed: int = 0,
) -> tuple[str, ...]:
    """The split name of each row, whole groups at a time (see module docs).

    Args:
        diagnosis: one diagnosis code per row.
        groups: one group id (lesion id) per row; rows sharing an id go to the same split.
        fractions: ``{split: share}`` or ``(train, validation, test)``; default 0.7/0.15/0.15.
        seed: the draw's seed; the same inputs and seed give the same split.

    Raises:
        SplitFractionsError: bad fractions. ValueError: ``diagnosis`` and ``groups`` differ in length.
    """
    shares = check_fractions(fractions)
    codes = np.asarray(diagnosis, dtype=np.int64)
    if len(codes) != len(groups):
        raise ValueError(f"{len(codes)} diagnoses but {len(groups)} group ids")
    members: dict[str, list[int]] = {}
    for row, group in enumerate(groups):
        members.setdefault(str(group), []).append(row)
    by_diagnosis: dict[int, list[str]] = {}
    for group in sorted(members):
        by_diagnosis.setdefault(_group_diagnosis([int(codes[r]) for r in members[group]]), []).append(group)
    targets = [name for name in SPLIT_NAMES if shares.get(name, 0.0) > 0.0]
    rng = np.random.default_rng(seed)
    out = [""] * len(codes)
    for code in sorted(by_diagnosis):
        names = by_diagnosis[code]
        order = [names[i] for i in rng.permutation(len(names))]
        order.sort(key=lambda g: -len(members[g]))  # stable: equal sizes keep the shuffled order
        total = sum(len(members[g]) for g in order)
        assigned = dict.fromkeys(targets, 0)
        for group in order:
            # The split furthest below its target share of this diagnosis; ties go to the earlier split.
            best = max(targets, key=lambda s: shares[s] * total - assigned[s])
            assigned[best] += len(members[group])
            for row in members[group]:
                out[row] = best
    return tuple(out)


def shared_groups(groups: Sequence[str | None], split: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Groups whose rows lie in more than one split: ``{group: splits}`` (``None`` groups ignored).

    Example:
        >>> shared_groups(["a", "a", "b"], ["train", "test", "test"])
        {'a': ('test', 'train')}
    """
    seen: dict[str, set[str]] = {}
    for group, name in zip(groups, split):
        if group is not None:
            seen.setdefault(str(group), set()).add(name)
    return {g: tuple(sorted(s)) for g, s in sorted(seen.items()) if len(s) > 1}
