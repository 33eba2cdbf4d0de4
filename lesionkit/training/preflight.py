"""Checks a config must pass before a fit caches images or creates its run directory.

:meth:`ExperimentConfig.validate_components` checks names and parameters against the
registries. What it cannot know from the registries alone is checked here, still without
TensorFlow and in well under a second: that ``weights`` names something that exists (and
ImageNet weights a backbone that has them), and that the augmenters can run as one pipeline. A mistake found here costs the user a second;
found by :meth:`Trainer.fit` it cost the image cache and left a run directory behind.

Example:
    >>> from lesionkit.config import ExperimentConfig
    >>> check_before_fit(ExperimentConfig(weights="imagnet"))
    Traceback (most recent call last):
    ...
    lesionkit.errors.ConfigError: weights = 'imagnet': no such file or directory. Did you mean 'imagenet'? Use 'imagenet', none (train from scratch), a weights file (.weights.h5), a run directory of `lesionkit fit` or an exported .keras file (--weights on the command line)
"""

from __future__ import annotations

import warnings
from pathlib import Path

from lesionkit import registries
from lesionkit.config import ExperimentConfig
from lesionkit.errors import ConfigError
from lesionkit.registry import did_you_mean
from lesionkit.runs import RunDir, RunDirError

_WEIGHTS_CHOICES = (
    "Use 'imagenet', none (train from scratch), a weights file (.weights.h5), a run directory of "
    "`lesionkit fit` or an exported .keras file (--weights on the command line)"
)


def check_before_fit(config: ExperimentConfig) -> None:
    """Refuse a config whose ``weights`` or augmenters cannot work, before any work is done.

    Raises:
        ConfigError: naming the key, its value and what to give instead.
    """
    check_weights(config.weights)
    check_imagenet_exists(config)
    check_augmenters(config)
    check_optimisation(config)


def check_weights(weights: str | None) -> None:
    """``weights`` is ``None``, ``"imagenet"``, or an existing weights file, ``.keras`` file or finished run.

    Example:
        >>> check_weights(None), check_weights("imagenet")
        (None, None)
    """
    if weights is None or weights == "imagenet":
        return
    path = Path(weights).expanduser()
    if not path.exists():
        raise ConfigError(
            f"weights = {weights!r}: no such file or directory.{did_you_mean(weights, ['imagenet', 'none'])} "
            f"{_WEIGHTS_CHOICES}"
        )
    if path.is_dir():
        run = RunDir(path)
        if not run.is_run():
            raise ConfigError(
                f"weights = {weights!r}: a folder but not a lesionkit run directory (no {run.config_file.name}); "
                f"{_WEIGHTS_CHOICES[0].lower()}{_WEIGHTS_CHOICES[1:]}"
            )
        try:
            run.weights_file("best")
        except RunDirError as exc:
            raise ConfigError(
                f"weights = {weights!r}: the run has no checkpoint to start from ({exc}); give a run that "
                f"finished at least one epoch"
            ) from None


def check_imagenet_exists(config: ExperimentConfig) -> None:
    """``weights="imagenet"`` only for a built-in backbone that has ImageNet weights (a plugin's is its own affair).

    Example:
        >>> check_imagenet_exists(ExperimentConfig(backbone="resnet18", weights="imagenet"))
        Traceback (most recent call last):
        ...
        lesionkit.errors.ConfigError: weights = 'imagenet': backbone 'resnet18' has no ImageNet weights (Keras ships them for resnet101, resnet50 only); use weights none (from scratch), a weights file or run of resnet18, or backbone resnet50 (--weights none, or --set backbone=resnet50)
    """
    from lesionkit.models.weights import IMAGENET_FILES

    name = config.backbone.name
    if config.weights != "imagenet" or name in IMAGENET_FILES:
        return
    builtin = {entry.name for entry in registries.backbones.entries() if entry.origin == "built-in"}
    if name in builtin:
        raise ConfigError(
            f"weights = 'imagenet': backbone {name!r} has no ImageNet weights (Keras ships them for "
            f"{', '.join(sorted(IMAGENET_FILES))} only); use weights none (from scratch), a weights file or run of "
            f"{name}, or backbone resnet50 (--weights none, or --set backbone=resnet50)"
        )


def check_optimisation(config: ExperimentConfig) -> None:
    """The schedule, optimizer and loss build with the config's values (a stand-in epoch of one step).

    Their factories check values (``alpha`` in [0, 1], ``gamma`` >= 0...) only when called; called
    here, a bad one stops the fit before any work, named by its config key
    (``schedule.params.alpha = 2.0: ...``). Imports Keras: it comes right before training.
    """
    from lesionkit.errors import LesionkitError
    from lesionkit.task import get_task

    counts = (1,) * get_task(config.task).num_classes
    key = "schedule"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a warm-up longer than a one-step stand-in epoch is no news
            schedule = registries.schedules.build(
                config.schedule.name,
                config.schedule.params,
                injected={"learning_rate": config.learning_rate, "steps_per_epoch": 1, "epochs": config.epochs},
                where=key,
            )
            key = "optimizer"
            registries.optimizers.build(
                config.optimizer.name, config.optimizer.params, injected={"learning_rate": schedule}, where=key
            )
            key = "loss"
            registries.losses.build(config.loss.name, config.loss.params, injected={"class_counts": counts}, where=key)
    except LesionkitError as exc:
        spec = getattr(config, key)
        message = str(exc)
        param = message.split(" = ", 1)[0]
        where = f"{key}.params." if param in spec.params else f"{key} {spec.name!r}: "
        raise ConfigError(f"{where}{message}") from None


def check_augmenters(config: ExperimentConfig) -> None:
    """The config's augmenters build and share one backend (all ``tf`` or all ``numpy``).

    Building an augmenter imports neither TensorFlow nor imgaug's heavy parts; running it would.
    """
    backends: list[tuple[str, str]] = []
    for index, spec in enumerate(config.augmenters):
        augmenter = registries.augmenters.create(spec.name, **spec.params)
        backends.append((f"augmenters[{index}] {spec.name!r}", str(getattr(augmenter, "backend", "tf"))))
    if len({backend for _, backend in backends}) > 1:
        listed = ", ".join(f"{where} ({backend})" for where, backend in backends)
        raise ConfigError(
            f"augmenters: one pipeline cannot mix backends: {listed}; give every augmenter the same backend "
            f"(params backend='tf' for all, or backend='imgaug' for all; `lesionkit plugins augmenters` lists them)"
        )
