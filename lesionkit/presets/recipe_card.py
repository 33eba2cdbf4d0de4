"""What a preset needs before it can run, and what it reached when it was measured.

A :class:`RecipeCard` sits beside each built-in preset's config (``Preset.card``): the data,
weights and hardware it needs, and either the figure it reached on real data with the
command, date and machine that produced it, or nothing (``measured=None``: not measured).
``lesionkit presets`` prints it and ``docs/choosing-a-recipe.md`` is built from the same
records, so the figures cannot drift apart. Every figure here comes from
``docs/reproducing.md`` or ``benchmarks/README.md``, where the full tables are.

Example:
    >>> card = RecipeCard(needs=("isic2017",))
    >>> card.needs_line()
    'ISIC 2017 data (lesionkit download isic2017)'
    >>> card.measured_line()
    'not measured'
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

#: Each need a card may list, and how it is said to the user.
NEEDS: dict[str, str] = {
    "isic2017": "ISIC 2017 data (lesionkit download isic2017)",
    "ham10000": "HAM10000 images (--extra-data-dir or --data-dir)",
    "imagenet": "ImageNet weights (a ~100 MB download: internet once, or the file in ~/.keras/models)",
    "gpu": "a GPU to be practical (224-px ResNet-50/101: about 2 images/s on two CPU cores)",
    "dermo_run": "weights= a finished ham10000_dx7 run",
    "joint_run": "weights= a finished isic2017_3class_joint run",
    "own_images": "your images in class folders (or a label CSV)",
}

#: The same needs in a word or two, for one-line listings.
NEEDS_SHORT: dict[str, str] = {
    "isic2017": "ISIC 2017",
    "ham10000": "HAM10000",
    "imagenet": "ImageNet weights (download)",
    "gpu": "a GPU",
    "dermo_run": "a ham10000_dx7 run",
    "joint_run": "an isic2017_3class_joint run",
    "own_images": "your images",
}


def _as_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _known_needs(inst: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    unknown = [need for need in value if need not in NEEDS]
    if unknown:
        raise ValueError(f"{attribute.name}: unknown need(s) {unknown}; use some of {', '.join(NEEDS)}")
    assert set(NEEDS) == set(NEEDS_SHORT)


@attrs.frozen
class Measured:
    """One figure a preset reached on real data, and how to get it again.

    Attributes:
        figure: what was measured, on which split (e.g. ``"validation melanoma / SK AUC 0.811 / 0.904"``).
        minutes: wall-clock minutes of the command, or a range such as ``"25–31"`` over seeds
            (``None`` where it was not recorded).
        command: the command that produced it.
        machine: when and where (date, CPU/GPU, idle or shared).
        source: the page with the full table (a path and anchor in this repository).
    """

    figure: str
    minutes: float | str | None
    command: str
    machine: str
    source: str

    @property
    def minutes_text(self) -> str:
        """The minutes as printed: ``42.5``, ``25–31``, or ``""`` when not recorded."""
        if self.minutes is None:
            return ""
        return self.minutes if isinstance(self.minutes, str) else f"{self.minutes:g}"


@attrs.frozen
class RecipeCard:
    """What a preset needs (keys of :data:`NEEDS`) and its measured figure (``None``: not measured)."""

    needs: tuple[str, ...] = attrs.field(converter=_as_tuple, validator=_known_needs)
    measured: Measured | None = None

    @property
    def needs_gpu(self) -> bool:
        return "gpu" in self.needs

    @property
    def needs_internet(self) -> bool:
        """ImageNet weights are a download (data downloads happen once, before, with ``lesionkit download``)."""
        return "imagenet" in self.needs

    def needs_line(self) -> str:
        """The needs as one phrase."""
        return "; ".join(NEEDS[need] for need in self.needs)

    def short_line(self) -> str:
        """Needs and figure in one line, for ``lesionkit presets``.

        Example:
            >>> RecipeCard(needs=("isic2017", "gpu")).short_line()
            'needs ISIC 2017, a GPU | not measured'
        """
        m = self.measured
        figure = (
            "not measured" if m is None else m.figure + (f", {m.minutes_text} min" if m.minutes is not None else "")
        )
        return f"needs {', '.join(NEEDS_SHORT[need] for need in self.needs)} | {figure}"

    def measured_line(self) -> str:
        """The figure, its minutes and the machine; or ``"not measured"``."""
        m = self.measured
        if m is None:
            return "not measured"
        minutes = f", {m.minutes_text} min" if m.minutes is not None else ""
        return f"{m.figure}{minutes} ({m.machine})"
