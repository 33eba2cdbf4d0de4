"""Pretrained weights: ImageNet through Keras's cache, or a local file; never a silent partial load.

Three sources, as the ``weights`` argument of a backbone factory:

- ``None``: random initialisation (training from scratch).
- ``"imagenet"``: the Keras applications file, downloaded once by Keras into
  ``$KERAS_HOME/models`` (default ``~/.keras/models``) and checked against its MD5.
  Offline, put the file there yourself: the error names the file, its URL and the folder.
- a path to a ``.weights.h5`` file (``model.save_weights`` / :func:`save_backbone_weights`)
  or a Keras ``.h5`` weights file (such as the ImageNet file itself). Its variables must
  match the backbone's exactly, in number and shape, or loading stops with an error.

A weights file written by :func:`save_backbone_weights` gets a small JSON sidecar
(``<file>.json``) recording the backbone and the preprocessing the weights were
trained with, so loading it brings the right preprocessing back.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lesionkit.errors import LesionkitError

# File names, URL and MD5s Keras uses for the no-top ResNet ImageNet weights.
KERAS_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
IMAGENET_FILES = {
    "resnet50": "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "resnet101": "resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5",
}
IMAGENET_MD5 = {
    "resnet50": "4d473c1dd8becc155b73f8504c6f6626",
    "resnet101": "88cf7a10940856eca736dc7b7e228a21",
}
#: The preprocessing every ImageNet weights file here was trained with.
IMAGENET_PREPROCESSING = "caffe"
SIDECAR_SUFFIX = ".json"
WEIGHTS_SUFFIXES = (".weights.h5", ".h5", ".hdf5")


class WeightsError(LesionkitError, RuntimeError):
    """Weights that cannot be found, downloaded or loaded; says what to do."""


def keras_cache_dir() -> Path:
    """Where Keras keeps downloaded weights (``$KERAS_HOME/models`` or ``~/.keras/models``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_imagenet(name: str) -> str:
    """Path of the cached ImageNet no-top weights for ``name``, downloading them if needed.

    Args:
        name: ``"resnet50"`` or ``"resnet101"``.

    Raises:
        WeightsError: no ImageNet weights for ``name``; or the file is not cached and
            cannot be downloaded (the message names the file, its URL and the cache
            directory to put it in); or the cached file is damaged (wrong MD5).

    Example (offline machine)::

        $ mkdir -p ~/.keras/models
        $ cp resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5 ~/.keras/models/
    """
    if name not in IMAGENET_FILES:
        raise WeightsError(
            f"no ImageNet weights are known for backbone {name!r} (known: {', '.join(IMAGENET_FILES)}); "
            f"use weights=None or a weights file"
        )
    filename = IMAGENET_FILES[name]
    url = KERAS_WEIGHTS_URL + filename
    cached = keras_cache_dir() / filename
    if cached.is_file():
        found = _md5(cached)
        if found != IMAGENET_MD5[name]:
            raise WeightsError(
                f"the cached ImageNet weights {cached} are damaged or incomplete (MD5 {found}, "
                f"expected {IMAGENET_MD5[name]}). Delete the file and run again to download it, "
                f"or replace it with a good copy from {url}."
            )
        return str(cached)
    import keras

    try:
        path = keras.utils.get_file(
            filename, url, cache_subdir="models", file_hash=IMAGENET_MD5[name], hash_algorithm="md5"
        )
    except Exception as exc:  # network errors come in many types; all mean the same here
        raise WeightsError(
            f"ImageNet weights for {name} are not in the Keras cache and could not be downloaded "
            f"({type(exc).__name__}: {exc}). To work offline, put the file {filename} "
            f"(from {url}, MD5 {IMAGENET_MD5[name]}) into the directory {cached.parent} "
            f"(set KERAS_HOME to use another cache), or pass weights=None to train from scratch, "
            f"or weights='/path/to/{filename}'."
        ) from exc
    return str(path)


def read_sidecar(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The metadata saved beside a weights file, or ``None`` when there is none.

    Raises:
        WeightsError: the sidecar exists but is not a JSON object.
    """
    sidecar = Path(str(path) + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise WeightsError(f"{sidecar}: not readable JSON ({exc}); delete it or fix it") from None
    if not isinstance(data, dict):
        raise WeightsError(f"{sidecar}: expected a JSON object, got {type(data).__name__}")
    return data


def save_backbone_weights(backbone: Any, path: str | os.PathLike[str]) -> Path:
    """Save a backbone's weights (atomically) with a sidecar naming its preprocessing.

    Args:
        backbone: a :class:`lesionkit.models.backbone.Backbone`.
        path: file name ending in ``.weights.h5``.

    Example:
        >>> import lesionkit, tempfile, os
        >>> bb = lesionkit.backbones.create("resnet50", input_shape=(32, 32, 3), weights=None)
        >>> path = save_backbone_weights(bb, os.path.join(tempfile.mkdtemp(), "r50.weights.h5"))
        >>> lesionkit.backbones.create("resnet50", input_shape=(32, 32, 3), weights=str(path)).weights == str(path)
        True
    """
    from lesionkit.io import atomic_path, atomic_write_text

    path = Path(path).expanduser()
    if not path.name.endswith(".weights.h5"):
        raise WeightsError(f"{path}: weights files must end in .weights.h5 (Keras's convention)")
    with atomic_path(path) as tmp:
        # Keras insists on the suffix, so write to a temp name that keeps it.
        target = tmp.with_name(tmp.name + ".weights.h5")
        try:
            backbone.model.save_weights(str(target))
            os.replace(target, tmp)
        finally:
            if target.exists():
                target.unlink()
    meta = {
        "backbone": backbone.name,
        "preprocessing": preprocessing_of(backbone),
        "variables": len(backbone.model.weights),
    }
    atomic_write_text(Path(str(path) + SIDECAR_SUFFIX), json.dumps(meta, indent=2) + "\n")
    return path


def preprocessing_of(backbone: Any) -> str:
    """Name of the preprocessing a backbone applies (``"caffe"``, ``"tf"``, ``"raw"``...)."""
    return str(getattr(backbone.preprocess, "preprocessing", type(backbone.preprocess).__name__))


def _file_shapes(path: Path) -> Counter[tuple[int, ...]]:
    import h5py

    shapes: Counter[tuple[int, ...]] = Counter()

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset):
            shapes[tuple(int(d) for d in obj.shape)] += 1

    with h5py.File(path, "r") as fh:
        # A full-model .h5 keeps optimizer state beside the weights: look at the weights only.
        root = fh.get("model_weights", fh)
        root.visititems(visit)
    return shapes


def _describe_difference(model_shapes: Counter[Any], file_shapes: Counter[Any]) -> str:
    missing = model_shapes - file_shapes
    extra = file_shapes - model_shapes
    parts = []
    if missing:
        parts.append("missing from the file: " + ", ".join(f"{n}×{s}" for s, n in list(missing.items())[:4]))
    if extra:
        parts.append("not in the model: " + ", ".join(f"{n}×{s}" for s, n in list(extra.items())[:4]))
    return "; ".join(parts)


def load_weights_file(model: Any, path: str | os.PathLike[str], *, name: str) -> None:
    """Load a weights file into ``model``; any missing, extra or mis-shaped variable is an error.

    Raises:
        WeightsError: the file does not exist, is not an HDF5 weights file, or does not
            fit ``model`` exactly (the message says how it differs).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise WeightsError(
            f"{name}: weights file {path} does not exist. Use weights=None, 'imagenet', "
            f"or the path of a file saved with model.save_weights()."
        )
    if not path.name.endswith(WEIGHTS_SUFFIXES):
        raise WeightsError(
            f"{name}: {path} is not a weights file lesionkit can check; use a file ending in "
            f"{', '.join(WEIGHTS_SUFFIXES)} (model.save_weights('x.weights.h5'))"
        )
    try:
        file_shapes = _file_shapes(path)
    except OSError as exc:
        raise WeightsError(f"{name}: {path} is not a readable HDF5 weights file ({exc})") from None
    model_shapes = Counter(tuple(int(d) for d in w.shape) for w in model.weights)
    # Keras matches variables by position or layer name and may skip what it cannot place;
    # comparing the whole multiset of shapes first makes a partial load impossible.
    if file_shapes != model_shapes:
        raise WeightsError(
            f"{name}: weights file {path} does not fit this backbone: it holds "
            f"{sum(file_shapes.values())} variables, the model has {sum(model_shapes.values())} "
            f"({_describe_difference(model_shapes, file_shapes)}). Check it was saved from the "
            f"same backbone ({name}), or use weights=None."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras's per-layer chatter; failures still raise
            model.load_weights(str(path))
    except Exception as exc:
        raise WeightsError(
            f"{name}: weights file {path} does not fit this model ({type(exc).__name__}: "
            f"{str(exc)[:300]}). Check it was saved from the same backbone, or use weights=None."
        ) from exc


def check_preprocessing(
    requested: str | None, weights: str | None, sidecar: Mapping[str, Any] | None, *, name: str
) -> str:
    """The preprocessing that belongs to ``weights``; a conflicting request is an error.

    ImageNet weights mean ``"caffe"``; a file with a sidecar means the recorded one; a
    file without one is taken for Keras-convention ResNet weights (``"caffe"``) unless
    ``requested`` says otherwise; from scratch the request decides (default ``"caffe"``).
    """
    if weights == "imagenet":
        owned: str | None = IMAGENET_PREPROCESSING
        source = "ImageNet weights"
    elif sidecar is not None and sidecar.get("preprocessing"):
        owned = str(sidecar["preprocessing"])
        source = f"weights file {weights} (recorded in {weights}{SIDECAR_SUFFIX})"
    else:
        owned = None
        source = ""
    if owned is not None:
        if requested is not None and requested != owned:
            raise WeightsError(
                f"{name}: preprocessing={requested!r} does not match the {source}, which were trained "
                f"with {owned!r}; leave preprocessing unset so the weights bring their own"
            )
        return owned
    return requested or IMAGENET_PREPROCESSING
