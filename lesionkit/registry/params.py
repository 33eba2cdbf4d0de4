"""Which keyword arguments a factory takes, and the parameters lesionkit supplies itself.

A registry declares its *injected* parameters once (:class:`Injected`): the values the
Trainer passes to every factory of that kind (a backbone's ``input_shape``, a head's
``num_classes``...). :func:`plan_call` is the one check of a factory call that both
config validation (values not known yet) and the Trainer's assembly (values known) use:

- a user parameter the factory does not take is refused, with close matches;
- a user parameter that lesionkit injects is refused (it would be overridden or clash);
- injected values are passed where the factory takes them; ``"always"`` ones must be
  taken; ``"config"`` ones come from the config field of the same name, and a set value
  the factory cannot take is an error naming that field;
- a required factory parameter that nothing supplies is refused.

Example:
    >>> def head(num_classes: int, units: int = 8) -> tuple[int, int]:
    ...     return num_classes, units
    >>> injected = [Injected("num_classes", "the task's number of classes")]
    >>> plan_call(head, noun="head", name="mine", params={"units": 4}, injected=injected, supplied={"num_classes": 2})
    {'units': 4, 'num_classes': 2}
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import attrs

from lesionkit.registry.errors import InvalidParameterError
from lesionkit.registry.messages import did_you_mean

#: How an injected parameter reaches a factory (see :class:`Injected`).
InjectWhen = Literal["always", "if_accepted", "config"]


class _Unknown:
    """Stands for an injected value that will be supplied but is not known yet (config validation)."""

    def __repr__(self) -> str:
        return "<supplied at build time>"


#: The value :meth:`Registry.check` assumes for injected parameters it is not told about.
UNKNOWN: Any = _Unknown()


@attrs.frozen
class Injected:
    """A parameter lesionkit passes to a registry's factories itself.

    Attributes:
        name: the keyword argument.
        source: where the value comes from, in words (used in messages and docs),
            e.g. ``"the task's number of classes"``.
        when: ``"always"``: every factory of the registry must take it;
            ``"if_accepted"``: passed only to factories that declare it;
            ``"config"``: the config field called ``name``, passed when set (not ``None``);
            a set value the factory cannot take, or a factory that needs it while it is
            unset, is an error naming the field.

    Example:
        >>> Injected("class_counts", "training-set class counts", when="if_accepted").when
        'if_accepted'
    """

    name: str
    source: str
    when: InjectWhen = "always"

    @property
    def option(self) -> str:
        """The command-line option that sets a config-sourced parameter (``--data-dir``)."""
        return "--" + self.name.replace("_", "-")


def accepted_params(factory: Callable[..., Any]) -> tuple[list[str], list[str], bool]:
    """(all parameter names, required names, accepts ``**kwargs``) of ``factory``.

    Example:
        >>> accepted_params(lambda a, b=1, **kw: None)
        (['a', 'b'], ['a'], True)
    """
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
    """Raise :class:`InvalidParameterError` unless ``factory(**params)`` binds.

    Example:
        >>> check_params(lambda size=1: size, {"sise": 2}, where="widget 'w'")
        Traceback (most recent call last):
        ...
        lesionkit.registry.errors.InvalidParameterError: widget 'w' has no parameter 'sise'. Did you mean 'size'? Accepted: size
    """
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


def plan_call(
    factory: Callable[..., Any],
    *,
    noun: str,
    name: str,
    params: Mapping[str, Any],
    injected: Sequence[Injected],
    supplied: Mapping[str, Any],
    where: str | None = None,
) -> dict[str, Any]:
    """The keyword arguments to call ``factory`` with: ``params`` plus the injected values it takes.

    Args:
        factory: the registered callable.
        noun: the registry's singular noun (``"loss"``), and ``name`` the component's key.
        params: the user's parameters (a config's ``params``).
        injected: the parameters the registry supplies itself.
        supplied: injected values by name; a name missing here is not passed;
            :data:`UNKNOWN` stands for a value supplied later (validation).
        where: the config key of the component (``"loss"``), used in messages.

    Raises:
        InvalidParameterError: with a message naming the parameter or config field and what to do.
    """
    label = f"{noun} {name!r}"
    names, required, var_kw = accepted_params(factory)
    by_name = {inj.name: inj for inj in injected}
    settable = [n for n in names if n not in by_name]
    prefix = f"{where}.params" if where else "params"
    for key in params:
        if key in by_name:
            raise InvalidParameterError(
                f"{prefix}.{key}: lesionkit passes {key!r} to every {noun} "
                f"({by_name[key].source}); remove it from {prefix}"
            )
        if not var_kw and key not in names:
            raise InvalidParameterError(
                f"{prefix}.{key}: {label} has no parameter {key!r}.{did_you_mean(key, settable)} "
                f"Accepted: {', '.join(settable) or '(none)'}"
            )
    kwargs = dict(params)
    for inj in injected:
        if inj.name not in supplied:
            continue
        value = supplied[inj.name]
        if inj.when == "config" and value is None:
            continue
        if var_kw or inj.name in names:
            kwargs[inj.name] = value
        elif inj.when == "always":
            raise InvalidParameterError(
                f"{label} cannot be built: lesionkit passes {inj.name!r} ({inj.source}) to every "
                f"{noun}, and its factory does not take it; add a {inj.name} parameter to the factory"
            )
        elif inj.when == "config" and value is not UNKNOWN:
            raise InvalidParameterError(
                f"{inj.name} = {value!r}: {label} does not take a {inj.name}; "
                f"remove {inj.name} from the config (the {inj.option} option)"
            )
    missing = [n for n in required if n not in kwargs]
    for param in missing:
        source = by_name.get(param)
        if source is not None and source.when == "config":
            raise InvalidParameterError(
                f"{label} needs a {param}: set {param} in the config (the {source.option} option)"
            )
    if missing:
        raise InvalidParameterError(
            f"{label} needs parameter(s) {', '.join(map(repr, missing))}: set them in {prefix}. "
            f"Accepted: {', '.join(settable) or '(none)'}"
        )
    return kwargs
