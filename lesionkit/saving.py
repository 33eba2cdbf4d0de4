"""Loading exported models with their lesionkit layers (preprocessing, metrics, schedules)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

# Modules whose import registers the custom Keras objects a saved model may refer to.
_CUSTOM_OBJECT_MODULES = (
    "lesionkit.models.preprocessing",
    "lesionkit.keras_metrics",
    "lesionkit.schedules",
    "lesionkit.losses",
)


def load_model(path: str | Path, *, compile: bool = False) -> Any:
    """Load a ``.keras`` file written by :meth:`lesionkit.Trainer.export`.

    The model takes RGB images with values 0–255 and applies its own
    preprocessing; its last output column is the positive-class probability.

    Example:
        >>> model = load_model("melanoma.keras")              # doctest: +SKIP
        >>> p_melanoma = model.predict(images)[:, -1]         # doctest: +SKIP
    """
    import keras

    for module in _CUSTOM_OBJECT_MODULES:
        importlib.import_module(module)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    return keras.saving.load_model(str(path), compile=compile)
