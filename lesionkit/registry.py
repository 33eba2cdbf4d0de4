"""A small generic registry of named components, with entry-point plugins.

Every pluggable kind in lesionkit (augmenters, backbones, heads, losses,
schedulers, optimizers, datasets, presets) is one :class:`Registry`. Built-ins
register exactly the way plugins do; both are loaded lazily, on the first lookup
or listing, so ``import lesionkit`` stays cheap.

Example:
    >>> from lesionkit.registry import Registry
    >>> colours = Registry("colours")
    >>> @colours.register()
    ... def red(alpha: float = 1.0):
    ...     "Pure red."
    ...     return (255, 0, 0, alpha)
    >>> colours.create("red", alpha=0.5)
    (255, 0, 0, 0.5)
    >>> "red" in colours, colours.names("r*")
    (True, ['red'])
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import importlib
import inspect
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast, overload

import attrs

from lesionkit import plugins

T = TypeVar("T")

BUILTIN = "built-in"


class RegistryError(Exception):
    """Base class of every registry error."""


class UnknownComponentError(RegistryError, KeyError):
    """A name that is not registered; the message lists what exists."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class DuplicateComponentError(RegistryError, ValueError):
    """A second, different object registered under a taken name."""


class InvalidParameterError(RegistryError, TypeError):
    """Parameters that the component's factory does not accept."""


class BrokenPluginError(RegistryError, ImportError):
    """A plugin's entry point failed to load; the cause is chained."""


