"""A trained model as one self-describing ``.keras`` file (or a TFLite file), and loading it back.

An exported model carries :class:`~lesionkit.evaluation.prediction.model_description.ModelDescription` (class
names, task, image size, preprocessing, and the run's post-hoc chain: metadata prior, temperature,
threshold, TTA) in a pass-through layer, so ``lesionkit predict model.keras`` needs nothing else.

Example:
    >>> from lesionkit.training.export import load_model
    >>> model = load_model("melanoma.keras")              # doctest: +SKIP
    >>> p_melanoma = model.predict(images)[:, -1]         # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from lesionkit.config import ExperimentConfig
from lesionkit.errors import LesionkitError
from lesionkit.evaluation.posthoc.chain import PostHoc
from lesionkit.evaluation.prediction.model_description import METADATA_LAYER, ModelDescription, read_model_description
from lesionkit.io import atomic_path, atomic_write_bytes, atomic_write_text
from lesionkit.runs import RunDir

# Modules whose import registers the custom Keras objects a saved model may refer to.
_CUSTOM_OBJECT_MODULES = (
    "lesionkit.models.preprocessing",
    "lesionkit.models.color_constancy",
    "lesionkit.models.metadata",
    "lesionkit.training.optimization.keras_metrics",
    "lesionkit.training.optimization.keras_losses",
    "lesionkit.training.optimization.keras_schedules",
)


#: What ``--quantize`` accepts for TFLite export: none (float32) or dynamic-range int8 weights.
QUANTIZATIONS = ("none", "dynamic")


class ExportError(LesionkitError, ValueError):
    """An export asked for with an output path or option that cannot work."""


def describe_model(config: ExperimentConfig, model: Any, posthoc: PostHoc) -> ModelDescription:
    """The description of a run's model to bake into its export: ``config``'s task and input, ``posthoc``'s chain.

    ``posthoc`` is the run's (``Trainer.posthoc``: its metadata prior, temperature, frozen threshold
    and test-time augmentation), so the exported model applies and decides as the run does.
    """
    from lesionkit import __version__

    preprocessing = next(
        (lay.preprocessing for lay in model.layers if isinstance(getattr(lay, "preprocessing", None), str)), None
    )
    return ModelDescription(
        name=config.name,
        task=config.task,
        classes=posthoc.classes,
        image_size=config.image_size,
        preprocessing=preprocessing,
        temperature=posthoc.temperature.temperature if posthoc.temperature else None,
        threshold=posthoc.operating_point.threshold if posthoc.operating_point else None,
        tta=posthoc.tta,
        tta_augmenters=posthoc.tta_augmenters,
        seed=posthoc.seed,
        gradcam_layer=getattr(model, "gradcam_layer", None),
        lesionkit_version=__version__,
        metadata_prior=posthoc.prior.to_dict() if posthoc.prior else None,
        decision_rule=posthoc.decision_rule.to_dict() if posthoc.decision_rule else None,
    )


def with_description(model: Any, description: ModelDescription) -> Any:
    """``model`` with ``description`` in a pass-through layer on its output (the same layers and weights)."""
    import keras

    from lesionkit.models.metadata import MetadataLayer

    # `model.input`, not `.inputs`: a one-tensor input keeps the SavedModel signature a plain tensor.
    if read_model_description(model) is not None:  # already exported once: take the inner model
        inner = model.get_layer(METADATA_LAYER)._inbound_nodes[0].input_tensors[0]
        model = keras.Model(model.input, inner, name=model.name)
    outputs = MetadataLayer(description.to_dict(), name=METADATA_LAYER)(model.outputs[0])
    return keras.Model(model.input, outputs, name=model.name)


def export_model(
    model: Any,
    path: str | Path,
    *,
    saved_model: str | Path | None = None,
    description: ModelDescription | None = None,
) -> Path:
    """Save ``model`` (preprocessing included) as a ``.keras`` file, atomically.

    ``description`` is baked in (see :func:`with_description`); ``saved_model`` also writes a
    TensorFlow SavedModel directory for serving.

    Raises:
        ExportError: ``path`` does not end in ``.keras``.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ExportError(f"export path {path} must end in .keras")
    if description is not None:
        model = with_description(model, description)
    with atomic_path(path) as tmp:
        keras_tmp = tmp.with_name(tmp.name + ".keras")  # Keras insists on the suffix
        model.save(str(keras_tmp))
        keras_tmp.replace(tmp)
    if saved_model is not None:
        model.export(str(saved_model))
    return path


def export_tflite(
    model: Any, path: str | Path, *, quantize: str = "none", description: ModelDescription | None = None
) -> Path:
    """Convert ``model`` to a TFLite flat buffer at ``path`` through a SavedModel, atomically.

    Args:
        quantize: ``"none"`` (float32) or ``"dynamic"`` (dynamic-range: int8 weights,
            float activations; about a quarter of the size).
        description: also written beside it as ``<path>.json`` (TFLite files carry no Keras config).

    The TFLite model takes float32 RGB 0–255 images of the model's input size and returns
    the same probabilities as ``model``.

    Raises:
        ExportError: an unknown ``quantize``.
    """
    import tensorflow as tf

    if quantize not in QUANTIZATIONS:
        raise ExportError(f"quantize = {quantize!r}: use one of {', '.join(QUANTIZATIONS)}")
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="lesionkit-tflite-") as folder:
        saved = Path(folder) / "saved_model"
        model.export(str(saved), format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
        if quantize == "dynamic":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        flat_buffer = converter.convert()
    atomic_write_bytes(path, flat_buffer)
    if description is not None:
        record = {**description.to_dict(), "quantize": quantize}
        atomic_write_text(path.with_name(path.name + ".json"), json.dumps(record, indent=2) + "\n")
    return path


def copy_model_card(run: RunDir, path: str | Path) -> list[Path]:
    """Copy the run's model card (``model_card.md``/``.json``, when present) beside the export ``path``.

    The copies are named ``<path stem>.model_card.md`` and ``.json``. Returns the files written.
    """
    path = Path(path)
    written = []
    for source in (run.model_card_file, run.model_card_json_file):
        if source.is_file():
            target = path.with_name(f"{path.stem}.model_card{source.suffix}")
            with atomic_path(target) as tmp:
                shutil.copyfile(source, tmp)
            written.append(target)
    return written


def load_model(path: str | Path, *, compile: bool = False) -> Any:
    """Load a ``.keras`` file written by :meth:`lesionkit.Trainer.export`.

    The model takes RGB images with values 0–255 and applies its own
    preprocessing; its last output column is the positive-class probability.
    """
    import keras

    for module in _CUSTOM_OBJECT_MODULES:
        importlib.import_module(module)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    return keras.saving.load_model(str(path), compile=compile)
