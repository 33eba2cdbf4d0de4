"""The errors and warnings of :mod:`lesionkit.runtime` (no TensorFlow).

Example:
    >>> from lesionkit.errors import LesionkitError
    >>> issubclass(RuntimeConfigError, LesionkitError) and issubclass(RuntimeSettingsError, ValueError)
    True
"""

from __future__ import annotations

from lesionkit.errors import LesionkitError


class RuntimeSettingsError(LesionkitError, ValueError):
    """A runtime setting that cannot be used (unknown purpose, unreadable value or profile)."""


class RuntimeConfigError(LesionkitError, ValueError):
    """An unknown strategy or precision name, or an unusable ``TF_CONFIG``."""


class OtherWorkerFailedError(LesionkitError):
    """Another worker of a multi-worker run failed a step that all workers must pass together."""


class RuntimeProfileWarning(UserWarning):
    """A cached runtime profile was unreadable or stale and defaults were used instead."""


class RuntimeAlreadyImportedWarning(UserWarning):
    """TensorFlow was imported before the runtime settings could apply."""
