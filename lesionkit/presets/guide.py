"""The table of ``docs/choosing-a-recipe.md``, made from the presets' recipe cards.

The page holds the output of :func:`recipes_table` between two markers, and a test checks it
is the same, so a figure changed in a card (or a preset renamed) changes the page too::

    python -c "from lesionkit.presets.guide import recipes_table; print(recipes_table())"

Example:
    >>> print(recipes_table().splitlines()[0])
    | preset | needs | measured on real data | minutes |
"""

from __future__ import annotations

from lesionkit.presets.recipe_card import NEEDS_SHORT, RecipeCard

#: The order of the table: the recipes measured first, best first, then those never measured.
ORDER = (
    "isic2017_3class_joint_long",
    "isic2017_3class_joint",
    "isic2017_3class_dermo",
    "isic2017_3class_joint_finetune",
    "isic2017_3class_scratch",
    "ham10000_dx7",
    "own_data",
    "melanoma_dermo",
    "seborrheic_keratosis_dermo",
    "melanoma_perez2018",
    "seborrheic_keratosis_perez2018",
)


def recipes_table(names: tuple[str, ...] = ORDER) -> str:
    """A markdown table: each preset's needs, its measured figure (or "not measured") and minutes."""
    from lesionkit import presets

    rows = ["| preset | needs | measured on real data | minutes |", "|---|---|---|---|"]
    for name in names:
        card: RecipeCard | None = presets.card(name)
        if card is None:
            raise KeyError(f"preset {name!r} has no recipe card")
        needs = ", ".join(NEEDS_SHORT[need] for need in card.needs)
        m = card.measured
        figure = "not measured" if m is None else m.figure
        minutes = "" if m is None else m.minutes_text
        rows.append(f"| `{name}` | {needs} | {figure} | {minutes} |")
    return "\n".join(rows)
