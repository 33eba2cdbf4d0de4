"""A trained model as one ``.keras`` file, and loading it back with lesionkit's layers.

Example:
    >>> from lesionkit.training.export import load_model
    >>> model = load_model("melanoma.keras")              # doctest: +SKIP
    >>> p_melanoma = model.predict(images)[:, -1]         # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from lesionkit.io import atomic_path

# Modules whose import registers the custom Keras objects a saved model may refer to.
_CUSTOM_OBJECT_MODULES = (
    "lesionkit.models.preprocessing",
    "lesionkit.training.keras_metrics",
    "lesionkit.training.keras_losses",
    "lesionkit.training.keras_schedules",
)


def export_model(model: Any, path: str | Path, *, saved_model: str | Path | None = None) -> Path:
    """Save ``model`` (preprocessing included) as a ``.keras`` file, atomically.

    ``saved_model`` also writes a TensorFlow SavedModel directory for serving.

    Raises:
        ValueError: ``path`` does not end in ``.keras``.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"export path {path} must end in .keras")
    with atomic_path(path) as tmp:
        keras_tmp = tmp.with_name(tmp.name + ".keras")  # Keras insists on the suffix
        model.save(str(keras_tmp))
        keras_tmp.replace(tmp)
    if saved_model is not None:
        model.export(str(saved_model))
    return path


def load_model(path: str | Path, *, compile: bool = False) -> Any:
    """Load a ``.keras`` file written by :meth:`lesionkit.Trainer.export`.

    The model takes RGB images with values 0–255 and applies its own
    preprocessing; its last output column is the positive-class probability.
    """
    import keras

    for module in _CUSTOM_OBJECT_MODULES:
        importlib.import_module(module)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    return keras.saving.load_model(str(path), compile=compile)
