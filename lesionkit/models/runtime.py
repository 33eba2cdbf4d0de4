"""Where and how a model runs: the ``tf.distribute`` strategy and the Keras dtype policy.

The Trainer builds and compiles its model inside both::

    with precision_policy(cfg.precision), distribution_strategy(cfg.distribute).scope():
        model = build(...)
        model.compile(..., jit_compile=cfg.jit_compile)

Strategies:

- ``"default"``: ``tf.distribute.get_strategy()``, i.e. one device (the first GPU if any).
- ``"mirrored"``: ``tf.distribute.MirroredStrategy`` — synchronous data parallelism over every
  local GPU (or the given ``devices``); each global batch is split across replicas.
- ``"multi_worker_mirrored"``: ``tf.distribute.MultiWorkerMirroredStrategy`` — the same across
  machines. Every machine runs the same command with its own ``TF_CONFIG`` environment
  variable, e.g. on worker 0 of two::

      TF_CONFIG='{"cluster": {"worker": ["host0:12345", "host1:12345"]},
                  "task": {"type": "worker", "index": 0}}'

  Without ``TF_CONFIG`` it runs as a single worker (useful to test the code path).

Precision policies: ``"float32"``, ``"mixed_float16"`` (GPUs with tensor cores; Keras scales
the loss automatically in ``compile``), ``"mixed_bfloat16"`` (TPUs, recent GPUs and CPUs).
lesionkit's heads keep their output layer in float32 under every policy.

:data:`STRATEGIES` and :data:`PRECISIONS` are the one lists of those names
(``ExperimentConfig.distribute`` and ``precision`` are checked against them), so this
module imports TensorFlow only inside its functions.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

from lesionkit.errors import LesionkitError
from lesionkit.registry import did_you_mean

#: Names of ``distribute``: the ``tf.distribute`` strategies lesionkit builds.
STRATEGIES: tuple[str, ...] = ("default", "mirrored", "multi_worker_mirrored")
#: Names of ``precision``: Keras global dtype policies.
PRECISIONS: tuple[str, ...] = ("float32", "mixed_float16", "mixed_bfloat16")


class RuntimeConfigError(LesionkitError, ValueError):
    """An unknown strategy or precision name, or an unusable ``TF_CONFIG``."""


def distribution_strategy(name: str = "default", *, devices: Sequence[str] | None = None) -> Any:
    """The ``tf.distribute.Strategy`` called ``name``.

    Args:
        name: ``"default"``, ``"mirrored"`` or ``"multi_worker_mirrored"``.
        devices: for ``"mirrored"`` only, the devices to mirror over
            (e.g. ``["/gpu:0", "/gpu:1"]``); ``None`` uses every local GPU, or the CPU.

    Raises:
        RuntimeConfigError: unknown ``name``, ``devices`` with another strategy, or a
            ``TF_CONFIG`` that is not valid JSON.

    Example:
        >>> strategy = distribution_strategy("default")
        >>> strategy.num_replicas_in_sync
        1
    """
    if name not in STRATEGIES:
        raise RuntimeConfigError(
            f"distribute = {name!r} is not a strategy.{did_you_mean(str(name), STRATEGIES)} "
            f"Choose one of: {', '.join(STRATEGIES)}"
        )
    if devices is not None and name != "mirrored":
        raise RuntimeConfigError(f"devices={list(devices)!r} only applies to distribute='mirrored', not {name!r}")
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=list(devices) if devices is not None else None)
    tf_config = os.environ.get("TF_CONFIG")
    if tf_config:
        try:
            json.loads(tf_config)
        except json.JSONDecodeError as exc:
            # TensorFlow would fail later with a less helpful message.
            raise RuntimeConfigError(
                f"TF_CONFIG is not valid JSON ({exc}); it should look like "
                '{"cluster": {"worker": ["host0:port", "host1:port"]}, "task": {"type": "worker", "index": 0}}'
            ) from None
    return tf.distribute.MultiWorkerMirroredStrategy()


def current_precision() -> str:
    """Name of the Keras global dtype policy now in force (e.g. ``"float32"``)."""
    import keras

    return keras.config.dtype_policy().name


@contextlib.contextmanager
def precision_policy(name: str = "float32") -> Iterator[str]:
    """Set the Keras global dtype policy to ``name`` inside the block; restore the old one after.

    Layers created inside the block compute in the policy's dtype and keep float32
    variables; build the model inside it. The previous policy comes back even if the
    block raises.

    Raises:
        RuntimeConfigError: ``name`` is not one of ``float32``, ``mixed_float16``,
            ``mixed_bfloat16``.

    Example:
        >>> with precision_policy("mixed_bfloat16") as active:
        ...     active, current_precision()
        ('mixed_bfloat16', 'mixed_bfloat16')
        >>> current_precision()
        'float32'
    """
    if name not in PRECISIONS:
        raise RuntimeConfigError(
            f"precision = {name!r} is not a dtype policy.{did_you_mean(str(name), PRECISIONS)} "
            f"Choose one of: {', '.join(PRECISIONS)}"
        )
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield name
    finally:
        keras.config.set_dtype_policy(previous)
