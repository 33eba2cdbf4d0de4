"""Freeze policies: which named stages of a backbone train.

=================  =====================================================
policy             trainable backbone layers
=================  =====================================================
``"none"``         every layer (training from scratch, full fine-tuning)
``"conv5"``        stage ``conv5`` only (the paper's best fine-tuning)
``"conv4_conv5"``  stages ``conv4`` and ``conv5`` (the paper's other one)
``"all"``          none: the backbone is a fixed feature extractor (linear probe)
=================  =====================================================

Frozen layers are set ``trainable = False``. Keras 3 then runs their
BatchNormalization in inference mode (moving statistics used, never updated),
even when the model is called with ``training=True``: what fine-tuning needs.
The head is not part of the backbone and always trains.

:data:`POLICIES` is the one list of policies (``ExperimentConfig.trainable`` is checked
against it), so this module imports no TensorFlow at import time.

Example:
    >>> import lesionkit
    >>> bb = lesionkit.backbones.create("resnet50", input_shape=(32, 32, 3), weights=None)
    >>> names = apply_freeze_policy(bb, "conv5")
    >>> len(names), names[0]
    (20, 'conv5_block1_1_conv')
"""

from __future__ import annotations

from typing import Any

from lesionkit.errors import LesionkitError
from lesionkit.models.backbone import Backbone
from lesionkit.registry import did_you_mean

#: Policy → stages that stay trainable ("*" = every layer); ``lesionkit.vocabulary.FREEZE_POLICIES`` names them.
POLICIES: dict[str, tuple[str, ...]] = {
    "none": ("*",),
    "conv5": ("conv5",),
    "conv4_conv5": ("conv4", "conv5"),
    "all": (),
}


class FreezePolicyError(LesionkitError, ValueError):
    """An unknown policy, or a policy naming stages the backbone does not have."""


def apply_freeze_policy(backbone: Backbone, policy: str) -> list[str]:
    """Set the trainability of ``backbone.model``'s layers; return the trainable ones with weights.

    Args:
        backbone: the backbone to change in place.
        policy: ``"none"``, ``"conv5"``, ``"conv4_conv5"`` or ``"all"`` (see the module docs).

    Returns:
        Names of the layers that hold weights and will train, in model order.

    Raises:
        FreezePolicyError: unknown policy, or a stage the backbone does not have
            (a plugin backbone must name its stages ``conv4``/``conv5`` to support them).
    """
    if policy not in POLICIES:
        raise FreezePolicyError(
            f"trainable = {policy!r} is not a freeze policy.{did_you_mean(str(policy), list(POLICIES))} "
            f"Choose one of: {', '.join(POLICIES)}"
        )
    keep = POLICIES[policy]
    model: Any = backbone.model
    missing = [s for s in keep if s != "*" and s not in backbone.stages]
    if missing:
        raise FreezePolicyError(
            f"backbone {backbone.name!r} has no stage(s) {', '.join(missing)} needed by policy {policy!r}; "
            f"its stages: {', '.join(backbone.stages) or '(none)'}. Use trainable='none' or 'all'."
        )
    trainable = {name for stage in keep if stage != "*" for name in backbone.stages[stage]}
    # The model flag must be on, or Keras ignores every per-layer flag below it.
    model.trainable = True
    for layer in model.layers:
        layer.trainable = keep == ("*",) or layer.name in trainable
    return trainable_layer_names(backbone)


def trainable_layer_names(backbone: Backbone) -> list[str]:
    """Names of the backbone layers that hold weights and are trainable, in model order."""
    model: Any = backbone.model
    if not model.trainable:
        return []
    return [layer.name for layer in model.layers if layer.trainable and layer.weights]
