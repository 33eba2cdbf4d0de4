"""What an exported model says about itself: classes, task, input, calibration, threshold, TTA.

:class:`ModelDescription` is written into a ``.keras`` file by ``lesionkit export`` (as the
config of the pass-through layer ``lesionkit_metadata``) and read back by
:func:`read_model_description`, so ``lesionkit predict model.keras`` needs no run directory.

Example:
    >>> description = ModelDescription(name="mel", task="melanoma", classes=("other", "melanoma"), image_size=224,
    ...                                preprocessing="caffe", temperature=1.5, threshold=0.31)
    >>> description.positive_class, description.threshold
    ('melanoma', 0.31)
    >>> ModelDescription.from_dict(description.to_dict()) == description
    True

It is the model's own description, not a patient's metadata (age, sex, site: the metadata prior's
fields). The chain it carries is applied by :class:`lesionkit.evaluation.posthoc.chain.PostHoc`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from lesionkit.errors import DataError

#: Version of the description's layout; a reader refuses newer ones.
FORMAT = 1
#: Name of the layer that carries the description in an exported model (kept: files in use name it).
METADATA_LAYER = "lesionkit_metadata"


class ModelDescriptionError(DataError, ValueError):
    """An exported model's description that is missing a key, has a bad value, or is from a newer lesionkit."""


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in value)


def _specs(value: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    return tuple(dict(v) for v in value)


@attrs.frozen
class ModelDescription:
    """The description baked into an exported model.

    Attributes:
        name: the experiment's name.
        task: the task (``"melanoma"``...); ``classes`` its class names in output order.
        image_size: the square input size, pixels; inputs are RGB 0–255.
        preprocessing: the preprocessing inside the model (``"caffe"``, ``"tf"``, ``"raw"``);
            informative, the model applies it itself.
        temperature: the fitted temperature (the run was calibrated), else None.
        threshold: the frozen decision threshold on the positive class (an operating point
            was chosen), else None: decisions then go to the more probable class.
        tta: test-time augmentation views averaged; ``tta_augmenters`` the augmenter specs
            (``{"name": ..., "params": ...}``) the views are drawn with (empty: flips/rotations).
        seed: seed of the test-time views.
        gradcam_layer: the feature layer Grad-CAM reads (``"<backbone>/<layer>"``).
        lesionkit_version: the version that exported the model.
        metadata_prior: the run's age/sex/site prior
            (:meth:`lesionkit.evaluation.posthoc.metadata_prior.MetadataPrior.to_dict`), applied when
            per-image metadata is given (``lesionkit predict model.keras --metadata CSV``), else None.
        decision_rule: a multi-class run's decision rule
            (:meth:`lesionkit.evaluation.stats.decision_rule.DecisionRule.to_dict`), else None.
    """

    name: str
    task: str
    classes: tuple[str, ...] = attrs.field(converter=_names)
    image_size: int
    preprocessing: str | None = None
    temperature: float | None = attrs.field(default=None, converter=_optional_float)
    threshold: float | None = attrs.field(default=None, converter=_optional_float)
    tta: int = 1
    tta_augmenters: tuple[Mapping[str, Any], ...] = attrs.field(default=(), converter=_specs)
    seed: int = 0
    gradcam_layer: str | None = None
    lesionkit_version: str = ""
    metadata_prior: Mapping[str, Any] | None = None
    decision_rule: Mapping[str, Any] | None = None

    @property
    def binary(self) -> bool:
        """Two classes: the second is the positive one."""
        return len(self.classes) == 2

    @property
    def positive_class(self) -> str | None:
        """The positive class of a two-class task, else None."""
        return self.classes[-1] if self.binary else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, with the layout version under ``format``."""
        data = attrs.asdict(self)
        data["classes"] = list(self.classes)
        data["tta_augmenters"] = [dict(s) for s in self.tta_augmenters]
        data["metadata_prior"] = None if self.metadata_prior is None else dict(self.metadata_prior)
        data["decision_rule"] = None if self.decision_rule is None else dict(self.decision_rule)
        return {"format": FORMAT, **data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelDescription:
        """Read :meth:`to_dict`'s output back.

        Raises:
            ModelDescriptionError: a missing key, a bad value, or a newer format than this lesionkit reads.
        """
        if not isinstance(data, Mapping):
            raise ModelDescriptionError(f"model metadata must be a JSON object, got {type(data).__name__}")
        if int(data.get("format", FORMAT)) > FORMAT:
            raise ModelDescriptionError(
                f"model metadata format {data['format']} is newer than this lesionkit reads ({FORMAT}); "
                "upgrade lesionkit"
            )
        required = ("name", "task", "classes", "image_size")
        missing = [k for k in required if k not in data]
        if missing:
            raise ModelDescriptionError(f"model metadata lacks {missing}; re-export the run with `lesionkit export`")
        names = {f.name for f in attrs.fields(cls)}
        fields = {k: v for k, v in data.items() if k in names}
        for key in ("temperature", "threshold"):
            value = fields.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
            ):
                raise ModelDescriptionError(f"model metadata {key} must be a finite number or null; got {value!r}")
        if fields.get("temperature") is not None and fields["temperature"] <= 0:
            raise ModelDescriptionError(f"model metadata temperature must be > 0; got {fields['temperature']!r}")
        for key in ("metadata_prior", "decision_rule"):
            value = fields.get(key)
            if value is not None and not isinstance(value, Mapping):
                raise ModelDescriptionError(f"model description {key} must be a JSON object or null; got {value!r}")
        return cls(**fields)


def read_model_description(model: Any) -> ModelDescription | None:
    """The metadata baked into ``model`` by ``lesionkit export``, or None for a model without it.

    Raises:
        ModelDescriptionError: the metadata is there but unreadable.
    """
    for layer in getattr(model, "layers", ()):
        if layer.name == METADATA_LAYER:
            text = layer.get_config().get("metadata")
            try:
                data = json.loads(text)
            except (TypeError, ValueError) as exc:
                raise ModelDescriptionError(
                    f"model {model.name!r}: its {METADATA_LAYER} layer holds no JSON ({exc})"
                ) from None
            return ModelDescription.from_dict(data)
    return None
