"""lesionkit's import graph: no cycles, and the layering of docs/architecture.md.

Every module of lesionkit is parsed with ``ast``; imports at module level and
inside functions count, imports under ``if TYPE_CHECKING:`` do not (they never
run). ``from lesionkit.x import y`` is an edge to module ``lesionkit.x.y`` when
that is a module, else to ``lesionkit.x`` (a package's ``__init__`` is a module
like any other).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "lesionkit"

#: What each part of lesionkit may import (besides itself); "core" is the top-level modules and
#: the registry package. The same table is in docs/architecture.md ("Rules").
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "augment": {"core"},
    "data": {"core", "augment"},
    "models": {"core"},
    # Settings, precision, distribution: imported before TensorFlow by the CLI and the Trainer, so
    # below runs/ (environment.json records them); models/ only for the throughput measurement.
    "runtime": {"core", "models"},
    "runs": {"core", "runtime"},
    "evaluation": {"core", "augment", "data", "runs", "runtime"},
    "training": {"core", "augment", "data", "models", "runs", "runtime", "evaluation"},
    "presets": {"core", "evaluation", "runs", "training"},
    "cli": {"core", "augment", "data", "models", "runs", "runtime", "evaluation", "training", "presets"},
    "__main__": {"cli"},
}
#: Modules outside the core that the core may still import. None: the vocabulary configs and tasks
#: are checked against (balance modes, freeze policies, precisions, strategies, diagnosis codes)
#: is core (lesionkit.vocabulary, lesionkit.diagnoses), and the modules that act on it import it.
CORE_VOCABULARY: set[str] = set()
#: Subpackages that belong to the core.
CORE_PACKAGES = {"registry"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def part_of(module: str) -> str:
    """``core``, ``__main__``, or the subpackage (``training``...) a module belongs to."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in CORE_PACKAGES:
        return "core"
    if parts[1] == "__main__":
        return "__main__"
    package = MODULES.get(f"lesionkit.{parts[1]}")
    return parts[1] if package is not None and package.name == "__init__.py" else "core"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import under ``node``, skipping ``if TYPE_CHECKING:`` bodies (their ``else`` counts)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes(other) if not isinstance(other, (ast.Import, ast.ImportFrom)) else [other]
            continue
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        yield from _import_nodes(child)


def _resolve(name: str) -> str | None:
    """The lesionkit module ``name`` is, or the nearest package above it that is."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """The lesionkit modules ``module`` imports (any depth in its code, TYPE_CHECKING excluded)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        for target in targets:
            if target == "lesionkit" or target.startswith("lesionkit."):
                resolved = _resolve(target)
                if resolved and resolved != module:
                    found.add(resolved)
    return found


GRAPH: dict[str, set[str]] = {m: imports_of(m) for m in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (``[a, b, ..., a]``), or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_graph_sees_every_kind_of_import() -> None:
    """The parser finds module-level, function-level and relative imports, and skips TYPE_CHECKING ones."""
    assert "lesionkit.training.trainer" in GRAPH["lesionkit.cli.cmd_fit"]  # inside run()
    assert "lesionkit.runs.run_dir" in GRAPH["lesionkit.runs"]  # from lesionkit.runs.run_dir import ...
    assert "lesionkit.registries" in GRAPH["lesionkit.training.trainer"]  # from lesionkit import registries
    assert "lesionkit.augment.base" not in GRAPH["lesionkit.augment.tta"]  # under TYPE_CHECKING
    assert "lesionkit.runtime.settings" in GRAPH["lesionkit.cli"]  # inside _run()


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles() -> None:
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_every_part_is_in_the_rules() -> None:
    assert {part_of(m) for m in MODULES} <= set(ALLOWED)


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_layering(part: str) -> None:
    """What each part may import, as docs/architecture.md states it."""
    broken = [
        f"{module} imports {target} ({part} may import {', '.join(sorted(ALLOWED[part])) or 'only core'})"
        for module in MODULES
        if part_of(module) == part
        for target in sorted(GRAPH[module])
        if part_of(target) != part
        and part_of(target) not in ALLOWED[part]
        and not (part == "core" and target in CORE_VOCABULARY)
    ]
    assert not broken, "\n".join(broken)


def test_the_core_reaches_only_its_vocabulary() -> None:
    """Importing any core module imports no subpackage module but the vocabulary ones, at any depth."""
    reached: set[str] = set()
    todo = [m for m in MODULES if part_of(m) == "core"]
    while todo:
        for target in GRAPH[todo.pop()]:
            if target not in reached:
                reached.add(target)
                todo.append(target)
    beyond = sorted(m for m in reached if part_of(m) != "core" and m not in CORE_VOCABULARY)
    assert not beyond, f"core modules reach {beyond}"


def test_nothing_imports_the_command_line() -> None:
    users = sorted(
        m for m in MODULES for t in GRAPH[m] if part_of(t) == "cli" and part_of(m) not in ("cli", "__main__")
    )
    assert not users, f"modules outside cli/ import it: {users}"


def test_the_rules_are_the_documented_ones() -> None:
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for part, allowed in ALLOWED.items():
        line = f"| `{part}` | " + (", ".join(f"`{a}`" for a in sorted(allowed)) or "nothing") + " |"
        assert line in text, f"docs/architecture.md lacks the rule line {line!r}"


def test_the_core_vocabulary_names_what_its_owners_act_on() -> None:
    from lesionkit import vocabulary
    from lesionkit.models.freeze import POLICIES

    assert tuple(POLICIES) == vocabulary.FREEZE_POLICIES


def test_importing_the_runtime_settings_imports_no_model_code() -> None:
    """The CLI and tests/conftest.py import ``configure_runtime`` first: it must reach no model code."""
    reached: set[str] = set()
    todo = ["lesionkit.runtime", "lesionkit.runtime.settings"]
    while todo:
        for target in GRAPH[todo.pop()]:
            if target not in reached:
                reached.add(target)
                todo.append(target)
    assert sorted(m for m in reached if part_of(m) not in ("core", "runtime")) == []
