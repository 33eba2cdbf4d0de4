"""Where a model runs: the ``tf.distribute`` strategy, and workers agreeing to go on.

The Trainer builds and compiles its model inside the strategy's scope and the dtype policy
(:mod:`lesionkit.runtime.precision`)::

    with precision_policy(config_precision(cfg)), distribution_strategy(cfg.distribute).scope():
        model = build(...)
        model.compile(..., jit_compile=cfg.jit_compile)

Strategies (the names are the core's, :data:`lesionkit.vocabulary.STRATEGIES`):

- ``"default"``: ``tf.distribute.get_strategy()``, i.e. one device (the first GPU if any).
- ``"mirrored"``: ``tf.distribute.MirroredStrategy`` — synchronous data parallelism over every
  local GPU (or the given ``devices``); each global batch is split across replicas.
- ``"multi_worker_mirrored"``: ``tf.distribute.MultiWorkerMirroredStrategy`` — the same across
  machines. Every machine runs the same command with its own ``TF_CONFIG`` environment
  variable, e.g. on worker 0 of two::

      TF_CONFIG='{"cluster": {"worker": ["host0:12345", "host1:12345"]},
                  "task": {"type": "worker", "index": 0}}'

  Without ``TF_CONFIG`` it runs as a single worker (useful to test the code path).
  TensorFlow configures collective ops when its runtime starts, so in a cluster this
  strategy must be created before any TensorFlow op runs in the process (the Trainer's
  ``fit`` creates it first; a single worker may come later); :mod:`lesionkit.runtime.cluster`
  says which worker is the chief, and ``docs/scaling.md`` how to launch the workers.

This module imports TensorFlow only inside its functions.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from lesionkit.registry import did_you_mean
from lesionkit.runtime.errors import OtherWorkerFailedError, RuntimeConfigError
from lesionkit.vocabulary import STRATEGIES

_T = TypeVar("_T")


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
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except (RuntimeError, ValueError) as exc:
        if "program startup" not in str(exc) and "already configured" not in str(exc):
            raise
        raise RuntimeConfigError(
            "distribute='multi_worker_mirrored' must create its strategy before TensorFlow runs anything in "
            f"this process ({exc}: TensorFlow already started, or an earlier strategy configured it). "
            "Create the Trainer's strategy first (trainer.strategy, as Trainer.fit does) or run each worker "
            "in a fresh process"
        ) from None


def failed_workers(strategy: Any, failed: bool) -> int:
    """How many workers of ``strategy`` say they ``failed`` (at least): every worker calls this at the same point.

    A collective sum, so it is also a barrier: no worker goes past it before all have
    reached it. Workers use it to agree that every one of them may go on (a worker that
    raised alone would leave the others waiting in the next collective op forever).

    Example:
        >>> failed_workers(distribution_strategy("default"), False)
        0
    """
    import tensorflow as tf

    # One value per worker, summed by a collective all-reduce (no strategy.run: no eager replica call).
    flag = tf.constant(1.0 if failed else 0.0)
    return int(strategy.reduce(tf.distribute.ReduceOp.SUM, flag, axis=None).numpy())


def agreed(strategy: Any, step: Callable[[], _T], *, what: str = "the checks before training") -> _T:
    """Run ``step`` on every worker of ``strategy``; go on only if it succeeded on all of them.

    A worker whose ``step`` raised re-raises its own error; the others raise
    :class:`OtherWorkerFailedError`, so every worker stops instead of waiting for the
    failed one in a collective op. With one worker this is just ``step()``.

    Example:
        >>> agreed(distribution_strategy("default"), lambda: 42)
        42
    """
    # The question Keras asks (privately) to decide whether it must gather across workers.
    if not getattr(strategy.extended, "_in_multi_worker_mode", lambda: False)():
        return step()  # one worker: nothing to agree on
    try:
        result, error = step(), None
    except Exception as exc:  # re-raised below, after the other workers heard of it
        result, error = None, exc
    failures = failed_workers(strategy, error is not None)
    if error is not None:
        raise error
    if failures:
        raise OtherWorkerFailedError(
            f"another worker failed {what} ({failures} replica(s)); its output says why. Fix that and "
            f"start every worker again (with --resume if the run had begun)"
        )
    return result  # type: ignore[return-value]
