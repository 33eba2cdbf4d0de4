"""Pretrained weights: ImageNet through Keras's cache, or a local file, never a silent partial load."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lesionkit.errors import LesionkitError

# File names and URLs Keras uses for the no-top ResNet weights.
KERAS_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
IMAGENET_FILES = {
    "resnet50": "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "resnet101": "resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5",
}


class WeightsError(LesionkitError, RuntimeError):
    """Weights that cannot be found, downloaded or loaded; says what to do."""


def keras_cache_dir() -> Path:
    """Where Keras keeps downloaded weights (``$KERAS_HOME/models`` or ``~/.keras/models``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def resolve_imagenet(name: str) -> str:
    """Path of the cached ImageNet no-top weights for ``name``, downloading them if needed.

    Raises:
        WeightsError: the file is not cached and cannot be downloaded; the
            message names the file, the URL and the cache directory to put it in.
    """
    filename = IMAGENET_FILES[name]
    cached = keras_cache_dir() / filename
    if cached.is_file():
        return str(cached)
    import keras

    try:
        return str(
            keras.utils.get_file(filename, KERAS_WEIGHTS_URL + filename, cache_subdir="models")
        )
    except Exception as exc:  # network errors come in many types; all mean the same here
        raise WeightsError(
            f"ImageNet weights for {name} are not cached and could not be downloaded ({type(exc).__name__}). "
            f"Put the file {filename} (from {KERAS_WEIGHTS_URL + filename}) into {cached.parent}, "
            f"or use weights=None to train from scratch, or weights='/path/to/file.weights.h5'."
        ) from exc


def load_weights_file(model: Any, path: str | os.PathLike[str], *, name: str) -> None:
    """Load a weights file into ``model``; any shape mismatch or missing layer is an error."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise WeightsError(
            f"{name}: weights file {path} does not exist. Use weights=None, 'imagenet', "
            f"or the path of a file saved with model.save_weights()."
        )
    try:
        model.load_weights(str(path))
    except Exception as exc:
        raise WeightsError(
            f"{name}: weights file {path} does not fit this model ({exc}). "
            f"Check it was saved from the same backbone and input size, or use weights=None."
        ) from exc
