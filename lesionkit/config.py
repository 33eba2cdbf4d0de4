"""Experiment configuration: every component named by registry key, as plain data.

An :class:`ExperimentConfig` is frozen and round-trips exactly through
``to_dict``/``from_dict`` and JSON, so an experiment can be printed, saved with
its run, diffed and re-run.

Example:
    >>> from lesionkit.config import ExperimentConfig, ComponentSpec
    >>> cfg = ExperimentConfig(task="melanoma", backbone=ComponentSpec("resnet50"), epochs=3)
    >>> ExperimentConfig.from_json(cfg.to_json()) == cfg
    True
    >>> cfg.evolve(epochs=5).epochs
    5
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from lesionkit import registries
from lesionkit.component_spec import ComponentSpec, as_spec, as_specs, thaw_spec, with_nested
from lesionkit.errors import ConfigError
from lesionkit.registry import did_you_mean, one_of
from lesionkit.task import FROM_DATASET, SPELLED_PREFIX, TaskError, parse_task
from lesionkit.vocabulary import BALANCE_MODES, FREEZE_POLICIES, PRECISION_SETTINGS, PRECISIONS, STRATEGIES

# Each list of allowed values has one owner; these names are kept for code that read them here.
TRAINABLE: tuple[str, ...] = FREEZE_POLICIES
BALANCE: tuple[str, ...] = BALANCE_MODES
DISTRIBUTE: tuple[str, ...] = STRATEGIES

__all__ = [
    "BALANCE",
    "DISTRIBUTE",
    "PRECISIONS",
    "TRAINABLE",
    "ComponentSpec",
    "ConfigError",
    "ExperimentConfig",
]


def _one_of(choices: tuple[str, ...]) -> Any:
    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in choices:
            raise ConfigError(one_of(attribute.name, value, choices))

    return check


def _registered_task(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value == FROM_DATASET:
        return
    if isinstance(value, str) and value.startswith(SPELLED_PREFIX):
        try:
            parse_task(value)
        except TaskError as exc:
            raise ConfigError(f"task: {exc}") from None
        return
    if not isinstance(value, str) or value not in registries.tasks:
        raise ConfigError(
            one_of("task", value, registries.tasks.names())
            + f" (tasks in lesionkit.tasks, {FROM_DATASET!r}, or classes spelled out: 'classes:nevus,melanoma')"
        )


def _positive(kind: type[int] | type[float]) -> Any:
    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
            raise ConfigError(f"{attribute.name} = {value!r} must be a positive {kind.__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{attribute.name} = {value!r} must be finite")

    return check


def _min_image_size(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 32:
        raise ConfigError(f"image_size = {value!r}: use an integer of at least 32 (pixels)")


def _optional_path(value: Any) -> str | None:
    return None if value is None else str(value)


def _weights(value: Any) -> str | None:
    if value is None or value == "none":
        return None
    if not isinstance(value, (str, Path)):
        raise ConfigError(
            f"weights = {value!r}: use None (train from scratch), 'imagenet', or the path of a weights file, "
            f"a finished run directory or an exported .keras file"
        )
    return str(value)


def _is_int(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{attribute.name} = {value!r} must be an integer")


def _non_negative_int(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{attribute.name} = {value!r} must be an integer >= 0")


def _optional_positive_int(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _positive(int)(inst, attribute, value)


#: The fields a metadata prior can use (``lesionkit.evaluation.posthoc.metadata_prior.FIELDS``).
METADATA_FIELDS = ("age", "sex", "site")


def _metadata_fields(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value] if value else []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"metadata_prior = {value!r}: give a list of fields among {list(METADATA_FIELDS)}, e.g. ['age', 'sex']"
        )
    unknown = [v for v in value if v not in METADATA_FIELDS]
    if unknown:
        raise ConfigError(
            f"metadata_prior: unknown field(s) {unknown!r}; choose among {list(METADATA_FIELDS)} ([] for none)"
        )
    return tuple(dict.fromkeys(value))


#: Colour constancy methods a model can apply to its input, each a Minkowski norm ``p`` of the
#: shades-of-grey family (``lesionkit.models.color_constancy``): grey world is ``p = 1``.
COLOR_CONSTANCY: dict[str, float] = {"shades_of_gray": 6.0, "gray_world": 1.0}


def _color_constancy(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and value not in COLOR_CONSTANCY:
        raise ConfigError(f"color_constancy = {value!r}: choose among {list(COLOR_CONSTANCY)}, or null for none")


def _to_float(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


@attrs.frozen(kw_only=True)
class ExperimentConfig:
    """Everything that defines one experiment.

    Components are :class:`ComponentSpec` (registry key + parameters):
    ``dataset`` (``lesionkit.datasets``), ``augmenters`` (``lesionkit.augmenters``,
    applied in order), ``backbone``, ``head``, ``loss``, ``optimizer``,
    ``schedule`` (``lesionkit.schedules``).

    Attributes:
        name: label for the run and reports.
        task: a name in ``lesionkit.tasks``: ``"melanoma"`` or ``"seborrheic_keratosis"``
            (positive class vs the rest) or a plugin's; ``"from_dataset"``, every class the
            dataset holds (a Trainer spells it out when it reads the dataset); or classes spelled
            out, ``"classes:benign=nevus+other_benign,malignant=melanoma"``
            (:meth:`lesionkit.task.Task.from_classes`).
        data_dir: dataset root; ``None`` lets the dataset pick (``$LESIONKIT_DATA``...).
        cache_dir: where resized images are cached; ``None`` uses the default.
        image_size: square input size in pixels (≥ 32).
        balance: ``"paper"`` (Table 2 oversampling), ``"oversample"`` (every class
            repeated towards the largest; any number of classes), ``"class_weights"`` or ``"none"``.
        weights: ``None`` (scratch), ``"imagenet"``, a path to a weights file, or a finished
            run directory or exported ``.keras`` file whose backbone starts this one
            (:mod:`lesionkit.training.transfer`).
        trainable: which stages train: ``"none"`` (all trainable), ``"conv5"``,
            ``"conv4_conv5"`` (the paper's fine-tuning) or ``"all"`` (all frozen: a linear probe).
        learning_rate: initial learning rate passed to the schedule.
        batch_size: images per training step in all; under a distribution strategy the
            global batch, split across the replicas of every worker.
        precision: ``"float32"``, ``"mixed_float16"``, ``"mixed_bfloat16"``, or ``"auto"`` (the
            default): the policy ``lesionkit tune`` measured faster on this host for the
            backbone and image size, else float32 (:func:`lesionkit.runtime.precision.config_precision`).
        jit_compile: compile the train step with XLA.
        distribute: ``"default"`` (one device), ``"mirrored"`` or ``"multi_worker_mirrored"``
            (``docs/scaling.md``).
        tta: test-time augmentation views averaged in evaluation (1 = off).
        deterministic: reproducible input order and augmentation (slower).
        augment_workers: processes that run numpy/imgaug augmenters (0 = in the
            input pipeline's own threads, which share one core through the GIL).
        early_stopping_patience: epochs without validation-AUC gain before stopping.
        metadata_prior: metadata fields (``age``, ``sex``, ``site``) of a prior fitted on the
            training split at the end of :meth:`~lesionkit.Trainer.fit` and combined with the
            image model's probabilities wherever a split has metadata
            (:mod:`lesionkit.evaluation.posthoc.metadata_prior`); empty: none.
        color_constancy: ``"shades_of_gray"`` (Minkowski p = 6) or ``"gray_world"``: each image's
            colour cast divided out by a layer inside the model, so training, evaluation,
            prediction and exported models all see it (:mod:`lesionkit.models.color_constancy`);
            ``None``: images as they are.
    """

    name: str = "experiment"
    description: str = ""
    task: str = attrs.field(default="melanoma", validator=_registered_task)
    dataset: ComponentSpec = attrs.field(default=ComponentSpec("isic2017"), converter=as_spec)
    data_dir: str | None = attrs.field(default=None, converter=_optional_path)
    cache_dir: str | None = attrs.field(default=None, converter=_optional_path)
    image_size: int = attrs.field(default=224, validator=_min_image_size)
    augmenters: tuple[ComponentSpec, ...] = attrs.field(default=(), converter=as_specs)
    balance: str = attrs.field(default="paper", validator=_one_of(BALANCE))
    backbone: ComponentSpec = attrs.field(default=ComponentSpec("resnet50"), converter=as_spec)
    weights: str | None = attrs.field(default="imagenet", converter=_weights)
    trainable: str = attrs.field(default="conv5", validator=_one_of(TRAINABLE))
    head: ComponentSpec = attrs.field(default=ComponentSpec("softmax"), converter=as_spec)
    loss: ComponentSpec = attrs.field(default=ComponentSpec("weighted_categorical_crossentropy"), converter=as_spec)
    optimizer: ComponentSpec = attrs.field(default=ComponentSpec("sgd", {"momentum": 0.9}), converter=as_spec)
    learning_rate: float = attrs.field(default=1e-4, converter=_to_float, validator=_positive(float))
    schedule: ComponentSpec = attrs.field(default=ComponentSpec("step_decay"), converter=as_spec)
    epochs: int = attrs.field(default=40, validator=_positive(int))
    batch_size: int = attrs.field(default=32, validator=_positive(int))
    seed: int = attrs.field(default=0, validator=_is_int)
    run_dir: str | None = attrs.field(default=None, converter=_optional_path)
    precision: str = attrs.field(default="auto", validator=_one_of(PRECISION_SETTINGS))
    jit_compile: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    distribute: str = attrs.field(default="default", validator=_one_of(DISTRIBUTE))
    tta: int = attrs.field(default=1, validator=_positive(int))
    deterministic: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    augment_workers: int = attrs.field(default=0, validator=_non_negative_int)
    early_stopping_patience: int | None = attrs.field(default=None, validator=_optional_positive_int)
    metadata_prior: tuple[str, ...] = attrs.field(default=(), converter=_metadata_fields)
    color_constancy: str | None = attrs.field(default=None, validator=_color_constancy)

    # -- (de)serialisation -----------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; ``from_dict(to_dict())`` gives an equal config."""
        out: dict[str, Any] = {}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if isinstance(value, ComponentSpec):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = [v.to_dict() if isinstance(v, ComponentSpec) else v for v in value]
            out[field.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExperimentConfig:
        """Build from plain data; unknown keys and bad values raise :class:`ConfigError`."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"a config must be a mapping, got {type(data).__name__}")
        known = [f.name for f in attrs.fields(cls)]
        for key in data:
            if key not in known:
                raise ConfigError(
                    f"unknown config key {key!r}.{did_you_mean(str(key), known)} Known keys: {', '.join(known)}"
                )
        try:
            return cls(**dict(data))
        except ConfigError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(str(exc)) from None

    def to_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("indent", 2)
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_json(cls, text: str) -> ExperimentConfig:
        return cls.from_dict(json.loads(text))

    def save(self, path: str | Path) -> None:
        """Write the config as JSON (atomically)."""
        from lesionkit.io import atomic_write_text

        atomic_write_text(Path(path), self.to_json() + "\n")

    @classmethod
    def load(cls, path: str | Path) -> ExperimentConfig:
        path = Path(path)
        try:
            return cls.from_json(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc})") from None
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None

    def evolve(self, **changes: Any) -> ExperimentConfig:
        """A copy with ``changes`` applied; unknown keys are errors with suggestions.

        A dotted key changes one value inside a component (``--set KEY=VALUE`` spells them the
        same way); a parameter named on its own is refused with the dotted key to use.

        Example:
            >>> cfg = ExperimentConfig(schedule={"name": "cosine", "params": {"warmup_epochs": 2}})
            >>> cfg.evolve(**{"schedule.params.warmup_epochs": 0}).schedule.params["warmup_epochs"]
            0
            >>> cfg.evolve(warmup_epochs=0)
            Traceback (most recent call last):
            ...
            lesionkit.errors.ConfigError: unknown config key 'warmup_epochs': it is a parameter of schedule 'cosine'; set schedule.params.warmup_epochs (on the command line: --set schedule.params.warmup_epochs=VALUE)
        """
        known = [f.name for f in attrs.fields(type(self))]
        plain: dict[str, Any] = {}
        for key, value in changes.items():
            if key in known:
                plain[key] = value
            elif "." in key and key.partition(".")[0] in known:
                field = key.partition(".")[0]
                current = plain.get(field, getattr(self, field))
                plain[field] = with_nested(thaw_spec(current), key.split(".")[1:], value, key)
            else:
                owner = self._component_taking(key)
                if owner:
                    raise ConfigError(
                        f"unknown config key {key!r}: it is a parameter of {owner}; set {owner.split()[0]}.params.{key} "
                        f"(on the command line: --set {owner.split()[0]}.params.{key}=VALUE)"
                    )
                raise ConfigError(
                    f"unknown config key {key!r}.{did_you_mean(key, known)} Known keys: {', '.join(known)}"
                )
        return attrs.evolve(self, **plain)

    def _component_taking(self, key: str) -> str:
        """``"schedule 'cosine'"`` when one of this config's components has (or takes) a parameter ``key``; else ``""``."""
        import inspect

        named = [
            ("dataset", registries.datasets, self.dataset),
            ("backbone", registries.backbones, self.backbone),
            ("head", registries.heads, self.head),
            ("loss", registries.losses, self.loss),
            ("optimizer", registries.optimizers, self.optimizer),
            ("schedule", registries.schedules, self.schedule),
        ]
        for field, _registry, spec in named:
            if key in spec.params:
                return f"{field} {spec.name!r}"
        for field, registry, spec in named:
            try:  # the factory's signature; a plugin that fails to load is reported elsewhere
                taken = inspect.signature(registry.get(spec.name)).parameters
            except Exception:
                continue
            if key in taken and key not in registry.injected_names:
                return f"{field} {spec.name!r}"
        return ""

    # -- checks against the registries --------------------------------------------------

    def validate_components(self) -> None:
        """Check every component name exists and its parameters fit its factory.

        Runs before any work (every ``Trainer(...)`` calls it), so a typo fails in a
        second, not after an epoch; it imports no TensorFlow. The check is the one
        the Trainer's assembly applies when it builds (``Registry.check`` /
        ``Registry.build``): parameters lesionkit supplies itself (input shape,
        number of classes, learning rate...) must not be set, and a config field
        passed to a factory that cannot take it (``data_dir`` for a dataset that reads
        none) is refused.

        Raises:
            ConfigError: naming the key (``loss.params.gama``, ``data_dir``...) and what to do.

        Example:
            >>> ExperimentConfig(dataset="synthetic", data_dir="/tmp/x").validate_components()
            Traceback (most recent call last):
            ...
            lesionkit.registry.errors.InvalidParameterError: data_dir = '/tmp/x': dataset 'synthetic' does not take a data_dir; remove data_dir from the config (the --data-dir option)
        """
        from lesionkit.registry import UnknownComponentError

        checks: list[tuple[str, Any, ComponentSpec, dict[str, Any] | None]] = [
            ("dataset", registries.datasets, self.dataset, {"data_dir": self.data_dir, "cache_dir": self.cache_dir}),
            ("backbone", registries.backbones, self.backbone, {"weights": self.weights}),
            ("head", registries.heads, self.head, None),
            ("loss", registries.losses, self.loss, None),
            ("optimizer", registries.optimizers, self.optimizer, None),
            (
                "schedule",
                registries.schedules,
                self.schedule,
                {"learning_rate": self.learning_rate, "epochs": self.epochs},
            ),
        ]
        checks += [(f"augmenters[{i}]", registries.augmenters, s, None) for i, s in enumerate(self.augmenters)]
        for key, registry, spec, provided in checks:
            try:
                registry.check(spec.name, spec.params, provided=provided, where=key)
            except UnknownComponentError as exc:
                raise ConfigError(
                    f"{key}.name: {exc}. One registered in your own module needs that module imported first "
                    f"(on the command line: --import MODULE)"
                ) from None
