"""A component named by registry key with its parameters, as frozen, JSON-safe data.

:class:`ComponentSpec` is how an :class:`~lesionkit.config.ExperimentConfig` names every
replaceable part (backbone, head, loss, schedule, augmenters...). Its parameters are frozen
(read-only dicts, tuples) so a config can be hashed and compared, and are checked to be JSON
values so that a config always round-trips through ``config.json``.

Example:
    >>> spec = ComponentSpec.from_dict({"name": "focal", "params": {"gamma": 2.0}})
    >>> spec.to_dict()
    {'name': 'focal', 'params': {'gamma': 2.0}}
    >>> with_nested(thaw_spec(spec), ["params", "gamma"], 1.0, "loss.params.gamma")["params"]
    {'gamma': 1.0}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from lesionkit.errors import ConfigError
from lesionkit.registry import did_you_mean

__all__ = ["ComponentSpec", "as_spec", "as_specs", "freeze", "thaw", "thaw_spec", "with_nested"]


def freeze(value: Any) -> Any:
    """Deep-copy JSON-like data into hashable, immutable containers."""
    if isinstance(value, Mapping):
        return FrozenDict({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The inverse of :func:`freeze`: plain dicts and lists, ready for JSON."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


class FrozenDict(dict):
    """A dict that refuses mutation and hashes by content (params of a frozen config)."""

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("config parameters are immutable; use ExperimentConfig.evolve()")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


def check_json_value(path: str, value: Any) -> None:
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"{path} = {value!r}: only finite numbers can be saved in a config")
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ConfigError(f"{path}: keys must be strings, got {k!r}")
            check_json_value(f"{path}.{k}", v)
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            check_json_value(f"{path}[{i}]", v)
        return
    raise ConfigError(
        f"{path} = {value!r}: parameters must be JSON values (numbers, strings, booleans, "
        f"null, lists, mappings), got {type(value).__name__}"
    )


def params_converter(value: Any) -> Any:
    if value is None:
        return FrozenDict()
    if not isinstance(value, Mapping):
        raise ConfigError(f"params must be a mapping, got {value!r}")
    check_json_value("params", value)
    return freeze(value)


@attrs.frozen
class ComponentSpec:
    """A registry key plus the keyword parameters for its factory.

    Example:
        >>> ComponentSpec("resnet50", {"width": 1}).to_dict()
        {'name': 'resnet50', 'params': {'width': 1}}
        >>> ComponentSpec.from_dict("softmax")
        ComponentSpec(name='softmax', params={})
    """

    name: str = attrs.field(validator=attrs.validators.instance_of(str))
    params: Mapping[str, Any] = attrs.field(factory=dict, converter=params_converter)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "params": thaw(self.params)}

    @classmethod
    def from_dict(cls, data: Any, *, path: str = "component") -> ComponentSpec:
        """Build from ``"name"`` or ``{"name": ..., "params": {...}}``."""
        if isinstance(data, ComponentSpec):
            return data
        if isinstance(data, str):
            return cls(data)
        if not isinstance(data, Mapping):
            raise ConfigError(f"{path} must be a registry name or {{'name': ..., 'params': {{...}}}}, got {data!r}")
        unknown = set(data) - {"name", "params"}
        if unknown:
            key = sorted(unknown)[0]
            raise ConfigError(
                f"{path} has unknown key {key!r}.{did_you_mean(key, ['name', 'params'])} "
                f"Put component parameters under {path}.params"
            )
        if "name" not in data:
            raise ConfigError(f"{path} needs a 'name' (a registry key)")
        try:
            return cls(data["name"], data.get("params") or {})
        except (TypeError, ConfigError) as exc:
            raise ConfigError(f"{path}: {exc}") from None


def thaw_spec(value: Any) -> Any:
    """A component value (or tuple of them) as plain, editable dicts and lists."""
    if isinstance(value, ComponentSpec):
        return value.to_dict()
    if isinstance(value, str):
        return {"name": value, "params": {}}
    if isinstance(value, (tuple, list)):
        return [thaw_spec(v) for v in value]
    return thaw(value)


def with_nested(container: Any, path: list[str], value: Any, key: str) -> Any:
    """``container`` with the value at ``path`` (dict keys, list indices) set to ``value``."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(container, list):
        if not head.isdigit() or int(head) >= len(container):
            raise ConfigError(
                f"{key}: {head!r} is not an index of a list of {len(container)} (use 0 to {len(container) - 1})"
            )
        container[int(head)] = with_nested(container[int(head)], rest, value, key)
        return container
    if not isinstance(container, dict):
        raise ConfigError(f"{key}: {head!r} is inside {container!r}, which has no keys; set the part before it")
    container[head] = with_nested(container.get(head, {}), rest, value, key)
    return container


def as_spec(value: Any) -> ComponentSpec:
    return ComponentSpec.from_dict(value)


def as_specs(value: Any) -> tuple[ComponentSpec, ...]:
    if isinstance(value, (str, Mapping, ComponentSpec)):
        value = [value]
    return tuple(ComponentSpec.from_dict(v, path=f"augmenters[{i}]") for i, v in enumerate(value))
