"""Entry-point discovery: the one place that talks to the ``entrypoints`` package.

Third-party packages add components by declaring entry points in the group
``lesionkit.<registry>`` (for example ``lesionkit.backbones``). Built-in components take
the same path: a registry's table of ``name -> "module:attr"`` targets is loaded with
:func:`load_target`, as an entry point is. Discovery is lazy
and never imports the plugin's module: that happens when the component is first
used (or when ``lesionkit plugins`` lists everything), so one broken plugin
cannot break ``import lesionkit`` or any other plugin.

Set ``LESIONKIT_STRICT_PLUGINS=1`` to load every plugin at discovery time and
re-raise the first failure (useful in a plugin's own CI).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

import attrs

STRICT_ENV = "LESIONKIT_STRICT_PLUGINS"
GROUP_PREFIX = "lesionkit."


@attrs.frozen
class PluginSpec:
    """One entry point found in installed metadata, not yet imported."""

    name: str
    target: str  # "module:attr", as written in the entry point
    distribution: str
    version: str
    load: Callable[[], Any] = attrs.field(repr=False, eq=False)
    group: str = ""

    @property
    def origin(self) -> str:
        return f"{self.distribution} {self.version}".strip()


def strict_mode() -> bool:
    """True when ``LESIONKIT_STRICT_PLUGINS`` asks for plugins to load eagerly."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def discover(group: str) -> list[PluginSpec]:
    """Every entry point in ``group``, in metadata order, without importing any."""
    import entrypoints  # imported here so `import lesionkit` stays cheap

    found: list[PluginSpec] = []
    for ep in entrypoints.get_group_all(group):
        distro = getattr(ep, "distro", None)
        target = ep.module_name + (f":{ep.object_name}" if ep.object_name else "")
        found.append(
            PluginSpec(
                name=ep.name,
                target=target,
                distribution=getattr(distro, "name", None) or "unknown distribution",
                version=getattr(distro, "version", None) or "",
                load=ep.load,
                group=group,
            )
        )
    return found


def load_target(target: str) -> Any:
    """The object a ``"module:attr"`` (or ``"module:attr.sub"``) target names, importing the module.

    Example:
        >>> load_target("json:dumps")([1])
        '[1]'
    """
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj
