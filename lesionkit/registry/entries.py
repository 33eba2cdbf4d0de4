"""One name of a registry (:class:`Entry`) and how it is loaded: an object, a built-in target or a plugin.

Built-ins (``"module:attr"`` targets from a registry's table) and entry-point plugins
load the same way, on first use; a failure is kept on the entry and reported as a
:class:`~lesionkit.registry.errors.BrokenPluginError` each time the name is used.

Example:
    >>> entry = Entry(name="dumps", origin=BUILTIN, target="json:dumps")
    >>> load_entry(entry, noun="thing", group="")([2]), entry.loaded
    ('[2]', True)
"""

from __future__ import annotations

import traceback
from typing import Any

import attrs

from lesionkit import plugins
from lesionkit.registry.errors import BrokenPluginError

BUILTIN = "built-in"


@attrs.define
class Entry:
    """What a registry knows about one name.

    ``origin`` is ``"built-in"``, the module of an in-process registration, or
    ``"<distribution> <version>"`` for an entry-point plugin. A built-in from the
    registry's table has a ``target`` (``"module:attr"``) until it is loaded; a plugin
    has its ``plugin`` spec. ``error`` holds the formatted failure of a load.
    """

    name: str
    origin: str
    obj: Any = None
    plugin: plugins.PluginSpec | None = None
    error: str | None = None
    target: str | None = None

    @property
    def loaded(self) -> bool:
        return self.obj is not None

    @property
    def broken(self) -> bool:
        return self.error is not None


def load_entry(entry: Entry, *, noun: str, group: str) -> Any:
    """The entry's object, importing its target or plugin the first time.

    Raises:
        BrokenPluginError: the import failed (now or before); names the target or entry
            point and its distribution, with the original exception chained.
    """
    if entry.obj is not None:
        return entry.obj
    if entry.error is not None:
        raise BrokenPluginError(broken_message(entry, noun=noun, group=group))
    try:
        if entry.plugin is not None:
            obj = entry.plugin.load()
        else:
            assert entry.target is not None, "an entry holds an object, a target or a plugin"
            obj = plugins.load_target(entry.target)
    except Exception as exc:
        entry.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        raise BrokenPluginError(broken_message(entry, noun=noun, group=group)) from exc
    entry.obj = obj
    return obj


def broken_message(entry: Entry, *, noun: str, group: str) -> str:
    """What failed to load and what to do about it."""
    spec = entry.plugin
    if spec is None:
        return (
            f"built-in {noun} {entry.name!r} ({entry.target}) could not be loaded: {entry.error}. "
            f"Reinstall lesionkit, or report this as a bug."
        )
    return (
        f"plugin {spec.name!r} (entry point '{spec.name} = {spec.target}' in group "
        f"{spec.group or group!r}, distribution {spec.origin}) could not be loaded: {entry.error}. "
        f"Fix or uninstall {spec.distribution}."
    )


def plugin_entry(spec: plugins.PluginSpec, existing: Entry | None) -> tuple[str, Entry | None]:
    """The key and entry a discovered entry point adds (``None``: nothing to add).

    A name taken by another component gets a broken ``name@distribution`` entry, so the
    clash is reported instead of silently replacing a built-in.
    """
    if existing is None:
        return spec.name, Entry(name=spec.name, origin=spec.origin, plugin=spec)
    if existing.plugin is not None and existing.plugin.target == spec.target:
        return spec.name, None  # the same entry point seen again (e.g. in the old and new group)
    return f"{spec.name}@{spec.distribution}", Entry(
        name=spec.name,
        origin=spec.origin,
        plugin=spec,
        error=(
            f"name {spec.name!r} is already taken by {existing.origin}; entry point {spec.name} = {spec.target} ignored"
        ),
    )


def module_of(obj: Any) -> str:
    """The module that defines ``obj`` (``"unknown"`` if it does not say)."""
    module = getattr(obj, "__module__", None)
    return module or "unknown"


def target_of(obj: Any) -> str:
    """``"module:qualname"`` of ``obj``, the form of a registry table's targets."""
    return f"{module_of(obj)}:{getattr(obj, '__qualname__', '')}"


def same_definition(a: Any, b: Any) -> bool:
    """True for two objects from the same definition (a module or notebook cell run again)."""
    # A module re-executed (importlib.reload, notebook cell re-run) makes a new
    # function object with the same qualified name; treat it as the same thing.
    return (
        getattr(a, "__module__", None) is not None
        and getattr(a, "__module__", None) == getattr(b, "__module__", None)
        and getattr(a, "__qualname__", None) == getattr(b, "__qualname__", None)
        and getattr(a, "__qualname__", None) is not None
        and "<lambda>" not in a.__qualname__
    )
