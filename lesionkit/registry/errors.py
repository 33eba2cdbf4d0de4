"""The errors a registry raises; each is a :class:`~lesionkit.errors.LesionkitError`.

They keep the builtin base they always had (``KeyError`` for an unknown name,
``TypeError`` for bad parameters...), so ``except KeyError`` in older code still works.

Example:
    >>> from lesionkit.errors import LesionkitError
    >>> issubclass(UnknownComponentError, LesionkitError) and issubclass(UnknownComponentError, KeyError)
    True
"""

from __future__ import annotations

from lesionkit.errors import ConfigError, LesionkitError


class RegistryError(LesionkitError):
    """Base class of every registry error."""


class UnknownComponentError(RegistryError, KeyError):
    """A name that is not registered; the message lists what exists."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class DuplicateComponentError(RegistryError, ValueError):
    """A second, different object registered under a taken name."""


class InvalidParameterError(RegistryError, ConfigError, TypeError):
    """Parameters that the component's factory does not accept, or a required one missing.

    It is a :class:`~lesionkit.errors.ConfigError` too: in a config, such a parameter
    is a config mistake, and the message names the key to change.
    """


class BrokenPluginError(RegistryError, ImportError):
    """A plugin's entry point (or a built-in's target) failed to load; the cause is chained."""
