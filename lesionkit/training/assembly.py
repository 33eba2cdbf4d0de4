"""Assembling an experiment from its config, as plain functions: data, augmentation, model, optimisation.

Each function takes the :class:`~lesionkit.config.ExperimentConfig` (and what
the step before it made) and returns one part; the Trainer calls them in order.
They can be called, read and tested alone. Those that need the task take it resolved
(a :class:`~lesionkit.task.Task`): the Trainer resolves the config's once (``Trainer.task``).

Example:
    >>> from lesionkit.config import ExperimentConfig
    >>> from lesionkit.task import get_task
    >>> from lesionkit.training.assembly import augmenter_from_config, monitor_for
    >>> cfg = ExperimentConfig(augmenters=[{"name": "flip"}], augment_workers=0)
    >>> augmenter_from_config(cfg).backend
    'tf'
    >>> monitor_for(get_task(cfg.task), has_validation=False)
    'auc'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from lesionkit import registries
from lesionkit.config import ExperimentConfig
from lesionkit.data.splitting.split import Dataset, Split, dataset_task
from lesionkit.evaluation.stats.metric_names import METRIC_NAMES
from lesionkit.task import FROM_DATASET, Task

# -- data ----------------------------------------------------------------------------------


def dataset_from_config(cfg: ExperimentConfig) -> Dataset:
    """The dataset named by ``cfg`` (``data_dir``/``cache_dir`` passed where it reads them).

    Raises:
        InvalidParameterError: ``data_dir`` given to a dataset that reads none.
    """
    injected = {"data_dir": cfg.data_dir, "cache_dir": cfg.cache_dir}
    return registries.datasets.build(cfg.dataset.name, cfg.dataset.params, injected=injected, where="dataset")


def resolve_task(cfg: ExperimentConfig) -> tuple[ExperimentConfig, Dataset | None]:
    """``cfg`` with task ``from_dataset`` spelled out as the dataset's classes, and the dataset read for it.

    The spelled task (``classes:nevus,melanoma,other_benign``) is what the run directory keeps,
    so the run, its reports and its export know their classes without the data. Any other task:
    ``(cfg, None)``, nothing read.
    """
    if cfg.task != FROM_DATASET:
        return cfg, None
    dataset = dataset_from_config(cfg)
    return cfg.evolve(task=dataset_task(dataset).name), dataset


def external_data(cfg: ExperimentConfig, data: Mapping[str, Any] | None) -> tuple[ExperimentConfig, str]:
    """``cfg`` on other data (``dataset``, ``data_dir``, ``cache_dir``), and its report folder prefix.

    Example:
        >>> cfg, prefix = external_data(ExperimentConfig(), {"dataset": "folder", "data_dir": "/data/ph2"})
        >>> cfg.dataset.name, prefix
        ('folder', 'folder-ph2')

    Raises:
        ValueError: ``data`` changes anything else (the model is fixed).
    """
    if not data:
        return cfg, ""
    unknown = set(data) - {"dataset", "data_dir", "cache_dir"}
    if unknown:
        raise ValueError(
            f"data= may only change dataset, data_dir and cache_dir (the model is fixed), not {', '.join(sorted(unknown))}"
        )
    cfg = cfg.evolve(**data)
    return cfg, cfg.dataset.name + (f"-{Path(cfg.data_dir).name}" if cfg.data_dir else "")


def augmenter_from_config(cfg: ExperimentConfig, workers: int | None = None) -> Any:
    """The config's augmenters as one (``None`` without any); numpy ones in ``workers`` processes.

    ``workers`` defaults to ``cfg.augment_workers``; 0 runs them in this process.
    """
    from lesionkit.augment.base import Compose

    if not cfg.augmenters:
        return None
    steps = [registries.augmenters.create(s.name, **s.params) for s in cfg.augmenters]
    augmenter = steps[0] if len(steps) == 1 else Compose(steps)
    workers = cfg.augment_workers if workers is None else workers
    if workers > 0 and augmenter.backend == "numpy":
        from lesionkit.augment.parallel import ParallelNumpyAugmenter

        # imgaug holds the GIL: worker processes let it use more than one core.
        augmenter = ParallelNumpyAugmenter(augmenter, workers=workers)
    return augmenter


class TrainData(NamedTuple):
    """The training pipeline and what the optimisation needs to know about it.

    ``from_epoch(e)``: the pipeline of the run's epochs ``e`` to the last, back to back
    (``steps_per_epoch`` batches each; fit it with ``steps_per_epoch``). Epoch ``e``'s order
    and augmentation depend on the config's seed and ``e`` alone, so a run resumed at ``e``
    trains on what an uninterrupted run would.
    """

    from_epoch: Callable[[int], Any]
    steps_per_epoch: int
    class_counts: tuple[int, ...]
    class_weights: dict[int, float] | None

    @property
    def dataset(self) -> Any:
        """The whole run's pipeline: every epoch, from the first."""
        return self.from_epoch(0)


