"""Grad-CAM saliency: where in an image the backbone's last stage found the evidence for a class.

Grad-CAM (Selvaraju et al. 2017) weights each channel of a feature map by the mean
gradient of the class score with respect to it, keeps the positive part of the weighted
sum, and scales it up to the image. lesionkit takes the feature map at the end of the
backbone's last stage (``conv5`` of the ResNets; for a plugin backbone, the last stage its
:class:`~lesionkit.models.backbone.Backbone` record names). The class score is the
log-probability of the class, so a confident prediction still has a gradient.

Which layer that is travels with the model: :func:`~lesionkit.models.assemble.build_classifier`
records it as ``"<backbone model>/<layer>"`` and an exported model keeps it in its metadata;
for other models the last four-dimensional output of a nested backbone is used.

Example:
    >>> import numpy as np, keras
    >>> inputs = keras.Input((16, 16, 3))
    >>> features = keras.layers.Conv2D(2, 3, padding="same", name="features")(inputs)
    >>> pooled = keras.layers.GlobalAveragePooling2D()(features)
    >>> model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(pooled))
    >>> maps = gradcam(model, np.zeros((1, 16, 16, 3)), layer="features")
    >>> maps.shape, bool(maps.min() >= 0 and maps.max() <= 1)
    ((1, 16, 16), True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lesionkit.errors import LesionkitError

#: The attribute of a built classifier, and the metadata key of an exported one, naming the Grad-CAM layer.
TARGET_ATTRIBUTE = "gradcam_layer"
#: Images per gradient computation (bounds the memory of the tape).
BATCH = 16


class GradCAMError(LesionkitError, ValueError):
    """A Grad-CAM layer that the model does not have, or a model without a spatial feature map."""


def target_layer(model: Any) -> str:
    """The layer Grad-CAM reads, as ``"<nested model>/<layer>"`` or ``"<layer>"``.

    In order: the name recorded on the model (by ``build_classifier``) or in its exported
    metadata; else the output of the first nested model (the backbone) when it is a
    feature map; else the last layer of ``model`` with a four-dimensional output.

    Raises:
        GradCAMError: no layer of the model has a spatial (four-dimensional) output.
    """
    recorded = getattr(model, TARGET_ATTRIBUTE, None)
    if isinstance(recorded, str) and recorded:
        return recorded
    from lesionkit.evaluation.prediction.model_description import read_model_description

    metadata = read_model_description(model)
    if metadata is not None and metadata.gradcam_layer:
        return metadata.gradcam_layer
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers and _is_map(layer.outputs[0]):
            return f"{layer.name}/{layer.layers[-1].name}"
    for layer in reversed(model.layers):
        if _is_map(getattr(layer, "output", None)):
            return str(layer.name)
    raise GradCAMError(f"model {model.name!r} has no layer with a spatial (N, H, W, C) output for Grad-CAM")


def _is_map(tensor: Any) -> bool:
    return tensor is not None and len(tensor.shape) == 4


def _split_model(model: Any, layer: str) -> tuple[Any, Any, Any]:
    """(pre, features, post): ``model(x) == post(features(pre(x))[1])``, ``features`` also giving the map."""
    import keras

    nested, _, name = layer.rpartition("/")
    try:
        owner = model.get_layer(nested) if nested else model
        feature_layer = owner.get_layer(name)
    except ValueError:
        raise GradCAMError(
            f"model {model.name!r} has no layer {layer!r} for Grad-CAM; give one of "
            f"{[lay.name for lay in model.layers]} (or '<nested model>/<layer>')"
        ) from None
    if not _is_map(feature_layer.output):
        raise GradCAMError(f"Grad-CAM layer {layer!r} outputs {feature_layer.output.shape}, not a (N, H, W, C) map")
    if not nested:
        features = keras.Model(model.input, [feature_layer.output, model.outputs[0]])
        return None, features, None
    # The nested model is called once in the classifier's graph: its node there links the
    # classifier's tensors before and after it (Keras keeps no public accessor for it).
    node = owner._inbound_nodes[0]
    pre = keras.Model(model.input, node.input_tensors[0])
    post = keras.Model(node.output_tensors[0], model.outputs[0])
    features = keras.Model(owner.input, [feature_layer.output, owner.outputs[0]])
    return pre, features, post


def gradcam(
    model: Any, images: Any, *, class_index: int | np.ndarray | None = None, layer: str | None = None
) -> np.ndarray:
    """Grad-CAM maps ``(N, H, W)`` in 0…1 of 0–255 RGB ``images`` ``(N, H, W, 3)``.

    Args:
        model: a classifier whose last output is class probabilities (a lesionkit model,
            trained or exported).
        class_index: the class to explain, one for all images or one per image; default
            the predicted class of each image. A one-unit sigmoid model has classes 0 and 1.
        layer: the feature layer (``"<nested model>/<layer>"``); default :func:`target_layer`.

    Each map is scaled so its maximum is 1; a map with no positive evidence is all zeros.

    Raises:
        GradCAMError: ``layer`` is not in the model or has no spatial output.
    """
    import tensorflow as tf

    array = np.asarray(images, dtype=np.float32)
    if array.ndim == 3:
        array = array[None]
    pre, features, post = _split_model(model, layer or target_layer(model))
    maps = []
    for start in range(0, len(array), BATCH):
        x = tf.constant(array[start : start + BATCH])
        n = int(x.shape[0])
        with tf.GradientTape() as tape:
            feature_map, backbone_out = features(x if pre is None else pre(x), training=False)
            probabilities = backbone_out if post is None else post(backbone_out, training=False)
            probabilities = tf.cast(probabilities, tf.float32)
            if probabilities.shape[-1] == 1:  # one sigmoid unit: (1 - p, p)
                probabilities = tf.concat([1.0 - probabilities, probabilities], axis=-1)
            chosen = _classes(class_index, probabilities.numpy(), start, n)
            score = tf.math.log(tf.gather(probabilities, chosen, axis=1, batch_dims=1) + 1e-12)
        gradients = tf.cast(tape.gradient(score, feature_map), tf.float32)
        feature_map = tf.cast(feature_map, tf.float32)
        weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(weights * feature_map, axis=-1, keepdims=True))
        cam = tf.image.resize(cam, array.shape[1:3], method="bilinear")[..., 0].numpy()
        peak = cam.max(axis=(1, 2), keepdims=True)
        maps.append(np.where(peak > 0, cam / np.where(peak > 0, peak, 1.0), 0.0))
    return np.concatenate(maps).astype(np.float32)


def _classes(class_index: int | np.ndarray | None, probabilities: np.ndarray, start: int, n: int) -> np.ndarray:
    if class_index is None:
        return np.argmax(probabilities, axis=1).astype(np.int32)
    given = np.asarray(class_index, dtype=np.int32)
    chosen = np.full(n, int(given), np.int32) if given.ndim == 0 else given[start : start + n]
    if np.any(chosen < 0) or np.any(chosen >= probabilities.shape[1]):
        raise GradCAMError(f"class_index {class_index!r} is out of range for {probabilities.shape[1]} classes")
    return np.asarray(chosen, np.int32)
