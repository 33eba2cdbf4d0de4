"""The registry instances, one per kind of component.

Each is filled lazily: the built-in modules listed here are imported on the
first lookup or listing, and third-party entry points in the group
``lesionkit.<kind>`` are discovered at the same moment.

Example:
    >>> import lesionkit
    >>> "resnet50" in lesionkit.backbones
    True
"""

from __future__ import annotations

from typing import Any

from lesionkit.registry import Registry

augmenters: Registry[Any] = Registry("augmenters", builtins=["lesionkit.augment.builtins"])
backbones: Registry[Any] = Registry("backbones", builtins=["lesionkit.models.backbones"])
heads: Registry[Any] = Registry("heads", builtins=["lesionkit.models.heads"])
losses: Registry[Any] = Registry("losses", builtins=["lesionkit.losses"])
schedulers: Registry[Any] = Registry("schedulers", builtins=["lesionkit.schedules"])
optimizers: Registry[Any] = Registry("optimizers", builtins=["lesionkit.optimizers"])
datasets: Registry[Any] = Registry("datasets", builtins=["lesionkit.data.builtins"])
presets: Registry[Any] = Registry("presets", builtins=["lesionkit.presets"])

ALL: dict[str, Registry[Any]] = {
    r.kind: r for r in (augmenters, backbones, heads, losses, schedulers, optimizers, datasets, presets)
}
