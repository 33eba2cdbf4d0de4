"""Starting a backbone from another lesionkit model: a finished run directory or an exported ``.keras`` file.

``weights=`` (config field, ``--weights``) may name, besides ``None``, ``"imagenet"`` and a
weights file:

- a **run directory**: the backbone of the run's best checkpoint (else its last), head
  dropped;
- a **``.keras`` file** written by :meth:`lesionkit.Trainer.export`: its backbone.

Either way the backbone's weights are written once to a ``.weights.h5`` file (with the
sidecar of :func:`~lesionkit.models.weights.save_backbone_weights`) under the cache
directory's ``backbones/`` folder, keyed by the source and its checkpoint, and the
backbone factory loads that file as it loads any weights file: every variable must fit
exactly. The source's preprocessing travels with it; a config that sets another one
explicitly is refused, and so is a config whose backbone is another architecture.

This is how HAM10000 pretraining feeds ISIC 2017 fine-tuning::

    lesionkit fit ham10000_dx7 --data-dir HAM --run-dir runs/ham
    lesionkit fit melanoma_dermo --data-dir ISIC --weights runs/ham

Example:
    >>> from lesionkit.config import ExperimentConfig
    >>> is_model_source("imagenet"), is_model_source(None)
    (False, False)
    >>> resolve_backbone_weights(ExperimentConfig(weights="imagenet"))  # other sources pass through
    'imagenet'
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from lesionkit import registries
from lesionkit.config import ExperimentConfig
from lesionkit.errors import LesionkitError
from lesionkit.runs import RunDir, RunDirError

#: Suffix of the files :meth:`lesionkit.Trainer.export` writes.
KERAS_SUFFIX = ".keras"
#: Folder of the cache directory that holds backbones taken from runs and ``.keras`` files.
CACHE_FOLDER = "backbones"


class TransferError(LesionkitError, ValueError):
    """Weights from a run or ``.keras`` file that cannot start this backbone; says why and what to do."""


def is_model_source(weights: str | None) -> bool:
    """Whether ``weights`` names a run directory or a ``.keras`` file (not a weights file or ``"imagenet"``)."""
    from lesionkit.models.weights import WEIGHTS_SUFFIXES

    if weights is None or weights == "imagenet":
        return False
    path = Path(weights).expanduser()
    # Anything that is not a weights file's name is a run directory (or a missing one: said so).
    return path.is_dir() or path.suffix == KERAS_SUFFIX or not path.name.endswith(WEIGHTS_SUFFIXES)


def resolve_backbone_weights(cfg: ExperimentConfig, cache_dir: str | Path | None = None) -> str | None:
    """The ``weights`` the backbone factory gets for ``cfg``.

    ``None``, ``"imagenet"`` and weights files are returned as they are; a run directory or a
    ``.keras`` file becomes the path of a ``.weights.h5`` file holding its backbone.

    Args:
        cfg: the experiment whose backbone is being built.
        cache_dir: where the extracted backbone goes (``None``: ``cfg.cache_dir``, else the
            default cache directory).

    Raises:
        TransferError: a source that is missing or unfinished, holds another backbone
            architecture or input channels, or was trained with another preprocessing than
            the one ``cfg`` sets explicitly.
    """
    weights = cfg.weights
    if not is_model_source(weights):
        return weights
    assert weights is not None
    source = Path(weights).expanduser()
    if source.suffix == KERAS_SUFFIX:
        if not source.is_file():
            raise TransferError(f"weights = {weights!r}: no exported model file there; check the path")
        key_file = source
        _check_color_constancy(cfg, weights, _keras_file_color_constancy(source))
    else:
        key_file = _run_checkpoint(source)
        _check_color_constancy(cfg, weights, RunDir(source).read_config().color_constancy)
    stat = key_file.stat()
    digest = hashlib.sha256(f"{key_file.resolve()}|{stat.st_mtime_ns}|{stat.st_size}".encode()).hexdigest()[:20]
    root = Path(cache_dir or cfg.cache_dir or _default_cache_dir()).expanduser() / CACHE_FOLDER
    target = root / f"{cfg.backbone.name}-{digest}.weights.h5"
    if target.is_file() and Path(str(target) + ".json").is_file():
        name, preprocessing = _sidecar_facts(target)
        _check_fit(cfg, weights, name, 3, preprocessing)
        return str(target)
    backbone = _keras_file_backbone(source) if source.suffix == KERAS_SUFFIX else _run_backbone(source)
    from lesionkit.models.weights import preprocessing_of, save_backbone_weights

    channels = int(backbone.model.input_shape[-1])
    _check_fit(cfg, weights, backbone.name, channels, preprocessing_of(backbone))
    root.mkdir(parents=True, exist_ok=True)
    save_backbone_weights(backbone, target)
    return str(target)


def source_preprocessing(cfg: ExperimentConfig, _seen: tuple[str, ...] = ()) -> str:
    """The preprocessing ``cfg``'s backbone was built with (following ``weights`` sources back).

    Example:
        >>> source_preprocessing(ExperimentConfig(weights=None, backbone={"name": "resnet18", "params": {"preprocessing": "tf"}}))
        'tf'
        >>> source_preprocessing(ExperimentConfig(weights="imagenet"))
        'caffe'
    """
    from lesionkit.models.weights import check_preprocessing, read_sidecar

    requested = cfg.backbone.params.get("preprocessing")
    weights = cfg.weights
    if not is_model_source(weights):
        sidecar = read_sidecar(weights) if weights not in (None, "imagenet") else None
        return check_preprocessing(requested, weights, sidecar, name=cfg.backbone.name)
    assert weights is not None
    source = Path(weights).expanduser()
    if source.suffix == KERAS_SUFFIX:
        from lesionkit.models.weights import preprocessing_of

        owned = preprocessing_of(_keras_file_backbone(source))
    else:
        key = str(source.resolve())
        if key in _seen:
            raise TransferError(f"weights = {weights!r}: runs whose weights refer to each other in a circle")
        owned = source_preprocessing(RunDir(source).read_config(), (*_seen, key))
    return requested or owned


# -- the two sources --------------------------------------------------------------------------


def _run_checkpoint(path: Path) -> Path:
    """The weights file of a finished run's best checkpoint, with errors that say what is wrong."""
    if not path.exists():
        raise TransferError(f"weights = {str(path)!r}: no run directory there; check the path")
    run = RunDir(path)
    if not run.is_run():
        raise TransferError(
            f"weights = {str(path)!r}: not a lesionkit run directory (no {run.config_file.name}); "
            f"pass a run directory made by `lesionkit fit`, a .keras file or a .weights.h5 file"
        )
    try:
        return run.weights_file("best")
    except RunDirError as exc:
        raise TransferError(f"weights = {str(path)!r}: the run has no checkpoint to start from: {exc}") from None


