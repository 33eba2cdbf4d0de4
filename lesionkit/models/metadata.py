"""A pass-through Keras layer that carries an exported model's description in its config.

Whatever the model needs to be used without its run directory (class names, task, image
size, preprocessing, temperature, threshold, test-time augmentation; see
:class:`lesionkit.evaluation.prediction.model_description.ModelDescription`) is stored as JSON in this
layer's config, so it is saved inside the ``.keras`` file and comes back with
``keras.saving.load_model`` wherever lesionkit is installed. The layer returns its input;
the exporter names it (readers look it up by that name).

Example:
    >>> import numpy as np
    >>> layer = MetadataLayer({"task": "melanoma"})
    >>> layer.metadata, layer(np.ones((1, 2), "float32")).numpy().tolist()
    ({'task': 'melanoma'}, [[1.0, 1.0]])
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import keras


@keras.saving.register_keras_serializable(package="lesionkit")
class MetadataLayer(keras.layers.Layer):
    """Identity on the model's probabilities; ``metadata`` (JSON-ready) rides in its config."""

    def __init__(self, metadata: Mapping[str, Any] | str, **kwargs: Any) -> None:
        kwargs["dtype"] = "float32"  # the probabilities stay float32, as the head makes them
        super().__init__(**kwargs)
        # Kept as JSON text: Keras would otherwise try to deserialize nested dicts as objects.
        self.metadata_json = metadata if isinstance(metadata, str) else json.dumps(dict(metadata), sort_keys=True)

    @property
    def metadata(self) -> dict[str, Any]:
        """The stored description, as plain data."""
        data: dict[str, Any] = json.loads(self.metadata_json)
        return data

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().get_config()
        config["metadata"] = self.metadata_json
        return config
