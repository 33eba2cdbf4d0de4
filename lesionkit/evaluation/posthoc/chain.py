"""The post-hoc chain of a run: what happens to its model's probabilities after the network, and how it decides.

In order: the test-time views are averaged (drawn with the run's augmenters), the metadata
prior is combined with them where per-image metadata is given, the temperature is applied,
and the decision is taken at the frozen threshold (a binary task) or by the most probable class.
:class:`PostHoc` holds all of it. ``Trainer``, ``Ensemble``, the export and the exported model's
prediction build it (:meth:`PostHoc.from_run`, :meth:`PostHoc.from_description`) and call
:meth:`PostHoc.apply` and :meth:`PostHoc.decide`, so one run decides alike along every path.

Probabilities are task-shaped: ``(N,)`` positive-class probabilities for a binary task, ``(N, K)``
for a multi-class one; a binary ``(N, 2)`` matrix (an exported model's) is accepted and kept.

Example:
    >>> import numpy as np
    >>> from lesionkit.evaluation.stats.operating_point import OperatingPoint
    >>> chain = PostHoc(("other", "melanoma"), operating_point=OperatingPoint(0.3, "fixed", "given"))
    >>> chain.decide(np.array([0.2, 0.35])).tolist(), chain.decide_names(np.array([0.2, 0.35]))
    ([0, 1], ['other', 'melanoma'])
    >>> chain.decide(np.array([[0.8, 0.2], [0.65, 0.35]])).tolist()  # the same images as a two-column matrix
    [0, 1]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from lesionkit.evaluation.posthoc.metadata_prior import MetadataPrior
from lesionkit.evaluation.posthoc.run_calibration import (
    run_decision_rule,
    run_metadata_prior,
    run_operating_point,
    run_temperature,
)
from lesionkit.evaluation.stats.calibration import TemperatureScaling
from lesionkit.evaluation.stats.decision_rule import DecisionRule
from lesionkit.evaluation.stats.operating_point import OperatingPoint
from lesionkit.runs import RunDir

if TYPE_CHECKING:
    from lesionkit.config import ExperimentConfig
    from lesionkit.evaluation.prediction.model_description import ModelDescription

__all__ = ["DEFAULT_THRESHOLD", "PostHoc", "chain_attribute"]

#: The threshold of a binary task without a frozen operating point: the more probable class.
DEFAULT_THRESHOLD = 0.5


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in value)


def _specs(value: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    return tuple(dict(v) for v in value)


def chain_attribute(name: str) -> Any:
    """A class attribute that reads and sets field ``name`` of the object's ``posthoc`` chain.

    ``Trainer.temperature`` is ``chain_attribute("temperature")``: setting it evolves ``trainer.posthoc``.
    """

    def set_field(owner: Any, value: Any) -> None:
        owner.posthoc = owner.posthoc.evolve(**{name: value})

    return property(lambda owner: getattr(owner.posthoc, name), set_field, doc=f"``posthoc.{name}``.")


@attrs.frozen
class PostHoc:
    """A run's post-hoc chain (see the module docs).

    Attributes:
        classes: the task's class names in output order (binary: negative, then positive).
        prior: the metadata prior (age/sex/site → class) fitted on the training split, or None.
        temperature: the temperature fitted on validation, or None (raw probabilities).
        operating_point: the frozen threshold of a binary task, or None (p > 0.5).
        decision_rule: a multi-class task's per-class offsets (balanced accuracy), or None (arg-max).
        tta: test-time views averaged by default; tta_augmenters: the augmenter specs
            (``{"name": ..., "params": ...}``) the views are drawn with (empty: flips/rotations).
        seed: seed of the test-time views.
    """

    classes: tuple[str, ...] = attrs.field(converter=_names)
    prior: MetadataPrior | None = None
    temperature: TemperatureScaling | None = None
    operating_point: OperatingPoint | None = None
    decision_rule: DecisionRule | None = None
    tta: int = 1
    tta_augmenters: tuple[Mapping[str, Any], ...] = attrs.field(default=(), converter=_specs)
    seed: int = 0

    @classmethod
    def from_run(cls, run: RunDir, config: ExperimentConfig) -> PostHoc:
        """The chain kept in ``run`` (its temperature, operating point and prior files) with ``config``'s TTA.

        Raises:
            RunDirError: one of those files is unreadable or incomplete (says which command remakes it).
        """
        return cls.from_config(config).evolve(
            prior=run_metadata_prior(run),
            temperature=run_temperature(run),
            operating_point=run_operating_point(run),
            decision_rule=run_decision_rule(run),
        )

    @classmethod
    def from_config(cls, config: ExperimentConfig) -> PostHoc:
        """The chain of a run that fitted nothing after training: ``config``'s classes and TTA only."""
        from lesionkit.task import get_task

        specs = tuple(spec.to_dict() for spec in config.augmenters)
        return cls(get_task(config.task).classes, tta=config.tta, tta_augmenters=specs, seed=config.seed)

    @classmethod
    def from_description(cls, description: ModelDescription) -> PostHoc:
        """The chain an exported model carries in its self-description."""
        temperature = None
        if description.temperature is not None:
            # The export keeps T alone; the fit's record stays with the run (model_card.json).
            kind = "binary" if description.binary else "multiclass"
            temperature = TemperatureScaling(description.temperature, kind, "the run", 0, math.nan, math.nan)
        point = None if description.threshold is None else OperatingPoint(description.threshold, "fixed", "the run")
        prior = None if description.metadata_prior is None else MetadataPrior.from_dict(description.metadata_prior)
        rule = None if description.decision_rule is None else DecisionRule.from_dict(description.decision_rule)
        return cls(
            description.classes,
            prior=prior,
            temperature=temperature,
            operating_point=point,
            decision_rule=rule,
            tta=description.tta,
            tta_augmenters=description.tta_augmenters,
            seed=description.seed,
        )

    def evolve(self, **changes: Any) -> PostHoc:
        """A copy with ``changes`` (e.g. ``temperature=None`` for the raw probabilities)."""
        return attrs.evolve(self, **changes)

    @property
    def binary(self) -> bool:
        """Two classes: a threshold on the second decides."""
        return len(self.classes) == 2

    @property
    def threshold(self) -> float:
        """The frozen threshold of a binary task, else :data:`DEFAULT_THRESHOLD`."""
        return DEFAULT_THRESHOLD if self.operating_point is None else self.operating_point.threshold

    def views(self, tta: int | None = None) -> int:
        """Test-time views to average: ``tta`` when given, else the run's own (at least 1)."""
        return max(self.tta if tta is None else int(tta), 1)

    def augmenter(self) -> Any:
        """The augmenter test-time views are drawn with: the run's augmenters (in this process), else flips/rotations."""
        from lesionkit import registries
        from lesionkit.augment.base import Compose

        if not self.tta_augmenters:
            return registries.augmenters.create("tta_default")
        steps = [registries.augmenters.create(s["name"], **dict(s.get("params", {}))) for s in self.tta_augmenters]
        return steps[0] if len(steps) == 1 else Compose(steps)

    def apply(self, probabilities: Any, metadata: Mapping[str, Sequence[object]] | None = None) -> np.ndarray:
        """The image model's (views-averaged) ``probabilities`` through the prior (given ``metadata``), then the temperature.

        A binary task's temperature applies to the positive class, as it was fitted.
        """
        p = np.asarray(probabilities, dtype=np.float64)
        columns = self.binary and p.ndim == 2
        out = p[:, -1] if columns else p
        if metadata is not None and self.prior is not None and len(out):
            out = self.prior.apply(out, metadata)
        if self.temperature is not None and len(out):
            out = self.temperature.apply(out)
        return np.stack([1.0 - out, out], axis=1) if columns else out

    def predict(
        self,
        model: Any,
        images: Any,
        *,
        image_size: int,
        batch_size: int,
        tta: int | None = None,
        metadata: Mapping[str, Sequence[object]] | None = None,
    ) -> np.ndarray:
        """``model``'s probabilities for 0–255 RGB ``images`` through the chain: ``tta`` views averaged
        (default the run's), then :meth:`apply` (the prior given ``metadata``, the temperature).
        """
        from lesionkit.evaluation.prediction.inference import predict

        views = self.views(tta)
        augmenter = self.augmenter() if views > 1 else None
        raw = predict(
            model,
            images,
            image_size=image_size,
            batch_size=batch_size,
            views=views,
            augmenter=augmenter,
            seed=self.seed,
            all_classes=not self.binary,
        )
        return self.apply(raw, metadata)

    def decide(self, probabilities: Any) -> np.ndarray:
        """Class indices decided from calibrated probabilities: binary, positive when p > threshold; else the
        decision rule's arg-max of offset log-probabilities, or the plain arg-max without one.
        """
        p = np.asarray(probabilities, dtype=np.float64)
        if self.binary:
            positive = p[:, -1] if p.ndim == 2 else p
            return (positive > self.threshold).astype(np.int64)
        return self.decision_rule.apply(p) if self.decision_rule is not None else np.argmax(p, axis=1)

    def decide_names(self, probabilities: Any) -> list[str]:
        """:meth:`decide` as class names."""
        return [self.classes[i] for i in self.decide(probabilities)]
