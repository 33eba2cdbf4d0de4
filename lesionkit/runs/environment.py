"""What a run records about the software it ran on (``environment.json``)."""

from __future__ import annotations

import datetime as _dt
import platform
import sys
from typing import Any


def environment(seed: int, config: Any = None) -> dict[str, Any]:
    """Versions of everything that can change a result, the plugins loaded, the seed, the runtime settings.

    With the run's ``config``, also the dtype policy its model is built under and where it
    came from (``precision``: your config, this host's profile, or the default).

    Example:
        >>> sorted(environment(0))[:3]  # doctest: +SKIP
        ['devices', 'keras', 'lesionkit']
    """
    import keras
    import numpy as np
    import tensorflow as tf

    import lesionkit
    from lesionkit.registries import ALL
    from lesionkit.runtime.settings import active_settings

    plugins = sorted({e.origin for r in ALL.values() for e in r.entries() if e.plugin is not None})
    return {
        "lesionkit": lesionkit.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "devices": [d.name for d in tf.config.list_logical_devices()],
        "plugins": plugins,
        "seed": seed,
        # oneDNN, thread pools and XLA in force, and where each came from (lesionkit.runtime.settings).
        "runtime": runtime.to_dict() if (runtime := active_settings()) is not None else None,
        "precision": _precision(config),
        "started": _dt.datetime.now().isoformat(timespec="seconds"),
    }


def _precision(config: Any) -> dict[str, Any] | None:
    if config is None:
        return None
    from lesionkit.runtime.precision import resolve_precision

    return resolve_precision(config.precision, config.backbone.name, config.image_size).to_dict()
