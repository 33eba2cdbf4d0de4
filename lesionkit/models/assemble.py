"""Assembling a classifier: raw pixels → backbone preprocessing → backbone → head."""

from __future__ import annotations

from typing import Any

from lesionkit.models.backbone import Backbone


def build_classifier(
    backbone: Backbone,
    head: Any,
    *,
    image_size: int,
    name: str = "lesion_classifier",
    color_constancy: str | None = None,
) -> Any:
    """A Keras model taking float RGB 0–255 images of ``image_size`` pixels.

    The preprocessing layer is part of the model, so saving and loading it
    keeps the input convention attached to the weights; so is the colour constancy
    layer when ``color_constancy`` names a method (:mod:`lesionkit.models.color_constancy`). The model's ``gradcam_layer``
    names the end of the backbone's last stage (``"<backbone model>/<layer>"``), the
    feature map Grad-CAM explains.
    """
    import keras

    inputs = keras.Input((image_size, image_size, 3), name="image", dtype="float32")
    x = inputs
    if color_constancy is not None:
        from lesionkit.models.color_constancy import color_constancy_layer

        x = color_constancy_layer(color_constancy)(x)
    x = backbone.preprocess(x)
    x = backbone.model(x)
    outputs = head(x)
    model = keras.Model(inputs, outputs, name=name)
    model.gradcam_layer = last_stage_layer(backbone)
    return model


def last_stage_layer(backbone: Backbone) -> str | None:
    """``"<backbone model>/<last layer of the last stage>"`` (``conv5``'s for a ResNet), or None without stages."""
    stages = [layers for layers in backbone.stages.values() if layers]
    return f"{backbone.model.name}/{stages[-1][-1]}" if stages else None
