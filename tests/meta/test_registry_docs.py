"""docs/registries-and-plugins.md lists exactly the built-in components the registries hold."""

from __future__ import annotations

import re
from pathlib import Path

from lesionkit import presets
from lesionkit.registries import ALL

PAGE = Path(__file__).resolve().parents[2] / "docs" / "registries-and-plugins.md"


def builtins(kind: str) -> set[str]:
    """The registry's built-in names (old preset names left out: they are listed where they are explained)."""
    return {e.name for e in ALL[kind].entries() if e.origin == "built-in" and e.name not in presets.RENAMED}


def test_the_registry_table_lists_every_builtin_and_nothing_else() -> None:
    rows = [line for line in PAGE.read_text(encoding="utf-8").splitlines() if line.startswith("| `lesionkit.")]
    listed = {}
    for row in rows:
        kind = re.match(r"\| `lesionkit\.(\w+)`", row).group(1)  # type: ignore[union-attr]
        cell = row.rstrip(" |").rsplit(" | ", 1)[1]
        listed[kind] = set(re.findall(r"`([a-z0-9_]+)`", cell))
    assert set(listed) == set(ALL), "one row per registry"
    for kind, names in listed.items():
        assert names == builtins(kind), (
            f"{kind}: the page lists {sorted(names)}, the registry holds {sorted(builtins(kind))}"
        )


def test_the_plugins_sample_output_counts_the_builtin_backbones() -> None:
    page = PAGE.read_text(encoding="utf-8")
    sample = re.search(r"```text\nbackbones \((\d+)\)\n(.*?)```", page, re.S)
    assert sample, "the `lesionkit plugins backbones` sample is gone"
    lines = sample.group(2).splitlines()
    shown = {line.split()[0] for line in lines if line.split()[1:] == ["built-in"]}
    assert shown == builtins("backbones") and int(sample.group(1)) == len(lines)
