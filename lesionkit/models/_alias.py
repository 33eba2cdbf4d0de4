"""Let a built-in module stand in for the registry it shares a name with.

``lesionkit.losses`` is a registry (``lesionkit.registries.losses``), but importing
the built-in module ``lesionkit/losses.py`` makes Python set the attribute
``lesionkit.losses`` to that module. Without this, ``lesionkit.losses.create(...)``
would work before the built-ins load and fail after. The module's class is swapped for
one that forwards the registry's API (``create``, ``get``, ``names``, ``in``...) while
keeping every name the module itself defines.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any


class _RegistryModule(types.ModuleType):
    _lesionkit_registry: Any

    def __getattr__(self, name: str) -> Any:  # only called for names the module lacks
        registry = self.__dict__.get("_lesionkit_registry")
        if registry is None or name.startswith("__"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        return getattr(registry, name)

    def __contains__(self, name: object) -> bool:
        return name in self._lesionkit_registry

    def __iter__(self) -> Iterator[str]:
        return iter(self._lesionkit_registry)

    def __len__(self) -> int:
        return len(self._lesionkit_registry)


def alias_registry(module_name: str, registry: Any) -> None:
    """Make module ``module_name`` forward the registry API to ``registry``."""
    module = sys.modules[module_name]
    module._lesionkit_registry = registry  # type: ignore[attr-defined]
    module.__class__ = _RegistryModule
