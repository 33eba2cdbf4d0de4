"""Recipe cards: every built-in preset says what it needs and what it reached, the docs agree, old names still work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lesionkit.cli as cli
from lesionkit import presets
from lesionkit.presets.cards import CARDS
from lesionkit.presets.guide import ORDER, recipes_table
from lesionkit.presets.recipe_card import NEEDS, RecipeCard

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = [n for n in presets.names() if n not in presets.RENAMED and isinstance(presets.get(n), presets.Preset)]


def test_every_builtin_preset_has_a_card_and_every_card_a_preset() -> None:
    assert set(CARDS) == set(BUILTIN)
    for name in BUILTIN:
        assert presets.card(name) is CARDS[name]


def section(path: Path, anchor: str) -> str:
    """The text under the heading whose GitHub anchor is ``anchor``, down to the next heading as high."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for start, line in enumerate(lines):
        level = len(line) - len(line.lstrip("#"))
        title = line[level:].strip()
        if level and re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-") == anchor:
            end = next(
                (i for i in range(start + 1, len(lines)) if 0 < len(lines[i]) - len(lines[i].lstrip("#")) <= level),
                len(lines),
            )
            return "\n".join(lines[start:end])
    raise AssertionError(f"{path}: no heading with anchor #{anchor}")


def test_each_figure_is_the_one_on_its_source_page() -> None:
    # Every number of a card's figure, its minutes and its command appear in the section it cites.
    for name, card in CARDS.items():
        if card.measured is None:
            continue
        path, _, anchor = card.measured.source.partition("#")
        text = section(ROOT / path, anchor)
        numbers = [*re.findall(r"\d+\.\d+", card.measured.figure), card.measured.minutes_text]
        missing = [n for n in numbers if n and n not in text]
        assert not missing, f"{name}: {missing} not in {path}#{anchor}"
        command = card.measured.command.replace("lesionkit fit ", "").split(" --")[0]
        assert command in text, f"{name}: {command!r} not in {path}#{anchor}"


def test_presets_that_fine_tune_a_run_say_so_in_their_needs() -> None:
    for name in BUILTIN:
        preset = presets.get(name)
        needs_run = {"dermo_run", "joint_run"} & set(CARDS[name].needs)
        assert bool(preset.requires_weights) == bool(needs_run), name
        if preset.config.weights == "imagenet":
            assert "imagenet" in CARDS[name].needs, name


def test_an_unknown_need_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown need\(s\) \['tpu'\]"):
        RecipeCard(needs=("tpu",))
    assert "gpu" in NEEDS


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("isic2017_3class_best", "isic2017_3class_scratch"),
        ("melanoma_best", "melanoma_perez2018"),
        ("seborrheic_keratosis_best", "seborrheic_keratosis_perez2018"),
    ],
)
def test_old_names_still_work_with_a_warning(old: str, new: str) -> None:
    with pytest.warns(FutureWarning, match=f"preset '{old}' is renamed '{new}'"):
        trainer = presets.create(old, dataset="synthetic", weights=None, image_size=32)
    assert trainer.config == presets.get(new).config.evolve(dataset="synthetic", weights=None, image_size=32)
    assert presets.summary(old).startswith(f"old name of {new}")


def test_the_choosing_page_holds_the_generated_table() -> None:
    page = (ROOT / "docs" / "choosing-a-recipe.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- recipes-table:start -->\n(.*?)\n<!-- recipes-table:end -->", page, re.S)
    assert found, "docs/choosing-a-recipe.md lost its recipes-table markers"
    assert found.group(1) == recipes_table(), (
        "regenerate the table: python -c 'from lesionkit.presets.guide import recipes_table; print(recipes_table())'"
    )
    # Every preset the decision table names exists (under its current name).
    named = set(re.findall(r"`([a-z0-9_]+)`", page.split("<!-- recipes-table:start -->")[0]))
    listed = {n for n in named if n in presets.names()}
    assert {"isic2017_3class_joint_long", "isic2017_3class_scratch", "ham10000_dx7", "own_data"} <= listed
    assert set(ORDER) <= set(BUILTIN)


def test_presets_command_shows_needs_and_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["presets", "3class_joint_long"]) == 0
    out = capsys.readouterr().out
    assert "needs ISIC 2017, HAM10000 | ISIC 2017 validation melanoma / SK AUC 0.811 / 0.904" in out
    assert cli.main(["presets", "perez"]) == 0
    out = capsys.readouterr().out
    assert "needs ISIC 2017, ImageNet weights (download), a GPU | not measured" in out
    assert "melanoma_best -> melanoma_perez2018" not in out  # the pattern 'perez' does not match old names
    assert cli.main(["presets", "best"]) == 0
    out = capsys.readouterr().out
    assert "old names (still work, with a warning): isic2017_3class_best -> isic2017_3class_scratch" in out
    assert cli.main(["presets", "--describe", "isic2017_3class_joint_long"]) == 0
    out = capsys.readouterr().out
    assert "command: lesionkit fit isic2017_3class_joint_long --data-dir ISIC --extra-data-dir HAM --seed 1" in out
    assert "idle 2-core AMD EPYC" in out


def test_the_decision_table_quotes_the_cards() -> None:
    # Each row that names one measured preset quotes only numbers from that preset's card.
    page = (ROOT / "docs" / "choosing-a-recipe.md").read_text(encoding="utf-8")
    decision = page.split("| you have |", 1)[1].split("\n\n", 1)[0]
    checked = 0
    for row in decision.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        named = re.findall(r"`([a-z0-9_]+)`", cells[2])
        card = CARDS.get(named[0]) if len(named) == 1 else None
        if card is None or card.measured is None:
            assert "not measured" in cells[3] or not named or named[0] not in CARDS, row
            continue
        quoted = card.measured.figure + " " + card.measured.minutes_text
        assert all(number in quoted for number in re.findall(r"\d+(?:[.–]\d+)?", cells[3])), row
        checked += 1
    assert checked >= 4