def _run_backbone(path: Path) -> Any:
    """The backbone of the run in ``path`` with its best weights loaded (head dropped)."""
    from lesionkit.models.assemble import build_classifier
    from lesionkit.task import get_task

    run = RunDir(path)
    source = run.read_config()
    size = source.image_size
    params = {**source.backbone.params, "preprocessing": source_preprocessing(source)}
    injected = {"input_shape": (size, size, 3), "weights": None}
    backbone = registries.backbones.build(source.backbone.name, params, injected=injected, where="backbone")
    # The source's head (sized for its task) only so that its checkpoint loads; it is dropped.
    injected_head = {"num_classes": get_task(source.task).num_classes}
    head = registries.heads.build(source.head.name, source.head.params, injected=injected_head, where="head")
    model = build_classifier(backbone, head, image_size=size, color_constancy=source.color_constancy)
    run.load_weights(model, "best")  # the backbone's variables are the model's: now trained
    return backbone


def _keras_file_backbone(path: Path) -> Any:
    """The backbone of an exported model: its nested feature extractor and preprocessing layer."""
    from lesionkit.models.backbone import Backbone
    from lesionkit.training.export import load_model

    try:
        model = load_model(path)
    except Exception as exc:  # Keras raises many types for a file it cannot read
        raise TransferError(
            f"weights = {str(path)!r}: not a model lesionkit can read ({type(exc).__name__}: {str(exc)[:200]}); "
            f"use a file written by Trainer.export or `lesionkit export`"
        ) from None
    nested = [layer for layer in model.layers if hasattr(layer, "layers")]
    preprocess = [layer for layer in model.layers if hasattr(layer, "preprocessing")]
    if len(nested) != 1 or len(preprocess) != 1:
        raise TransferError(
            f"weights = {str(path)!r}: expected one backbone and one preprocessing layer in the model, "
            f"found {len(nested)} and {len(preprocess)}; use a file written by Trainer.export"
        )
    return Backbone(model=nested[0], preprocess=preprocess[0], stages={}, name=nested[0].name)


# -- checks ------------------------------------------------------------------------------------


def _check_fit(cfg: ExperimentConfig, weights: str, name: str, channels: int, preprocessing: str) -> None:
    wanted = cfg.backbone.name
    if name != wanted:
        raise TransferError(
            f"weights = {weights!r} holds a {name!r} backbone, but this config's backbone is {wanted!r}; "
            f"set backbone to {name!r} or start from a {wanted!r} run"
        )
    if channels != 3:
        raise TransferError(
            f"weights = {weights!r}: its {name} backbone takes {channels} input channels, but {wanted} here "
            f"takes 3 (RGB); start from a model trained on RGB images"
        )
    requested = cfg.backbone.params.get("preprocessing")
    if requested is not None and requested != preprocessing:
        raise TransferError(
            f"backbone.params.preprocessing = {requested!r} does not match weights = {weights!r}, which was "
            f"trained with {preprocessing!r}; remove backbone.params.preprocessing so the weights bring their own"
        )


def _keras_file_color_constancy(path: Path) -> str | None:
    """The colour constancy method of a ``.keras`` file's model, read from its config without loading it."""
    import json
    import zipfile

    from lesionkit.config import COLOR_CONSTANCY

    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None  # not a readable Keras archive: loading it says so with the full reason
    layers = config.get("config", {}).get("layers", []) if isinstance(config, dict) else []
    for layer in layers:
        if isinstance(layer, dict) and layer.get("class_name") == "ColorConstancy":
            power = float(layer.get("config", {}).get("power", 6.0))
            return next((m for m, p in COLOR_CONSTANCY.items() if p == power), f"power {power:g}")
    return None


def _check_color_constancy(cfg: ExperimentConfig, weights: str, source: str | None) -> None:
    # A backbone that learned on colour-corrected images sees other inputs without the layer.
    if source != cfg.color_constancy:
        raise TransferError(
            f"weights = {weights!r} was trained with color_constancy = {source!r}, but this config has "
            f"{cfg.color_constancy!r}; set color_constancy to {source!r} so the backbone sees the inputs it learned on"
        )


def _sidecar_facts(path: Path) -> tuple[str, str]:
    from lesionkit.models.weights import read_sidecar

    sidecar = read_sidecar(path) or {}
    return str(sidecar.get("backbone", "")), str(sidecar.get("preprocessing", ""))


def _default_cache_dir() -> Path:
    from lesionkit.data.loading.cache import default_cache_dir

    return default_cache_dir()


__all__ = ["TransferError", "is_model_source", "resolve_backbone_weights", "source_preprocessing"]
