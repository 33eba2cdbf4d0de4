"""The :class:`Registry`: a name table of components, filled lazily from built-in targets and plugins.

Example:
    >>> from lesionkit.registry import Registry
    >>> colours = Registry("colours", entry_point_group="")
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
import fnmatch
import importlib
import inspect
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast, overload

__all__ = ["BUILTIN", "Entry", "Registry", "default_noun"]

from lesionkit import plugins
from lesionkit.registry.entries import BUILTIN, Entry, load_entry, plugin_entry, same_definition, target_of
from lesionkit.registry.errors import BrokenPluginError, DuplicateComponentError, UnknownComponentError
from lesionkit.registry.messages import did_you_mean
from lesionkit.registry.params import UNKNOWN, Injected, check_params, plan_call

T = TypeVar("T")


def default_noun(kind: str) -> str:
    """The singular of a registry's plural kind, for messages.

    Example:
        >>> [default_noun(k) for k in ("losses", "schedules", "presets", "entries")]
        ['loss', 'schedule', 'preset', 'entry']
    """
    if kind.endswith("ies"):
        return kind[:-3] + "y"
    if kind.endswith(("sses", "xes", "ches", "shes")):
        return kind[:-2]
    return kind[:-1] if kind.endswith("s") else kind


class Registry(Generic[T]):
    """Named factories of one kind of component.

    Args:
        kind: plural noun of the registry (``"losses"``); the entry-point group
            is ``lesionkit.<kind>`` and the registry is ``lesionkit.<kind>``.
        noun: singular noun for messages (``"loss"``); derived from ``kind`` if omitted.
        builtins: the built-in components as ``{name: "module:attr"}``. Nothing is
            imported until a component is used, exactly as for plugins.
        modules: modules whose import registers components with :meth:`register`;
            imported on the first listing or on a lookup of a name not yet known.
        injected: the parameters lesionkit supplies to every factory itself
            (see :class:`~lesionkit.registry.params.Injected`); used by
            :meth:`check` and :meth:`build`.
        entry_point_group: overrides the derived group name; ``None`` derives it,
            ``""`` disables plugin discovery.
    """

    def __init__(
        self,
        kind: str,
        *,
        noun: str | None = None,
        builtins: Mapping[str, str] | None = None,
        modules: Sequence[str] = (),
        injected: Sequence[Injected] = (),
        entry_point_group: str | None = None,
    ) -> None:
        self.kind = kind
        self.noun = noun or default_noun(kind)
        self.group = plugins.GROUP_PREFIX + kind if entry_point_group is None else entry_point_group
        self._modules = tuple(modules)
        self.injected: tuple[Injected, ...] = tuple(injected)
        self._entries: dict[str, Entry] = {
            name: Entry(name=name, origin=BUILTIN, target=target) for name, target in (builtins or {}).items()
        }
        self._modules_loaded = not self._modules
        self._plugins_discovered = not self.group
        self._lock = threading.RLock()
        self._importing_modules = False

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
        Built-ins and components registered in-process are kept.
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
            raise ValueError(f"{self.noun} names must be non-empty strings, got {name!r}")
        module = getattr(obj, "__module__", None) or "unknown"
        origin = BUILTIN if module.split(".")[0] == "lesionkit" else module
        with self._lock:
            current = self._entries.get(name)
            if current is not None and not override:
                if current.obj is obj:
                    return obj
                if current.obj is None and current.target == target_of(obj):
                    current.obj = obj  # the table's built-in, registered by its own module too
                    return obj
                if not same_definition(current.obj, obj):
                    raise DuplicateComponentError(
                        f"lesionkit.{self.kind} already has {name!r} (from {current.origin}); "
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
        entry = self._entries.get(name)
        if entry is None:
            self._ensure_modules()
            entry = self._entries.get(name)
        if entry is None:
            self._ensure_plugins()
            entry = self._entries.get(name)
        if entry is None:
            known = self.names()
            listing = ", ".join(known) if known else "(none)"
            raise UnknownComponentError(
                f"no {self.noun} named {name!r} in lesionkit.{self.kind}.{did_you_mean(name, known)} "
                f"Registered: {listing}"
            )
        return cast("T", self._load(entry))

    def create(self, name: str, /, **params: Any) -> Any:
        """Call the factory registered as ``name`` with exactly ``params``, checked first.

        This is the plain call, for use outside a Trainer: nothing is injected.

        Raises:
            InvalidParameterError: a parameter the factory does not accept, or a
                required one missing; the message lists the accepted ones.
        """
        factory = cast("Callable[..., Any]", self.get(name))
        check_params(factory, params, where=f"{self.noun} {name!r}")
        return factory(**params)

    def check(
        self,
        name: str,
        params: Mapping[str, Any] = {},
        *,
        provided: Mapping[str, Any] | None = None,
        where: str | None = None,
    ) -> None:
        """Check that ``build(name, params, injected=...)`` will bind, without building anything.

        Config validation calls it: the user's ``params`` must fit the factory, must not
        name an injected parameter, and every injected parameter the factory needs must
        be one lesionkit supplies.

        Args:
            provided: injected values known now (config fields such as ``data_dir``);
                injected parameters not listed are assumed to be supplied at build time.
            where: the config key of the component (``"loss"``), used in messages.

        Raises:
            UnknownComponentError: no component ``name``.
            InvalidParameterError: a parameter that cannot work (a ``ConfigError`` too);
                the message names the key and what to do.

        Example:
            >>> import lesionkit
            >>> lesionkit.heads.check("dense_dropout", {"units": 64})
            >>> lesionkit.heads.check("dense_dropout", {"num_classes": 3})
            Traceback (most recent call last):
            ...
            lesionkit.registry.errors.InvalidParameterError: params.num_classes: lesionkit passes 'num_classes' to every head (the task's number of classes); remove it from params
        """
        factory = cast("Callable[..., Any]", self.get(name))
        supplied = {inj.name: UNKNOWN for inj in self.injected}
        supplied.update(self._known(provided or {}))
        plan_call(
            factory, noun=self.noun, name=name, params=params, injected=self.injected, supplied=supplied, where=where
        )

    def build(
        self,
        name: str,
        params: Mapping[str, Any] = {},
        *,
        injected: Mapping[str, Any] = {},
        where: str | None = None,
    ) -> Any:
        """Call the factory ``name`` with the user's ``params`` plus the injected values it takes.

        The one way lesionkit builds a component from a config: the same check as
        :meth:`check`, then the call.

        Args:
            params: the user's parameters (a ``ComponentSpec.params``).
            injected: the values lesionkit supplies, by name; every ``"always"`` injected
                parameter of the registry must be given. ``"if_accepted"`` ones are passed
                only to factories that declare them; ``"config"`` ones only when not ``None``.
            where: the config key of the component, used in messages.

        Raises:
            UnknownComponentError, InvalidParameterError: as :meth:`check`.
            TypeError: ``injected`` names a parameter the registry does not inject, or
                lacks an ``"always"`` one (a bug in the caller, not a user error).

        Example:
            >>> import lesionkit
            >>> head = lesionkit.heads.build("softmax", {}, injected={"num_classes": 2})
            >>> head.num_outputs
            2
        """
        values = self._known(injected)
        lacking = [inj.name for inj in self.injected if inj.when == "always" and inj.name not in values]
        if lacking:
            raise TypeError(f"lesionkit.{self.kind}.build({name!r}) needs injected value(s) {', '.join(lacking)}")
        factory = cast("Callable[..., Any]", self.get(name))
        kwargs = plan_call(
            factory, noun=self.noun, name=name, params=params, injected=self.injected, supplied=values, where=where
        )
        return factory(**kwargs)

    def _known(self, values: Mapping[str, Any]) -> dict[str, Any]:
        declared = {inj.name for inj in self.injected}
        stray = sorted(set(values) - declared)
        if stray:
            raise TypeError(
                f"lesionkit.{self.kind} injects {', '.join(sorted(declared)) or 'nothing'}, not {', '.join(stray)}"
            )
        return dict(values)

    @property
    def injected_names(self) -> tuple[str, ...]:
        """Names of the parameters lesionkit supplies to this registry's factories."""
        return tuple(inj.name for inj in self.injected)

    def names(self, pattern: str = "*") -> list[str]:
        """Sorted registered names matching a shell-style ``pattern``."""
        self._ensure_modules()
        self._ensure_plugins()
        return sorted(n for n in self._entries if fnmatch.fnmatchcase(n, pattern))

    def entries(self, *, load: bool = False) -> list[Entry]:
        """Every entry, sorted by name; ``load=True`` imports each to find broken ones."""
        names = self.names()
        if load:
            for name in names:
                with contextlib.suppress(BrokenPluginError):
                    self._load(self._entries[name])
        return [self._entries[n] for n in names]

    def describe(self, name: str) -> str:
        """Signature (or, for a record such as a task, its value), origin and documentation of ``name``.

        Example:
            >>> import lesionkit
            >>> print(lesionkit.tasks.describe("melanoma").splitlines()[-1])
            melanoma vs every other diagnosis (ISIC 2017 part 3, task 1)
        """
        obj = self.get(name)
        entry = self._entries[name]
        if callable(obj):
            try:
                sig = str(inspect.signature(obj, eval_str=True))
            except Exception:  # annotations that cannot be evaluated: show them as written
                try:
                    sig = str(inspect.signature(obj))
                except (TypeError, ValueError):
                    sig = "(...)"
        else:
            sig = f" = {obj!r}"
        text = f"{self.kind}.{name}{sig}\n  origin: {entry.origin}\n"
        if self.injected:
            text += "  supplied by lesionkit: " + ", ".join(self.injected_names) + "\n"
        return f"{text}\n{_documentation(obj) or '(no documentation)'}"

    def summary(self, name: str) -> str:
        """First line of the documentation of ``name`` (a record's ``description``, else its docstring)."""
        doc = _documentation(self.get(name))
        return doc.splitlines()[0] if doc else ""

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return name in self._entries or name in self.names()  # a known name needs no plugin scan

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    # -- lazy loading ----------------------------------------------------------------

    def _ensure_modules(self) -> None:
        if self._modules_loaded:
            return
        with self._lock:
            if self._modules_loaded or self._importing_modules:
                return
            self._importing_modules = True
            try:
                for module in self._modules:
                    importlib.import_module(module)
                self._modules_loaded = True
            finally:
                self._importing_modules = False

    def _ensure_plugins(self) -> None:
        if self._plugins_discovered:
            return
        with self._lock:
            if self._plugins_discovered:
                return
            self._plugins_discovered = True
            for spec in plugins.discover(self.group):
                self._add_plugin(spec)
            if plugins.strict_mode():
                for entry in list(self._entries.values()):
                    if entry.plugin is not None:
                        self._load(entry)

    def _add_plugin(self, spec: plugins.PluginSpec) -> None:
        key, entry = plugin_entry(spec, self._entries.get(spec.name))
        if entry is not None:
            self._entries[key] = entry

    def _load(self, entry: Entry) -> Any:
        if entry.obj is not None:
            return entry.obj
        with self._lock:
            return load_entry(entry, noun=self.noun, group=self.group)


def _documentation(obj: Any) -> str:
    # A record (a task) describes itself; a factory by its docstring.
    description = getattr(obj, "description", None)
    if not callable(obj) and isinstance(description, str) and description.strip():
        return description.strip()
    return (inspect.getdoc(obj) or "").strip()
