"""A small generic registry of named components, with entry-point plugins.

Every pluggable kind in lesionkit (augmenters, backbones, heads, losses, schedules,
optimizers, datasets, presets, tasks) is one :class:`Registry`. Built-ins are a table of
``name -> "module:attr"`` loaded the way plugins are: lazily, on first use, so
``import lesionkit`` and listing a registry stay cheap.

- :mod:`lesionkit.registry.core`: :class:`Registry`.
- :mod:`lesionkit.registry.entries`: :class:`Entry` and how one is loaded.
- :mod:`lesionkit.registry.params`: signature checks and :class:`Injected` parameters.
- :mod:`lesionkit.registry.messages`: ``did_you_mean`` and friends.
- :mod:`lesionkit.registry.errors`: the errors, all :class:`~lesionkit.errors.LesionkitError`.
- plugin discovery lives in :mod:`lesionkit.plugins`.

Example:
    >>> from lesionkit.registry import Registry
    >>> colours = Registry("colours", builtins={"dumps": "json:dumps"}, entry_point_group="")
    >>> colours.names(), colours.create("dumps", obj=[1])
    (['dumps'], '[1]')
"""

from __future__ import annotations

from lesionkit.registry.core import Registry, default_noun
from lesionkit.registry.entries import BUILTIN, Entry
from lesionkit.registry.errors import (
    BrokenPluginError,
    DuplicateComponentError,
    InvalidParameterError,
    RegistryError,
    UnknownComponentError,
)
from lesionkit.registry.messages import did_you_mean, one_of, suggest
from lesionkit.registry.params import UNKNOWN, Injected, accepted_params, check_params, plan_call

__all__ = [
    "BUILTIN",
    "UNKNOWN",
    "BrokenPluginError",
    "DuplicateComponentError",
    "Entry",
    "Injected",
    "InvalidParameterError",
    "Registry",
    "RegistryError",
    "UnknownComponentError",
    "accepted_params",
    "check_params",
    "default_noun",
    "did_you_mean",
    "one_of",
    "plan_call",
    "suggest",
]
