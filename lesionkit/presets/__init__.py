"""Ready-made experiments: the paper's eight, lesionkit's stronger recipes, and recipes without ImageNet.

A preset is a :class:`~lesionkit.presets.preset.Preset` record (name, config,
description, reference metrics row) in the ``lesionkit.presets`` registry, so
plugins can add more. Calling one gives a Trainer; overrides are
:class:`~lesionkit.config.ExperimentConfig` fields (``dataset``, ``data_dir``,
``image_size``, ``epochs``, ``batch_size``, ``weights``, ``run_dir``, ``seed``...).
``Trainer.from_preset(name, **overrides)`` is the same.

Example:
    >>> from lesionkit import presets
    >>> "melanoma_conv5" in presets.names()
    True
    >>> trainer = presets.melanoma_conv5(dataset="synthetic", weights=None, image_size=32)
    >>> trainer.config.trainable
    'conv5'
    >>> presets.get("melanoma_conv5").reference["roc_auc"]
    0.6303
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from lesionkit.presets.cards import CARDS
from lesionkit.presets.dermoscopy import NEEDS_WEIGHTS, dermo_configs
from lesionkit.presets.own_data import OWN_DATA_DESCRIPTION, own_data_config
from lesionkit.presets.paper import (
    METHOD_DESCRIPTIONS,
    PAPER_AUGMENTATION,
    PAPER_METHODS,
    PAPER_TASKS,
    TASK_TITLES,
    best_config,
    paper_config,
)
from lesionkit.presets.paper_results import PAPER_RESULTS
from lesionkit.presets.preset import Preset, RenamedPreset
from lesionkit.presets.recipe_card import RecipeCard
from lesionkit.registries import presets as _registry

if TYPE_CHECKING:
    from lesionkit.training.trainer import Trainer

__all__ = [
    "PAPER_AUGMENTATION",
    "PAPER_METHODS",
    "PAPER_RESULTS",
    "Preset",
    "RecipeCard",
    "RenamedPreset",
    "best_config",
    "card",
    "create",
    "describe",
    "get",
    "names",
    "paper_config",
    "summary",
]

_PAPER_DETAILS = (
    "ISIC 2017 at 224 px, Table 1 augmentation (imgaug), Table 2 balancing, weighted "
    "cross-entropy, SGD with step decay, 40 epochs."
)
_BEST_DETAILS = (
    "Scenario-J augmentation (tf-native), ImageNet weights, every layer trainable, SGD "
    "(Nesterov momentum 0.9, lr 1e-3) with warm-up and cosine decay, 30 epochs, 64-view "
    "test-time augmentation."
)


def _builtin_presets() -> list[Preset]:
    out = []
    for task in PAPER_TASKS:
        for method in PAPER_METHODS:
            name = f"{task}_{method}"
            description = f"Paper: {METHOD_DESCRIPTIONS[method]}; {TASK_TITLES[task]}.\n\n{_PAPER_DETAILS}"
            out.append(Preset(name, paper_config(task, method), description, reference=PAPER_RESULTS[name]))
    for task in PAPER_TASKS:
        description = (
            f"Beyond the paper: Perez et al. 2018 recipe, full ResNet-50 fine-tuning; {TASK_TITLES[task]}."
            f"\n\n{_BEST_DETAILS}"
        )
        out.append(Preset(f"{task}_perez2018", best_config(task), description))
    for name, config in dermo_configs().items():
        needs = NEEDS_WEIGHTS.get(name, "")
        description = config.description + (f"\n\nRequires weights= {needs}." if needs else "")
        out.append(Preset(name, config, description, requires_weights=needs))
    out.append(Preset("own_data", own_data_config(), OWN_DATA_DESCRIPTION))
    return [attrs.evolve(preset, card=CARDS.get(preset.name)) for preset in out]


#: Old names that still work, with a FutureWarning: "best" was three different things.
RENAMED: dict[str, tuple[str, str]] = {
    "isic2017_3class_best": (
        "isic2017_3class_scratch",
        ": it is the from-scratch baseline; the best recipe measured is isic2017_3class_joint_long",
    ),
    "melanoma_best": ("melanoma_perez2018", ": Perez et al. 2018's recipe, not measured here"),
    "seborrheic_keratosis_best": ("seborrheic_keratosis_perez2018", ": Perez et al. 2018's recipe, not measured here"),
}

for _preset in _builtin_presets():
    _registry.register(_preset.name, _preset)
    globals()[_preset.name] = _preset  # presets.melanoma_conv5(...) without the registry's lazy lookup
for _old, (_new, _why) in RENAMED.items():
    _alias = RenamedPreset(_old, globals()[_new], _why)
    _registry.register(_old, _alias)
    globals()[_old] = _alias


def names(pattern: str = "*") -> list[str]:
    """Names of every preset (built-in and from plugins), optionally filtered by a pattern."""
    return _registry.names(pattern)


def get(name: str) -> Preset | Callable[..., Trainer]:
    """The preset registered as ``name``: a :class:`Preset`, or a plugin's ``factory(**overrides)``."""
    preset: Preset | Callable[..., Trainer] = _registry.get(name)
    return preset


def create(name: str, /, **overrides: Any) -> Trainer:
    """The Trainer of preset ``name`` with ``overrides``: ``Trainer.from_preset(name, **overrides)``."""
    from lesionkit.training.trainer import Trainer

    return Trainer.from_preset(name, **overrides)


def summary(name: str) -> str:
    """One line about preset ``name`` (what ``lesionkit presets`` prints)."""
    preset = get(name)
    return preset.summary if isinstance(preset, (Preset, RenamedPreset)) else _registry.summary(name)


def card(name: str) -> RecipeCard | None:
    """What preset ``name`` needs and what it reached when measured (``None`` for a plugin's without one).

    Example:
        >>> card("isic2017_3class_scratch").needs
        ('isic2017',)
    """
    return getattr(get(name), "card", None)


def describe(name: str) -> str:
    """The description, origin and config of preset ``name``."""
    preset = get(name)
    if not isinstance(preset, (Preset, RenamedPreset)):
        return _registry.describe(name)
    origin = next(e.origin for e in _registry.entries() if e.name == name)
    reference = (
        ""
        if not preset.reference
        else "\n\nreference row: " + ", ".join(f"{k} {v:.4f}" for k, v in preset.reference.items())
    )
    facts = (
        ""
        if preset.card is None
        else f"\n\nneeds: {preset.card.needs_line()}\nmeasured: {preset.card.measured_line()}"
        + (f"\n  command: {preset.card.measured.command}" if preset.card.measured else "")
    )
    return (
        f"presets.{name}(**overrides) -> Trainer\n  origin: {origin}\n\n{preset.description}{facts}{reference}"
        f"\n\nconfig:\n{preset.config.to_json(indent=2)}"
    )


def __getattr__(name: str) -> Any:
    # Presets from plugins are reachable as attributes too: presets.my_plugin_preset().
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return get(name)
    except KeyError as exc:
        raise AttributeError(str(exc)) from None
