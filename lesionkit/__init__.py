"""lesionkit: skin-lesion classification with TensorFlow/Keras, built from pluggable parts.

Importing lesionkit is cheap: TensorFlow is imported only when a model, a
pipeline or a TensorFlow-backed component is first used.

Example:
    >>> import lesionkit
    >>> lesionkit.backbones.names("resnet*")
    ['resnet101', 'resnet50']
    >>> lesionkit.losses.noun, type(lesionkit.losses).__name__
    ('loss', 'Registry')
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# TensorFlow's C++ start-up chatter buries lesionkit's own output; users can still override.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_REGISTRIES = (
    "augmenters",
    "backbones",
    "heads",
    "losses",
    "schedules",
    "optimizers",
    "datasets",
    "tasks",
)
_LAZY = {
    "Trainer": ("lesionkit.training.trainer", "Trainer"),
    "Ensemble": ("lesionkit.training.ensemble", "Ensemble"),
    "Report": ("lesionkit.evaluation.reports.report", "Report"),
    "ExperimentConfig": ("lesionkit.config", "ExperimentConfig"),
    "ComponentSpec": ("lesionkit.config", "ComponentSpec"),
    "Registry": ("lesionkit.registry", "Registry"),
    "Task": ("lesionkit.task", "Task"),
    "load_model": ("lesionkit.training.export", "load_model"),
}

# Spelled out (not built from the tuples above) so linters and type checkers can read it.
__all__ = [
    "ComponentSpec",
    "Ensemble",
    "ExperimentConfig",
    "Registry",
    "Report",
    "Task",
    "Trainer",
    "__version__",
    "augmenters",
    "backbones",
    "datasets",
    "heads",
    "load_model",
    "losses",
    "optimizers",
    "presets",
    "schedules",
    "tasks",
]

if TYPE_CHECKING:
    from lesionkit import presets
    from lesionkit.config import ComponentSpec, ExperimentConfig
    from lesionkit.evaluation.reports.report import Report
    from lesionkit.registries import (
        augmenters,
        backbones,
        datasets,
        heads,
        losses,
        optimizers,
        schedules,
        tasks,
    )
    from lesionkit.registry import Registry
    from lesionkit.task import Task
    from lesionkit.training.ensemble import Ensemble
    from lesionkit.training.export import load_model
    from lesionkit.training.trainer import Trainer


def __getattr__(name: str) -> Any:
    if name in _REGISTRIES:
        from lesionkit import registries

        return getattr(registries, name)
    if name == "presets":
        return importlib.import_module("lesionkit.presets")
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'lesionkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
