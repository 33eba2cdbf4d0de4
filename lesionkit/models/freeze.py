"""Freeze policies: which named stages of a backbone train.

Frozen layers are set ``trainable = False``; Keras then runs their
BatchNormalization in inference mode (moving statistics, no updates), which is
what fine-tuning needs.
"""

from __future__ import annotations

from typing import Any

from lesionkit.models.backbone import Backbone

# Policy → stages that stay trainable ("*" = every layer).
POLICIES: dict[str, tuple[str, ...]] = {
    "none": ("*",),
    "conv5": ("conv5",),
    "conv4_conv5": ("conv4", "conv5"),
    "all": (),
}


def apply_freeze_policy(backbone: Backbone, policy: str) -> list[str]:
    """Set trainability of ``backbone.model`` layers; return the trainable layer names.

    Raises:
        ValueError: unknown policy, or a stage the backbone does not have.
    """
    if policy not in POLICIES:
        raise ValueError(f"trainable = {policy!r}: choose one of {', '.join(POLICIES)}")
    keep = POLICIES[policy]
    model: Any = backbone.model
    if keep == ("*",):
        model.trainable = True
        for layer in model.layers:
            layer.trainable = True
        return [layer.name for layer in model.layers if layer.weights]
    missing = [s for s in keep if s not in backbone.stages]
    if missing:
        raise ValueError(
            f"backbone {backbone.name!r} has no stage(s) {missing} for policy {policy!r}; "
            f"its stages: {', '.join(backbone.stages)}"
        )
    trainable = {name for stage in keep for name in backbone.stages[stage]}
    model.trainable = True
    for layer in model.layers:
        layer.trainable = layer.name in trainable
    return [layer.name for layer in model.layers if layer.trainable and layer.weights]
