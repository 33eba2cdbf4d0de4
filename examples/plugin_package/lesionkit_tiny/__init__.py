"""An example lesionkit plugin: a tiny CNN backbone and a label-smoothed loss.

Install it (``pip install examples/plugin_package``) and the components appear
in lesionkit's registries through the entry points in its ``pyproject.toml``::

    >>> import lesionkit                                   # doctest: +SKIP
    >>> "tiny_cnn" in lesionkit.backbones                  # doctest: +SKIP
    True

Nothing here imports lesionkit's registries: the factories only follow the
contracts (a backbone factory takes ``input_shape`` and ``weights`` and
returns a ``lesionkit.models.backbone.Backbone``; a loss factory returns a
Keras loss).
"""

from __future__ import annotations

from typing import Any


def tiny_cnn(input_shape: tuple[int, int, int] = (64, 64, 3), weights: str | None = None, width: int = 16) -> Any:
    """A three-stage CNN, fast enough for CPU experiments; trained from scratch only."""
    import keras

    from lesionkit.models.backbone import Backbone
    from lesionkit.models.preprocessing import CaffePreprocess

    if weights is not None:
        raise ValueError("tiny_cnn has no pretrained weights; use weights=None")
    inputs = keras.Input(input_shape)
    x = inputs
    stages: dict[str, list[str]] = {}
    for i in range(1, 4):
        names = [f"conv{i}_conv", f"conv{i}_bn", f"conv{i}_relu", f"conv{i}_pool"]
        x = keras.layers.Conv2D(width * 2 ** (i - 1), 3, padding="same", name=names[0])(x)
        x = keras.layers.BatchNormalization(name=names[1])(x)
        x = keras.layers.ReLU(name=names[2])(x)
        x = keras.layers.MaxPooling2D(name=names[3])(x)
        stages[f"conv{i}"] = names
    model = keras.Model(inputs, x, name="tiny_cnn")
    return Backbone(model=model, preprocess=CaffePreprocess(), stages=stages, name="tiny_cnn", weights=None)


def smoothed_crossentropy(smoothing: float = 0.1) -> Any:
    """Categorical cross-entropy with label smoothing."""
    import keras

    return keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)