def suggest(word: str, choices: Sequence[str], n: int = 3) -> list[str]:
    """Close matches of ``word`` among ``choices`` (case-insensitive)."""
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` Did you mean 'x'?`` or an empty string."""
    hits = suggest(word, choices)
    if not hits:
        return ""
    return " Did you mean " + " or ".join(repr(h) for h in hits) + "?"


@attrs.define
class Entry:
    """What a registry knows about one name.

    ``origin`` is ``"built-in"``, the module of an in-process registration, or
    ``"<distribution> <version>"`` for an entry-point plugin. ``error`` holds the
    formatted failure of a plugin that could not be loaded.
    """

    name: str
    origin: str
    obj: Any = None
    plugin: plugins.PluginSpec | None = None
    error: str | None = None

    @property
    def loaded(self) -> bool:
        return self.obj is not None

    @property
    def broken(self) -> bool:
        return self.error is not None


class Registry(Generic[T]):
    """Named factories of one kind of component.

    Args:
        kind: plural noun used in messages and as the entry-point group suffix
            (``"backbones"`` → group ``lesionkit.backbones``).
        builtins: modules imported on first use; importing them registers the
            built-in components. Keeps heavy imports (TensorFlow) out of
            ``import lesionkit``.
        entry_point_group: overrides the derived group name; ``None`` derives it,
            ``""`` disables plugin discovery.
    """

    def __init__(
        self,
        kind: str,
        *,
        builtins: Sequence[str] = (),
        entry_point_group: str | None = None,
    ) -> None:
        self.kind = kind
        self.group = plugins.GROUP_PREFIX + kind if entry_point_group is None else entry_point_group
        self._builtin_modules = tuple(builtins)
        self._entries: dict[str, Entry] = {}
        self._builtins_loaded = not self._builtin_modules
        self._plugins_discovered = not self.group
        self._lock = threading.RLock()
        self._importing_builtins = False

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self._entries)} registered)"

    # -- registration ----------------------------------------------------------------

    @overload
    def register(self, name: Callable[..., Any]) -> Callable[..., Any]: ...

    @overload
    def register(self, name: str | None = None, obj: None = None, *, override: bool = False) -> Callable[[T], T]: ...

    @overload
    def register(self, name: str | None, obj: T, *, override: bool = False) -> T: ...

    def register(self, name: Any = None, obj: Any = None, *, override: bool = False) -> Any:
        """Register ``obj`` under ``name``; without ``obj`` return a decorator.

        The name defaults to the object's ``__name__``. A name that is taken by
        a different object is an error unless ``override=True``; registering
        the very same object again is a no-op (so notebook reloads work).

        Example:
            >>> from lesionkit.registry import Registry
            >>> r = Registry("things", entry_point_group="")
            >>> @r.register("two")
            ... def make_two():
            ...     return 2
            >>> r.register("three", lambda: 3) and r.create("three")
            3
        """
        if callable(name) and obj is None:  # bare @registry.register
            return self._add(name.__name__, name, override=override)
        if obj is not None:
            return self._add(name or obj.__name__, obj, override=override)

        def decorator(target: T) -> T:
            return self._add(name or target.__name__, target, override=override)  # type: ignore[attr-defined]

        return decorator

    def refresh(self) -> None:
        """Forget discovered plugins and look for entry points again on next use.

        Call it after installing a plugin into a running interpreter (a notebook).
        Components registered in-process are kept.
        """
        with self._lock:
            self._entries = {k: e for k, e in self._entries.items() if e.plugin is None}
            self._plugins_discovered = not self.group

    def unregister(self, name: str) -> None:
        """Remove ``name`` (mainly for tests and interactive sessions)."""
        with self._lock:
            self._entries.pop(name, None)

    def _add(self, name: str, obj: Any, *, override: bool) -> Any:
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.kind} names must be non-empty strings, got {name!r}")
        module = _module_of(obj)
        origin = BUILTIN if module.split(".")[0] == "lesionkit" else module
        with self._lock:
            current = self._entries.get(name)
            if current is not None and not override:
                if current.obj is obj:
                    return obj
                if not _same_definition(current.obj, obj):
                    raise DuplicateComponentError(
                        f"{self.kind} already has {name!r} (from {current.origin}); "
                        f"pass override=True to replace it, or choose another name"
                    )
            self._entries[name] = Entry(name=name, origin=origin, obj=obj)
        return obj

    # -- lookup ----------------------------------------------------------------------

    def get(self, name: str) -> T:
        """The registered object (a factory, usually) for ``name``.

        Raises:
            UnknownComponentError: ``name`` is not registered; lists the names
                that are and suggests close ones.
            BrokenPluginError: ``name`` comes from a plugin that failed to load.
        """
        self._ensure_builtins()
        entry = self._entries.get(name)
        if entry is None:
            self._ensure_plugins()
            entry = self._entries.get(name)
        if entry is None:
            known = self.names()
            listing = ", ".join(known) if known else "(none)"
            raise UnknownComponentError(
                f"no {self.kind[:-1] if self.kind.endswith('s') else self.kind} named {name!r} "
                f"in lesionkit.{self.kind}.{did_you_mean(name, known)} Registered: {listing}"
            )
        return self._load(entry)

    def create(self, name: str, /, **params: Any) -> Any:
        """Call the factory registered as ``name`` with ``params``, checked first.

        Raises:
            InvalidParameterError: a parameter the factory does not accept, or a
                required one missing; the message lists the accepted ones.
        """
        factory = cast("Callable[..., Any]", self.get(name))
        check_params(factory, params, where=f"{self.kind}[{name!r}]")
        return factory(**params)

    def names(self, pattern: str = "*") -> list[str]:
        """Sorted registered names matching a shell-style ``pattern``."""
        self._ensure_builtins()
        self._ensure_plugins()
        return sorted(n for n in self._entries if fnmatch.fnmatchcase(n, pattern))

    def entries(self, *, load: bool = False) -> list[Entry]:
        """Every entry, sorted by name; ``load=True`` imports plugins to find broken ones."""
        names = self.names()
        if load:
            for name in names:
                with contextlib.suppress(BrokenPluginError):
                    self._load(self._entries[name])
        return [self._entries[n] for n in names]

    def describe(self, name: str) -> str:
        """Signature, origin and docstring of ``name``, as text."""
        obj = cast("Callable[..., Any]", self.get(name))
        entry = self._entries[name]
        try:
            sig = str(inspect.signature(obj, eval_str=True))
        except Exception:  # annotations that cannot be evaluated: show them as written
            try:
                sig = str(inspect.signature(obj))
            except (TypeError, ValueError):
                sig = "(...)"
        doc = inspect.getdoc(obj) or "(no documentation)"
        return f"{self.kind}.{name}{sig}\n  origin: {entry.origin}\n\n{doc}"

    def summary(self, name: str) -> str:
        """First line of the docstring of ``name``."""
        doc = inspect.getdoc(self.get(name)) or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    # -- lazy loading ----------------------------------------------------------------

    def _ensure_builtins(self) -> None:
        if self._builtins_loaded:
            return
        with self._lock:
            if self._builtins_loaded or self._importing_builtins:
                return
            self._importing_builtins = True
            try:
                for module in self._builtin_modules:
                    importlib.import_module(module)
                self._builtins_loaded = True
            finally:
                self._importing_builtins = False

    def _ensure_plugins(self) -> None:
        if self._plugins_discovered:
            return
        with self._lock:
            if self._plugins_discovered:
                return
            self._plugins_discovered = True
            for spec in plugins.discover(self.group):
                if spec.name in self._entries:
                    existing = self._entries[spec.name]
                    # A second distribution claiming a taken name is reported, not fatal.
                    if existing.plugin is None or existing.plugin.target != spec.target:
                        self._entries[f"{spec.name}@{spec.distribution}"] = Entry(
                            name=spec.name,
                            origin=spec.origin,
                            plugin=spec,
                            error=(
                                f"name {spec.name!r} is already taken by {existing.origin}; "
                                f"entry point {spec.name} = {spec.target} ignored"
                            ),
                        )
                    continue
                self._entries[spec.name] = Entry(name=spec.name, origin=spec.origin, plugin=spec)
            if plugins.strict_mode():
                for entry in list(self._entries.values()):
                    if entry.plugin is not None:
                        self._load(entry)

    def _load(self, entry: Entry) -> Any:
        if entry.obj is not None:
            return entry.obj
        spec = entry.plugin
        assert spec is not None, "an entry holds an object or a plugin"
        if entry.error is None:
            try:
                entry.obj = spec.load()
            except Exception as exc:
                entry.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                raise BrokenPluginError(_broken_message(self.group, spec, entry.error)) from exc
            return entry.obj
        raise BrokenPluginError(_broken_message(self.group, spec, entry.error))


def _broken_message(group: str, spec: plugins.PluginSpec, error: str) -> str:
    return (
        f"plugin {spec.name!r} (entry point '{spec.name} = {spec.target}' in group {group!r}, "
        f"distribution {spec.origin}) could not be loaded: {error}. "
        f"Fix or uninstall {spec.distribution}."
    )


def _module_of(obj: Any) -> str:
    module = getattr(obj, "__module__", None)
    return module or "unknown"


def _same_definition(a: Any, b: Any) -> bool:
    # A module re-executed (importlib.reload, notebook cell re-run) makes a new
    # function object with the same qualified name; treat it as the same thing.
    return (
        getattr(a, "__module__", None) is not None
        and getattr(a, "__module__", None) == getattr(b, "__module__", None)
        and getattr(a, "__qualname__", None) == getattr(b, "__qualname__", None)
        and getattr(a, "__qualname__", None) is not None
        and "<lambda>" not in a.__qualname__
    )


def accepted_params(factory: Callable[..., Any]) -> tuple[list[str], list[str], bool]:
    """(all parameter names, required names, accepts **kwargs) of ``factory``."""
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return [], [], True
    names: list[str] = []
    required: list[str] = []
    var_kw = False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            var_kw = True
        elif p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            names.append(p.name)
            if p.default is p.empty:
                required.append(p.name)
    return names, required, var_kw


def check_params(factory: Callable[..., Any], params: Mapping[str, Any], *, where: str) -> None:
    """Raise :class:`InvalidParameterError` unless ``factory(**params)`` binds."""
    names, required, var_kw = accepted_params(factory)
    if not var_kw:
        for key in params:
            if key not in names:
                raise InvalidParameterError(
                    f"{where} has no parameter {key!r}.{did_you_mean(key, names)} "
                    f"Accepted: {', '.join(names) or '(none)'}"
                )
    missing = [n for n in required if n not in params]
    if missing:
        raise InvalidParameterError(
            f"{where} needs parameter(s) {', '.join(map(repr, missing))}. Accepted: {', '.join(names)}"
        )
