"""The registry instances, one per kind of component, and what lesionkit injects into each.

Built-ins are listed as ``name -> "module:attr"`` targets and loaded on first use, the way
entry-point plugins in the group ``lesionkit.<kind>`` are; listing a registry, describing a
component or validating a config imports no TensorFlow. (Some registries also name modules
whose import registers components with a decorator; those modules are TensorFlow-free too.)

Each registry declares the parameters lesionkit supplies to its factories itself
(:class:`~lesionkit.registry.Injected`); ``Registry.check`` and ``Registry.build`` use them.

Example:
    >>> import lesionkit
    >>> "resnet50" in lesionkit.backbones
    True
    >>> lesionkit.schedules.injected_names
    ('learning_rate', 'steps_per_epoch', 'epochs')
"""

from __future__ import annotations

from typing import Any

from lesionkit.registry import Injected, Registry

_LOSSES = "lesionkit.training.optimization.losses"
_OPTIMIZERS = "lesionkit.training.optimization.optimizers"
_SCHEDULES = "lesionkit.training.optimization.schedules"

augmenters: Registry[Any] = Registry("augmenters", modules=["lesionkit.augment.builtins"])
backbones: Registry[Any] = Registry(
    "backbones",
    modules=["lesionkit.models.backbones", "lesionkit.models.resnet_basic"],
    injected=[
        Injected("input_shape", "(image_size, image_size, 3) from the config"),
        Injected("weights", "the config's weights"),
    ],
)
heads: Registry[Any] = Registry(
    "heads",
    modules=["lesionkit.models.heads"],
    injected=[Injected("num_classes", "the task's number of classes")],
)
losses: Registry[Any] = Registry(
    "losses",
    noun="loss",
    builtins={
        "weighted_categorical_crossentropy": f"{_LOSSES}:weighted_categorical_crossentropy",
        "crossentropy": f"{_LOSSES}:crossentropy",
        "focal": f"{_LOSSES}:focal",
    },
    injected=[
        Injected(
            "class_counts",
            "the training set's images per class after balancing ((negatives, positives) for a binary task)",
            when="if_accepted",
        )
    ],
)
schedules: Registry[Any] = Registry(
    "schedules",
    builtins={
        "step_decay": f"{_SCHEDULES}:step_decay",
        "constant": f"{_SCHEDULES}:constant",
        "cosine": f"{_SCHEDULES}:cosine",
    },
    injected=[
        Injected("learning_rate", "the config's learning_rate"),
        Injected("steps_per_epoch", "optimizer steps in one training epoch"),
        Injected("epochs", "the config's epochs"),
    ],
)
optimizers: Registry[Any] = Registry(
    "optimizers",
    builtins={
        "sgd": f"{_OPTIMIZERS}:sgd",
        "adam": f"{_OPTIMIZERS}:adam",
        "adamw": f"{_OPTIMIZERS}:adamw",
    },
    injected=[Injected("learning_rate", "the schedule built from the config's schedule and learning_rate")],
)
datasets: Registry[Any] = Registry(
    "datasets",
    modules=["lesionkit.data.sources.builtins"],
    injected=[
        Injected("data_dir", "the config's data_dir", when="config"),
        Injected("cache_dir", "the config's cache_dir", when="if_accepted"),
    ],
)
presets: Registry[Any] = Registry("presets", modules=["lesionkit.presets"])
tasks: Registry[Any] = Registry(
    "tasks",
    builtins={
        "melanoma": "lesionkit.task:MELANOMA_TASK",
        "seborrheic_keratosis": "lesionkit.task:SEBORRHEIC_KERATOSIS_TASK",
        "isic2017_3class": "lesionkit.task:ISIC2017_3CLASS_TASK",
        "dx7": "lesionkit.task:DX7_TASK",
        "dx8": "lesionkit.task:DX8_TASK",
    },
)

ALL: dict[str, Registry[Any]] = {
    r.kind: r for r in (augmenters, backbones, heads, losses, schedules, optimizers, datasets, presets, tasks)
}
