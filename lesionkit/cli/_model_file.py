"""A ``.keras`` file checked before TensorFlow is imported: it exists, is a lesionkit export, loads safely.

A ``.keras`` file is a zip archive whose ``config.json`` describes every layer, so what
``lesionkit predict model.keras`` needs can be read without Keras: the metadata layer that
:meth:`lesionkit.Trainer.export` adds (class names, preprocessing, threshold), and no
``Lambda`` layer, whose Python code Keras will only run with ``safe_mode=False`` (which
lesionkit never sets: a model file must not run code).

Example:
    >>> check_model_file("missing.keras")
    Traceback (most recent call last):
    ...
    lesionkit.cli.CommandError: missing.keras: no such file; give a model written by `lesionkit export RUN -o model.keras`, or a run directory of `lesionkit fit`
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lesionkit.cli import CommandError
from lesionkit.evaluation.prediction.model_description import METADATA_LAYER as _METADATA_LAYER

_ACCEPTED = (
    "lesionkit accepts a model written by `lesionkit export RUN -o model.keras`, or a run directory of `lesionkit fit`"
)


def check_model_file(path: str | Path) -> None:
    """Refuse, in one line naming the file, a model file that ``predict`` could not use.

    Raises:
        CommandError: no such file; not a ``.keras`` archive; a Keras model without lesionkit's
            metadata (not exported by lesionkit); a layer that needs unsafe deserialization.
    """
    path = Path(path)
    if not path.is_file():
        raise CommandError(
            f"{path}: no such file; give a model written by `lesionkit export RUN -o model.keras`, "
            f"or a run directory of `lesionkit fit`"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: not a Keras .keras model file ({exc}); {_ACCEPTED}") from None
    layers = list(_layers(config))
    unsafe = sorted({str(layer.get("config", {}).get("name", "?")) for layer in layers if _is_lambda(layer)})
    if unsafe:
        raise CommandError(
            f"{path}: layer(s) {', '.join(unsafe)} are Lambda layers, whose code Keras runs only with unsafe "
            f"deserialization, which lesionkit never enables; {_ACCEPTED}"
        )
    if not any(layer.get("config", {}).get("name") == _METADATA_LAYER for layer in layers):
        raise CommandError(
            f"{path}: a Keras model, but not a lesionkit export (no {_METADATA_LAYER!r} layer with its class names "
            f"and preprocessing); {_ACCEPTED}"
        )


def _is_lambda(layer: dict[str, Any]) -> bool:
    return layer.get("class_name") == "Lambda"


def _layers(node: Any) -> Iterator[dict[str, Any]]:
    """Every layer description in a Keras ``config.json``, nested models included."""
    if isinstance(node, dict):
        if "class_name" in node and isinstance(node.get("config"), dict):
            yield node
        for value in node.values():
            yield from _layers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _layers(value)