def train_data(cfg: ExperimentConfig, task: Task, split: Split, num_outputs: int) -> TrainData:
    """The shuffled, balanced, augmented training pipeline of ``split`` (``task``: the config's, resolved)."""
    import tensorflow as tf

    from lesionkit.data.loading.pipeline import make_pipeline
    from lesionkit.data.splitting.balancing import class_weights, repeats_for

    # The pipeline's shuffle and augmentation draws are stateless, from (cfg.seed, epoch). TensorFlow's
    # global seed, which building a model sets (model_from_config), is cleared all the same, so
    # nothing built here can pair a draw with it: a second run of a config in one process repeats
    # the first, as in a fresh process.
    tf.random.set_seed(None)
    labels = split.labels(task)
    repeats = repeats_for(cfg.balance, split.diagnosis, task)
    images, augmenter = split.load_images(cfg.image_size), augmenter_from_config(cfg)

    def from_epoch(first: int) -> Any:
        return make_pipeline(
            images,
            labels,
            num_outputs=num_outputs,
            batch_size=cfg.batch_size,
            training=True,
            repeats=repeats,
            augmenter=augmenter,
            seed=cfg.seed,
            deterministic=cfg.deterministic,
            epochs=range(first, cfg.epochs),
        )

    total = int(repeats.sum())
    weights = class_weights(labels) if cfg.balance == "class_weights" else None
    # The pipeline drops a short last batch.
    return TrainData(from_epoch, max(total // cfg.batch_size, 1), class_counts_of(task, labels, repeats), weights)


def class_counts_of(task: Task, labels: np.ndarray, repeats: np.ndarray) -> tuple[int, ...]:
    """Training images per class after balancing, as losses receive them.

    ``(negatives, positives)`` for a binary task; one count per class, in class order, otherwise.

    Example:
        >>> from lesionkit.task import get_task
        >>> class_counts_of(get_task("isic2017_3class"), np.array([0, 0, 1, 2]), np.array([1, 1, 2, 3]))
        (2, 2, 3)
    """
    if task.is_binary:
        positives = int(repeats[np.isin(labels, task.positive_indices)].sum())
        return (int(repeats.sum()) - positives, positives)
    return tuple(int(c) for c in np.bincount(labels, weights=repeats, minlength=task.num_classes))


def eval_data(cfg: ExperimentConfig, task: Task, split: Split, num_outputs: int) -> Any:
    """The (unshuffled, unaugmented) pipeline of ``split`` for validation (``task``: the config's, resolved)."""
    from lesionkit.data.loading.pipeline import make_pipeline

    images = split.load_images(cfg.image_size)
    return make_pipeline(images, split.labels(task), num_outputs=num_outputs, batch_size=cfg.batch_size)


# -- model ---------------------------------------------------------------------------------


def head_from_config(cfg: ExperimentConfig, task: Task) -> Any:
    """The classification head, sized for ``task``'s classes (``len(task.classes)``)."""
    injected = {"num_classes": task.num_classes}
    return registries.heads.build(cfg.head.name, cfg.head.params, injected=injected, where="head")


def model_from_config(cfg: ExperimentConfig, head: Any, strategy: Any) -> Any:
    """The Keras model: preprocessing, backbone (frozen as ``cfg.trainable`` says), ``head``.

    Variables are made under ``strategy`` and the config's precision policy.
    """
    import keras

    from lesionkit.models.assemble import build_classifier
    from lesionkit.models.freeze import apply_freeze_policy
    from lesionkit.runtime.precision import config_precision, precision_policy
    from lesionkit.training.transfer import resolve_backbone_weights

    keras.utils.set_random_seed(cfg.seed)
    size = cfg.image_size
    weights = resolve_backbone_weights(cfg)  # a run directory or .keras file becomes its backbone's weights file
    # Layers take the dtype policy current when they are built (heads keep float32 outputs);
    # precision="auto" is the one this host's runtime profile measured faster.
    with precision_policy(config_precision(cfg)), strategy.scope():
        injected = {"input_shape": (size, size, 3), "weights": weights}
        backbone = registries.backbones.build(
            cfg.backbone.name, cfg.backbone.params, injected=injected, where="backbone"
        )
        apply_freeze_policy(backbone, cfg.trainable)
        return build_classifier(
            backbone, head, image_size=size, name=model_name(cfg.name), color_constancy=cfg.color_constancy
        )


def model_name(name: str) -> str:
    """A Keras-safe model name for an experiment name.

    Example:
        >>> model_name("melanoma-conv5 v2")
        'melanoma_conv5_v2'
    """
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return cleaned or "lesion_classifier"


# -- optimisation --------------------------------------------------------------------------


#: Report metric key -> the Keras log key training reports it under (PositiveAUC is logged as ``auc``;
#: multi-class tasks log ``macro_auc``, ``balanced_accuracy`` and ``mean_auc``): the table of metric names.
TRAINING_METRICS = {key: name.keras for key, name in METRIC_NAMES.items() if name.keras}


def monitor_for(task: Task, *, has_validation: bool) -> str:
    """The Keras log key that picks the best checkpoint and stops early.

    ``task``'s primary metric where training reports it (else ROC AUC, or the macro AUC
    for a multi-class task), on the validation split when there is one.

    Example:
        >>> from lesionkit.task import get_task
        >>> monitor_for(get_task("dx7"), has_validation=True)
        'val_balanced_accuracy'
    """
    key = TRAINING_METRICS.get(task.primary_metric, "auc" if task.is_binary else "macro_auc")
    return f"val_{key}" if has_validation else key


def compile_model(
    model: Any,
    cfg: ExperimentConfig,
    task: Task,
    strategy: Any,
    *,
    steps_per_epoch: int,
    class_counts: tuple[int, ...],
) -> None:
    """Compile ``model`` with the config's loss, optimizer and learning-rate schedule.

    The schedule gets the learning rate, steps per epoch and epochs; a loss that
    takes ``class_counts`` gets the training split's (after balancing). The metrics are
    the task's (:func:`~lesionkit.training.optimization.keras_metrics.task_metrics`).
    """
    from lesionkit.runtime.precision import config_precision, precision_policy
    from lesionkit.runtime.settings import active_settings
    from lesionkit.training.optimization.keras_metrics import task_metrics

    # XLA where this host's runtime profile measured it faster (or LESIONKIT_JIT_COMPILE=1).
    runtime = active_settings()
    jit_compile = cfg.jit_compile or (runtime is not None and runtime.jit_compile)

    # Optimizer slots and metric variables must live under the same strategy as the model.
    with precision_policy(config_precision(cfg)), strategy.scope():
        injected = {"learning_rate": cfg.learning_rate, "steps_per_epoch": steps_per_epoch, "epochs": cfg.epochs}
        schedule = registries.schedules.build(
            cfg.schedule.name, cfg.schedule.params, injected=injected, where="schedule"
        )
        optimizer = registries.optimizers.build(
            cfg.optimizer.name, cfg.optimizer.params, injected={"learning_rate": schedule}, where="optimizer"
        )
        loss = registries.losses.build(
            cfg.loss.name, cfg.loss.params, injected={"class_counts": class_counts}, where="loss"
        )
        model.compile(optimizer=optimizer, loss=loss, metrics=task_metrics(task), jit_compile=jit_compile)
